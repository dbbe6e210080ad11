/**
 * 10,000 items through Get Prediction Status (waiting) and Download Content, against a simulator
 * that enforces Pruna's status quota (30,000 a minute) and answers every request after 80 ms, as
 * for a user far from Pruna, beside the same run at a 0 ms round trip: what distance costs. Each
 * runs twice, alternating, and the quicker of each counts. Beside them, routing alone (the hookless
 * declarative node of floor-node.ts) makes the same two GETs per item at 0 ms, so CPU time and peak
 * RSS per item show what is ours and what is n8n's.
 * PRUNA_BENCH_DISTANCE_ITEMS sets a smaller count for a quick look; PRUNA_BENCH_DISTANCE_CEILING
 * runs ours with another Max Requests at Once than the default (how the default was chosen).
 */
import { fileURLToPath } from 'node:url';

import type { INodeProperties } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, packageNodes, prunaNode } from '../test/fixtures.ts';
import { addNodeTypes } from '../test/harness/engine.ts';
import { runWorkflow } from '../test/harness/run.ts';
import { StatusFloor, floorNodeType } from './floor-node.ts';
import type { BenchRow } from './lib.ts';
import { fmt, measure, runScriptInChild, startSimulatorProcess } from './lib.ts';

const items = Number(process.env.PRUNA_BENCH_DISTANCE_ITEMS ?? 10_000);
const chosenCeiling = Number(process.env.PRUNA_BENCH_DISTANCE_CEILING ?? 0) || undefined;
const farRoundTripMs = 80;
/** Pruna's status quota a minute; the simulator's window is a real minute. */
const statusPerMinute = 30_000;
/** Distance may cost this much wall time, at most. */
const distanceGoal = 1.15;

/** Max Requests at Once as the editor shows it by default, read from the built node. */
function defaultCeiling(): number {
	const node = packageNodes().find((candidate) => candidate.type === nodeType.status);
	const options = node?.description.properties.find((property) => property.name === 'options');
	const ceiling = (options?.options as INodeProperties[] | undefined)?.find(
		(option) => option.name === 'maxConcurrentRequests',
	)?.default;
	if (typeof ceiling !== 'number')
		throw new Error('Get Prediction Status has no Max Requests at Once');
	return ceiling;
}

function ours(maxConcurrentRequests?: number) {
	const cap = maxConcurrentRequests ? { maxConcurrentRequests } : {};
	return chain(
		prunaNode('Status', nodeType.status, {
			predictionId: '={{ $json.id }}',
			waitUntilDone: true,
			options: { pollIntervalSeconds: 1, maxWaitSeconds: 600, ...cap },
		}),
		prunaNode('Download', nodeType.download, {
			url: '={{ $json.generation_url }}',
			binaryPropertyName: 'data',
			options: cap,
		}),
	);
}

/** The same two GETs per item by routing alone: the status URL, then the file it names. */
function routingAlone() {
	const floor = (name: string, statusUrl: string) => ({
		...prunaNode(name, nodeType.status, {}),
		type: floorNodeType,
		parameters: { statusUrl },
	});
	return chain(
		floor('Status', '={{ $json.url }}'),
		floor('Download', '={{ $json.generation_url }}'),
	);
}

interface Run {
	wallMs: number;
	cpuMsPerItem: number;
	rssKiBPerItem: number;
	mostInFlight: number;
	statusAnswers: Record<string, number>;
	/** From the run's start to the first download: the Get Prediction Status node's part. */
	statusPhaseMs: number;
}

type Contender = 'ours' | 'routingAlone';

function describe(run: Run): string {
	return `${fmt.ms(run.wallMs)} (status ${fmt.ms(run.statusPhaseMs)}, download ${fmt.ms(run.wallMs - run.statusPhaseMs)}), CPU ${run.cpuMsPerItem.toFixed(2)} ms and peak RSS growth ${run.rssKiBPerItem.toFixed(1)} KiB per item, at most ${run.mostInFlight} requests in flight, status answers ${JSON.stringify(run.statusAnswers)}`;
}

/** One measured run in this process: the simulator in its own, as everywhere in the bench. */
async function measuredRun(
	contender: Contender,
	count: number,
	roundTripMs: number,
	maxConcurrentRequests?: number,
): Promise<Run> {
	const workflow = contender === 'ours' ? ours(maxConcurrentRequests) : routingAlone();
	const simulator = await startSimulatorProcess({
		options: {
			rateLimits: { status: statusPerMinute, files: 1e9, predictions: 1e9, delivery: 1e9 },
		},
		donePredictions: count,
	});
	try {
		if (roundTripMs > 0) {
			await simulator.injectFault({ path: '/', fault: { kind: 'latency', ms: roundTripMs } });
		}
		const input = simulator.done.map((id) => ({
			json: { id, url: `${simulator.baseUrl}/v1/predictions/status/${id}` },
		}));
		const cpuBefore = process.cpuUsage();
		const startedAt = Date.now();
		const measured = await measure(
			async () => await runWorkflow(workflow, { credentials: credentialsFor(simulator), input }),
		);
		const cpu = process.cpuUsage(cpuBefore);
		const downloaded = measured.result.nodes.Download?.items.length ?? 0;
		if (measured.result.status !== 'success' || downloaded !== count) {
			throw new Error(
				`The run failed (${downloaded} of ${count} items): ${measured.result.error?.message}`,
			);
		}
		return {
			wallMs: measured.wallMs,
			cpuMsPerItem: (cpu.user + cpu.system) / 1000 / count,
			rssKiBPerItem: (measured.peakRssGrowthMiB * 1024) / count,
			mostInFlight: await simulator.maxInFlight('/'),
			statusAnswers: await simulator.statuses('/v1/predictions/status/'),
			// Both clocks are this machine's: the simulator runs in a process of its own beside this one.
			statusPhaseMs:
				((await simulator.firstArrivalAt('/v1/predictions/delivery/')) ?? startedAt) - startedAt,
		};
	} finally {
		await simulator.stop();
	}
}

