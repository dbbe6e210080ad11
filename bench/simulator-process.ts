/**
 * A Pruna simulator in its own process, so its memory and CPU are not counted with the engine's.
 * Reads its setup as JSON from argv[2], prints one JSON line with what it made, and stops when its
 * standard input closes.
 */
import type { FaultRule, PredictionPlan, SimulatorOptions } from '../test/simulator/server.ts';
import { PrunaSimulator } from '../test/simulator/server.ts';

interface Setup {
	/** Options for the simulator; by default its rate limits are out of the way. */
	options?: SimulatorOptions;
	contents?: Array<{ path: string; size: number; contentType: string }>;
	/** Predictions that succeed after `finishMs` each (random times for the wait benchmark). */
	predictionFinishMs?: number[];
	/** Created once, answered as status `succeeded` at once (for the status-check benchmark). */
	donePredictions?: number;
	/** The prompts of the `predictionFinishMs` predictions, in the same order. */
	waitingPrompts?: string[];
	/** Timetables of the creates the run will make, by their input's prompt. */
	createPlans?: Record<string, PredictionPlan>;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as Setup;
const simulator = await PrunaSimulator.start(
	setup.options ?? { rateLimits: { files: 1e9, predictions: 1e9, status: 1e9, delivery: 1e9 } },
);
const contentUrls = (setup.contents ?? []).map((content) =>
	simulator.addContent(content.path, {
		kind: 'bytes',
		size: content.size,
		contentType: content.contentType,
	}),
);
const waiting = (setup.predictionFinishMs ?? []).map(
	(finishMs, index) =>
		simulator.addPrediction(
			{ startingMs: 0, processingMs: finishMs },
			setup.waitingPrompts ? { prompt: setup.waitingPrompts[index] } : {},
		).id,
);
const done = Array.from({ length: setup.donePredictions ?? 0 }, () => simulator.addPrediction().id);
for (const [prompt, plan] of Object.entries(setup.createPlans ?? {})) {
	simulator.planByPrompt(prompt, plan);
}

process.stdout.write(
	`${JSON.stringify({ baseUrl: simulator.baseUrl, apiKey: simulator.apiKey, contentUrls, waiting, done, startedAt: Date.now() })}\n`,
);
/**
 * One command a line, one answer a line:
 * - `count <path prefix> [<from ms> <to ms>]`: how many requests reached it (arriving in that span);
 * - `statuses <path prefix> [<method>]`: the answers' status codes, counted, as JSON;
 * - `inflight <path prefix>`: the most requests that were open at once;
 * - `first <path prefix> [<method>]`: when the first request reached it (ms since epoch), or -1;
 * - `fault <FaultRule as JSON>` and `clear`: inject a fault, or clear them all (answers `ok`);
 * - `results`: each prediction's finish, when an answer first said so, and its status checks, as JSON.
 */
let pending = '';
process.stdin.on('data', (chunk) => {
	pending += String(chunk);
	let newline: number;
	while ((newline = pending.indexOf('\n')) !== -1) {
		const line = pending.slice(0, newline).trim();
		pending = pending.slice(newline + 1);
		const [command, ...rest] = line.split(' ');
		if (command === 'count') {
			const [prefix, from, to] = rest;
			const requests = simulator
				.requestsTo(prefix)
				.filter(
					(request) =>
						from === undefined ||
						(request.receivedAt >= Number(from) && request.receivedAt < Number(to)),
				);
			process.stdout.write(`${requests.length}\n`);
		} else if (command === 'statuses') {
			const [prefix, method] = rest;
			const counts: Record<string, number> = {};
			for (const request of simulator.requestsTo(prefix)) {
				if (method && request.method !== method) continue;
				counts[String(request.status)] = (counts[String(request.status)] ?? 0) + 1;
			}
			process.stdout.write(`${JSON.stringify(counts)}\n`);
		} else if (command === 'first') {
			const [prefix, method] = rest;
			const arrivals = simulator
				.requestsTo(prefix)
				.filter((request) => !method || request.method === method)
				.map((request) => request.receivedAt);
			process.stdout.write(`${arrivals.length ? Math.min(...arrivals) : -1}\n`);
		} else if (command === 'inflight') {
			process.stdout.write(`${simulator.maxInFlight(rest[0])}\n`);
		} else if (command === 'fault') {
			simulator.injectFault(JSON.parse(rest.join(' ')) as FaultRule);
			process.stdout.write('ok\n');
		} else if (command === 'results') {
			process.stdout.write(`${JSON.stringify(simulator.timeToResult())}\n`);
		} else if (command === 'clear') {
			simulator.clearFaults();
			process.stdout.write('ok\n');
		}
	}
});
process.stdin.on('end', () => void simulator.close().then(() => process.exit(0)));
