/**
 * A Pruna simulator in its own process, so its memory and CPU are not counted with the engine's.
 * Reads its setup as JSON from argv[2], prints one JSON line with what it made, and stops when its
 * standard input closes.
 */
import { PrunaSimulator } from '../test/simulator/server.ts';

interface Setup {
	contents?: Array<{ path: string; size: number; contentType: string }>;
	/** Predictions that succeed after `finishMs` each (random times for the wait benchmark). */
	predictionFinishMs?: number[];
	/** Created once, answered as status `succeeded` at once (for the status-check benchmark). */
	donePredictions?: number;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as Setup;
const simulator = await PrunaSimulator.start({
	rateLimits: { files: 1e9, predictions: 1e9, status: 1e9, delivery: 1e9 },
});
const contentUrls = (setup.contents ?? []).map((content) =>
	simulator.addContent(content.path, {
		kind: 'bytes',
		size: content.size,
		contentType: content.contentType,
	}),
);
const waiting = (setup.predictionFinishMs ?? []).map(
	(finishMs) => simulator.addPrediction({ startingMs: 0, processingMs: finishMs }).id,
);
const done = Array.from({ length: setup.donePredictions ?? 0 }, () => simulator.addPrediction().id);

process.stdout.write(
	`${JSON.stringify({ baseUrl: simulator.baseUrl, apiKey: simulator.apiKey, contentUrls, waiting, done, startedAt: Date.now() })}\n`,
);
process.stdin.on('data', (line) => {
	// "count <path prefix>": how many requests reached it.
	const [command, prefix] = String(line).trim().split(' ');
	if (command === 'count') process.stdout.write(`${simulator.requestsTo(prefix).length}\n`);
});
process.stdin.on('end', () => void simulator.close().then(() => process.exit(0)));
