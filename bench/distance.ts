/**
 * 10,000 items through Get Prediction Status (waiting) and Download Content, against a simulator
 * that enforces Pruna's status quota (30,000 a minute) and answers every request after 80 ms, as
 * for a user far from Pruna, beside the same run at a 0 ms round trip: what distance costs. Beside
 * each, routing alone (the hookless declarative node of floor-node.ts) makes the same two GETs per
 * item, so the CPU time and peak RSS per item show what is ours and what is n8n's.
 * PRUNA_BENCH_DISTANCE_ITEMS sets a smaller count for a quick look; PRUNA_BENCH_DISTANCE_CEILING
 * runs ours with another Max Requests at Once than the default (how the default was chosen).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { INodeProperties } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, packageNodes, prunaNode } from '../test/fixtures.ts';
import { addNodeTypes } from '../test/harness/engine.ts';
import { runWorkflow } from '../test/harness/run.ts';
import { StatusFloor, floorNodeType } from './floor-node.ts';
import type { BenchRow } from './lib.ts';
import { fmt, measure, startSimulatorProcess } from './lib.ts';

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
	const child = spawn(
		process.execPath,
		[
			'--expose-gc',
			'--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
			fileURLToPath(import.meta.url),
			JSON.stringify({ contender, roundTripMs, maxConcurrentRequests }),
		],
		{ stdio: ['ignore', 'pipe', 'inherit'] },
	);
	let output = '';
	child.stdout.on('data', (chunk) => (output += String(chunk)));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	const line = output.trim().split('\n').at(-1) ?? '';
	if (code !== 0 || !line.startsWith('{')) {
		throw new Error(`The ${contender} run at ${roundTripMs} ms failed: ${output}`);
	}
	return JSON.parse(line) as Run;
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
	const far = await runInChild('ours', farRoundTripMs, chosenCeiling);
	const near = await runInChild('ours', 0, chosenCeiling);
	const floorFar = await runInChild('routingAlone', farRoundTripMs);
	const floorNear = await runInChild('routingAlone', 0);

	const describe = (run: Run) =>
		`${fmt.ms(run.wallMs)} (status ${fmt.ms(run.statusPhaseMs)}, download ${fmt.ms(run.wallMs - run.statusPhaseMs)}), CPU ${run.cpuMsPerItem.toFixed(2)} ms and peak RSS growth ${run.rssKiBPerItem.toFixed(1)} KiB per item, at most ${run.mostInFlight} requests in flight, status answers ${JSON.stringify(run.statusAnswers)}`;
	console.log(`${items} items through Get Prediction Status (waiting) and Download Content`);
	console.log(`  ours at ${farRoundTripMs} ms: ${describe(far)}`);
	console.log(`  ours at 0 ms: ${describe(near)}`);
	console.log(`  routing alone at ${farRoundTripMs} ms: ${describe(floorFar)}`);
	console.log(`  routing alone at 0 ms: ${describe(floorNear)}`);

	const label = `${items.toLocaleString('en-US')} items, Status (wait) + Download`;
	const distanceRatio = far.wallMs / near.wallMs;
	return [
		{
			name: `${label}: wall time at ${farRoundTripMs} ms round trip vs 0 ms`,
			ours: fmt.ms(far.wallMs),
			reference: `0 ms ${fmt.ms(near.wallMs)} (routing alone ${fmt.ms(floorFar.wallMs)} vs ${fmt.ms(floorNear.wallMs)})`,
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
			name: `… peak RSS growth per item (${farRoundTripMs} ms) vs routing alone`,
			ours: `${far.rssKiBPerItem.toFixed(1)} KiB`,
			reference: `routing alone ${floorFar.rssKiBPerItem.toFixed(1)} KiB`,
			ratio: far.rssKiBPerItem / floorFar.rssKiBPerItem,
			goal: 'information',
			met: true,
		},
	];
}