/**
 * Each run in a process of its own, after a warm-up of the same workflow there: peak RSS then
 * counts what this run took, not what an earlier one left behind or already grew the heap to.
 */
async function runInChild(
	contender: Contender,
	roundTripMs: number,
	maxConcurrentRequests?: number,
): Promise<Run> {
	const run = await runScriptInChild<Run>(
		import.meta.url,
		{ contender, roundTripMs, maxConcurrentRequests },
		`The ${contender} run at ${roundTripMs} ms`,
		['--expose-gc'],
	);
	console.log(`  ${contender} at ${roundTripMs} ms: ${describe(run)}`);
	return run;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
	const { contender, roundTripMs, maxConcurrentRequests } = JSON.parse(process.argv[2]) as {
		contender: Contender;
		roundTripMs: number;
		maxConcurrentRequests?: number;
	};
	await addNodeTypes({ [floorNodeType]: new StatusFloor() });
	// Warm the engine and the workflow, so start-up is not charged to the run.
	await measuredRun(contender, 200, 0, maxConcurrentRequests);
	const run = await measuredRun(contender, items, roundTripMs, maxConcurrentRequests);
	process.stdout.write(`${JSON.stringify(run)}\n`);
	process.exit(0);
}

export async function benchDistance(): Promise<BenchRow[]> {
	const ceiling = chosenCeiling ?? defaultCeiling();
	console.log(`${items} items through Get Prediction Status (waiting) and Download Content`);
	// Other work on the machine comes and goes: each of ours runs twice, alternating, the quicker
	// run of each counting (the one least slowed by others).
	const quicker = (a: Run, b: Run) => (a.wallMs <= b.wallMs ? a : b);
	const farRuns: Run[] = [];
	const nearRuns: Run[] = [];
	for (let round = 0; round < 2; round++) {
		farRuns.push(await runInChild('ours', farRoundTripMs, chosenCeiling));
		nearRuns.push(await runInChild('ours', 0, chosenCeiling));
	}
	const far = quicker(farRuns[0], farRuns[1]);
	const near = quicker(nearRuns[0], nearRuns[1]);
	// Routing alone at 0 ms: at 80 ms it opens a connection per item at once (thousands), which
	// measures the machine's file-descriptor limit more than n8n.
	const floorNear = await runInChild('routingAlone', 0);

	const label = `${items.toLocaleString('en-US')} items, Status (wait) + Download`;
	const distanceRatio = far.wallMs / near.wallMs;
	return [
		{
			name: `${label}: wall time at ${farRoundTripMs} ms round trip vs 0 ms`,
			ours: fmt.ms(far.wallMs),
			reference: `0 ms ${fmt.ms(near.wallMs)}`,
			ratio: distanceRatio,
			goal: `≤ ${distanceGoal.toFixed(2)}×`,
			met: distanceRatio <= distanceGoal,
		},
		{
			name: `… most requests in flight at ${farRoundTripMs} ms`,
			ours: String(far.mostInFlight),
			reference: `at 0 ms ${near.mostInFlight}; Max Requests at Once ${ceiling}`,
			ratio: undefined,
			goal: `≤ ${ceiling}`,
			met: far.mostInFlight <= ceiling && near.mostInFlight <= ceiling,
		},
		{
			name: '… 429 answers',
			ours: String((far.statusAnswers['429'] ?? 0) + (near.statusAnswers['429'] ?? 0)),
			reference: '',
			ratio: undefined,
			goal: '0',
			met: (far.statusAnswers['429'] ?? 0) + (near.statusAnswers['429'] ?? 0) === 0,
		},
		{
			name: '… CPU time per item (0 ms) vs routing alone',
			ours: `${near.cpuMsPerItem.toFixed(2)} ms`,
			reference: `routing alone ${floorNear.cpuMsPerItem.toFixed(2)} ms`,
			ratio: near.cpuMsPerItem / floorNear.cpuMsPerItem,
			goal: 'information',
			met: true,
		},
		{
			name: '… peak RSS growth per item (0 ms) vs routing alone',
			ours: `${near.rssKiBPerItem.toFixed(1)} KiB`,
			reference: `routing alone ${floorNear.rssKiBPerItem.toFixed(1)} KiB`,
			ratio: near.rssKiBPerItem / floorNear.rssKiBPerItem,
			goal: 'information',
			met: true,
		},
	];
}
