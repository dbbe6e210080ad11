/**
 * Wait Until Done on 100 items whose predictions finish at random times within 0–30 s: the total
 * wall time against the latest finish plus one poll interval, and the status requests against the
 * fewest that polling at that interval can make.
 */
import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { runWorkflow } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import { fmt, startSimulatorProcess } from './lib.ts';

const items = 100;
const maxFinishMs = 30_000;
const pollIntervalSeconds = 1;

/** The same "random" finish times on every run (a linear congruential generator, fixed seed). */
function finishTimes(): number[] {
	let state = 42;
	return Array.from({ length: items }, () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return Math.round((state / 2 ** 31) * maxFinishMs);
	});
}

export async function benchWait(): Promise<BenchRow[]> {
	// Warm the engine on a small run first, so its start-up is not charged to the wait.
	const warmup = await startSimulatorProcess({ donePredictions: 1 });
	await runWorkflow(
		chain(
			prunaNode('Status', nodeType.status, { predictionId: warmup.done[0], waitUntilDone: false }),
		),
		{
			credentials: credentialsFor(warmup),
		},
	);
	await warmup.stop();

	const finishMs = finishTimes();
	const simulator = await startSimulatorProcess({ predictionFinishMs: finishMs });
	try {
		const runStartedAt = Date.now();
		const result = await runWorkflow(
			chain(
				prunaNode('Status', nodeType.status, {
					predictionId: '={{ $json.id }}',
					waitUntilDone: true,
					options: { pollIntervalSeconds, maxWaitSeconds: 120 },
				}),
			),
			{
				credentials: credentialsFor(simulator),
				input: simulator.waiting.map((id) => ({ json: { id } })),
			},
		);
		const wallMs = Date.now() - runStartedAt;
		const statuses = result.nodes.Status?.items.map((item) => item.json.status) ?? [];
		if (
			result.status !== 'success' ||
			statuses.filter((status) => status === 'succeeded').length !== items
		) {
			throw new Error(`Wait failed: ${result.error?.message}`);
		}

		// Times from the run's start: the predictions were created when the simulator started.
		const headStartMs = runStartedAt - simulator.startedAt;
		const latestFinishMs = Math.max(...finishMs) - headStartMs;
		const targetMs = latestFinishMs + pollIntervalSeconds * 1000;
		const intervalMs = pollIntervalSeconds * 1000;
		const idealRequests = finishMs.reduce(
			(sum, finish) => sum + 1 + Math.ceil(Math.max(0, finish - headStartMs) / intervalMs),
			0,
		);
		const requests = await simulator.count('/v1/predictions/status/');
		console.log(
			`wait for 100 predictions: ${fmt.ms(wallMs)} (latest finish ${fmt.ms(latestFinishMs)} after the start, poll interval ${pollIntervalSeconds} s); ${requests} status requests, ideal ${idealRequests}`,
		);
		const cpu = await cpuPerWaitingItem();
		return [
			cpu,
			{
				name: 'Wait for 100 predictions: wall time',
				ours: fmt.ms(wallMs),
				reference: `latest finish + 1 interval ${fmt.ms(targetMs)}`,
				ratio: wallMs / targetMs,
				goal: '≤ 1.1×',
				met: wallMs / targetMs <= 1.1,
			},
			{
				name: 'Wait for 100 predictions: status requests',
				ours: String(requests),
				reference: `ideal ${idealRequests}`,
				ratio: requests / idealRequests,
				goal: '≤ 1.2×',
				met: requests / idealRequests <= 1.2,
			},
		];
	} finally {
		await simulator.stop();
	}
}

/**
 * The engine's CPU time (user + system, this process only: the simulator runs in its own) per item
 * while 1,000 items wait for predictions that finish within 0–10 s, polling every second.
 */
async function cpuPerWaitingItem(): Promise<BenchRow> {
	const count = 1000;
	let state = 7;
	const finishMs = Array.from({ length: count }, () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return Math.round((state / 2 ** 31) * 10_000);
	});
	const simulator = await startSimulatorProcess({ predictionFinishMs: finishMs });
	try {
		const before = process.cpuUsage();
		const result = await runWorkflow(
			chain(
				prunaNode('Status', nodeType.status, {
					predictionId: '={{ $json.id }}',
					waitUntilDone: true,
					options: { pollIntervalSeconds: 1, maxWaitSeconds: 120 },
				}),
			),
			{
				credentials: credentialsFor(simulator),
				input: simulator.waiting.map((id) => ({ json: { id } })),
			},
		);
		const used = process.cpuUsage(before);
		if (result.status !== 'success') throw new Error(`Wait failed: ${result.error?.message}`);
		const polls = await simulator.count('/v1/predictions/status/');
		const perItemMs = (used.user + used.system) / 1000 / count;
		console.log(
			`1,000 waiting items: ${fmt.ms((used.user + used.system) / 1000)} of CPU for ${polls} status checks: ${perItemMs.toFixed(2)} ms an item, ${((used.user + used.system) / 1000 / polls).toFixed(3)} ms a check`,
		);
		return {
			name: `CPU time per item while ${count} items wait (${polls} checks)`,
			ours: `${perItemMs.toFixed(2)} ms`,
			reference: '',
			ratio: undefined,
			goal: 'information',
			met: true,
		};
	} finally {
		await simulator.stop();
	}
}
