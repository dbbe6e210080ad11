/**
 * `npm run simulator`: a Pruna API simulator on 127.0.0.1 for trying the nodes by hand. Point a
 * "Pruna API" credential at the printed base URL with the printed key. Ctrl+C stops it.
 */
import { PrunaSimulator } from './server.ts';

const port = Number(process.env.PRUNA_SIMULATOR_PORT ?? 0);
// Quotas as Pruna's (a minute) unless scaled, e.g. PRUNA_SIMULATOR_RATE_WINDOW_MS=5000, and fixed
// windows unless PRUNA_SIMULATOR_RATE_WINDOW=sliding.
const windowMs = Number(process.env.PRUNA_SIMULATOR_RATE_WINDOW_MS ?? 60_000);
const simulator = await PrunaSimulator.start({
	port,
	apiKey: process.env.PRUNA_SIMULATOR_KEY,
	rateLimitWindowMs: Number.isFinite(windowMs) && windowMs > 0 ? windowMs : 60_000,
	rateLimitWindow: process.env.PRUNA_SIMULATOR_RATE_WINDOW === 'sliding' ? 'sliding' : 'fixed',
	defaultPlan: { startingMs: 500, processingMs: 1500 },
});
const example = simulator.addPrediction({ startingMs: 1000, processingMs: 3000 });

console.log(`Pruna simulator listening
  Base URL : ${simulator.baseUrl}
  API key  : ${simulator.apiKey}
  Example prediction id: ${example.id} (succeeds about 4 s after start)`);

const stop = async () => {
	await simulator.close();
	process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
