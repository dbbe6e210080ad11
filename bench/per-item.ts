/**
 * What one item costs, beside routing alone making the same requests (floor-node.ts: n8n's routing
 * engine with no hooks; for a download, its own `binaryData` action storing the body in n8n's binary
 * store). The simulator answers at once, in a process of its own, so this process's CPU time is the
 * whole cost of the requests:
 * - Get Prediction Status, check once, and Download Content of a 10 KiB file: 3,000 items each;
 * - a waiting run: 1,000 items through Get Prediction Status (Wait Until Done, default schedule) and
 *   Download Content, their predictions finishing within 0–5 s, per request it made, beside routing
 *   alone making the same number of status checks and downloads.
 * Every run is a process of its own, after a warm-up run of the same workflow there; ours and
 * routing alone alternate, and the best run of each counts (the one least slowed by others).
 * PRUNA_BENCH_PER_ITEM_RUNS sets the runs of each (5 by default; the waiting run makes 3).
 *
 * One run alone, with a CPU profile of its measured part (not the warm-up), for
 * `scripts/cpu-profile-summary.ts` (see docs/per-item-cpu.md):
 *   PRUNA_BENCH_PROFILE_DIR=profiles/before node bench/per-item.ts '{"case":"status","contender":"ours"}'
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { addNodeTypes } from '../test/harness/engine.ts';
import type { WorkflowJson } from '../test/harness/run.ts';
import { runWorkflow } from '../test/harness/run.ts';
import { DownloadFloor, StatusFloor, downloadFloorNodeType, floorNodeType } from './floor-node.ts';
import type { BenchRow, SimulatorProcess } from './lib.ts';
import { runScriptInChild, startSimulatorProcess } from './lib.ts';

const checkedItems = 3000;
const waitingItems = 1000;
const fileBytes = 10 * 1024;
const maxFinishMs = 5000;
/** Max Requests at Once for ours (PRUNA_BENCH_PER_ITEM_CEILING), else the node's default. */
const ceiling = Number(process.env.PRUNA_BENCH_PER_ITEM_CEILING ?? 0) || undefined;
const pacing = ceiling ? { options: { maxConcurrentRequests: ceiling } } : {};
const runs = Number(process.env.PRUNA_BENCH_PER_ITEM_RUNS ?? 5);
const waitingRuns = Math.min(runs, 3);
/** Ours may cost this much more than routing alone, per item or per request. */
const goal = 1.15;

type Case = 'status' | 'download' | 'waiting';
type Contender = 'ours' | 'routingAlone';

interface Job {
	case: Case;
	contender: Contender;
	/** For routing alone in the waiting case: the requests ours made. */
	statusChecks?: number;
	downloads?: number;
}

interface Run {
	cpuMs: number;
	wallMs: number;
	statusChecks: number;
	downloads: number;
}

/**
 * The simulator's setup: rate limits out of the way, and a listen queue that holds every connection
 * routing alone opens at once (it starts all 3,000 requests together; ours keeps fewer in flight).
 * With Node's default of 511 the kernel drops most of those handshakes and sends them again a second
 * later, which costs routing alone less CPU (a handshake the kernel does not complete inside the
 * connect call) and more wall time than a real server would make it pay.
 */
const simulatorSetup = (setup: object) => ({
	options: {
		rateLimits: { files: 1e9, predictions: 1e9, status: 1e9, delivery: 1e9 },
		listenBacklog: 4096,
	},
	...setup,
});

const floor = (name: string, type: string, parameters: object) => ({
	...prunaNode(name, nodeType.status, {}),
	type,
	parameters: { ...parameters },
});

/** Runs `workflow` on `input`, failing unless every item came out of `last`; CPU and wall time. */
async function timed(
	workflow: WorkflowJson,
	simulator: SimulatorProcess,
	input: Array<{ json: Record<string, string> }>,
	last: string,
): Promise<{ cpuMs: number; wallMs: number }> {
	const cpuBefore = process.cpuUsage();
	const startedAt = performance.now();
	const result = await runWorkflow(workflow, { credentials: credentialsFor(simulator), input });
	const wallMs = performance.now() - startedAt;
	const cpu = process.cpuUsage(cpuBefore);
	const out = result.nodes[last]?.items.length ?? 0;
	if (result.status !== 'success' || out !== input.length) {
		throw new Error(`${out} of ${input.length} items came out: ${result.error?.message}`);
	}
	return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

const statusInput = (simulator: SimulatorProcess, count: number) =>
	Array.from({ length: count }, (_, index) => {
		const id = simulator.done[index % simulator.done.length];
		return { json: { id, url: `${simulator.baseUrl}/v1/predictions/status/${id}` } };
	});

/** One check of each of `count` finished predictions. */
async function statusRun(contender: Contender, count: number): Promise<Run> {
	const simulator = await startSimulatorProcess(simulatorSetup({ donePredictions: count }));
	try {
		const workflow =
			contender === 'ours'
				? chain(
						prunaNode('Status', nodeType.status, {
							predictionId: '={{ $json.id }}',
							waitUntilDone: false,
							...pacing,
						}),
					)
				: chain(floor('Status', floorNodeType, { statusUrl: '={{ $json.url }}' }));
		const times = await timed(workflow, simulator, statusInput(simulator, count), 'Status');
		return { ...times, statusChecks: count, downloads: 0 };
	} finally {
		await simulator.stop();
	}
}

/** `count` downloads of one small file. */
async function downloadRun(contender: Contender, count: number): Promise<Run> {
	const simulator = await startSimulatorProcess(
		simulatorSetup({
			contents: [{ path: 'bench/small.png', size: fileBytes, contentType: 'image/png' }],
		}),
	);
	try {
		const workflow =
			contender === 'ours'
				? chain(
						prunaNode('Download', nodeType.download, {
							url: '={{ $json.url }}',
							binaryPropertyName: 'data',
							...pacing,
						}),
					)
				: chain(floor('Download', downloadFloorNodeType, { url: '={{ $json.url }}' }));
		const input = Array.from({ length: count }, () => ({
			json: { url: simulator.contentUrls[0] },
		}));
		const times = await timed(workflow, simulator, input, 'Download');
		return { ...times, statusChecks: 0, downloads: count };
	} finally {
		await simulator.stop();
	}
}

/** Ours: `count` items wait for their predictions (finishing within 0–5 s), then download them. */
async function waitingRun(count: number): Promise<Run> {
	let state = 11;
	const finishMs = Array.from({ length: count }, () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return Math.round((state / 2 ** 31) * maxFinishMs);
	});
	const simulator = await startSimulatorProcess(simulatorSetup({ predictionFinishMs: finishMs }));
	try {
		const workflow = chain(
			prunaNode('Status', nodeType.status, { predictionId: '={{ $json.id }}' }),
			prunaNode('Download', nodeType.download, { binaryPropertyName: 'data' }),
		);
		const input = simulator.waiting.map((id) => ({ json: { id } }));
		const times = await timed(workflow, simulator, input, 'Download');
		return {
			...times,
			statusChecks: await simulator.count('/v1/predictions/status/'),
			downloads: await simulator.count('/v1/predictions/delivery/'),
		};
	} finally {
		await simulator.stop();
	}
}

/**
 * Routing alone making the requests a waiting run made: `downloads` items each checked once and
 * downloaded, and the remaining status checks on their own.
 */
async function waitingFloorRun(statusChecks: number, downloads: number): Promise<Run> {
	const simulator = await startSimulatorProcess(simulatorSetup({ donePredictions: downloads }));
	try {
		const both = await timed(
			chain(
				floor('Status', floorNodeType, { statusUrl: '={{ $json.url }}' }),
				floor('Download', downloadFloorNodeType, { url: '={{ $json.generation_url }}' }),
			),
			simulator,
			statusInput(simulator, downloads),
			'Download',
		);
		const more = statusChecks - downloads;
		const checks =
			more > 0
				? await timed(
						chain(floor('Status', floorNodeType, { statusUrl: '={{ $json.url }}' })),
						simulator,
						statusInput(simulator, more),
						'Status',
					)
				: { cpuMs: 0, wallMs: 0 };
		return {
			cpuMs: both.cpuMs + checks.cpuMs,
			wallMs: both.wallMs + checks.wallMs,
			statusChecks,
			downloads,
		};
	} finally {
		await simulator.stop();
	}
}

async function runJob(job: Job, scale = 1): Promise<Run> {
	const count = (items: number) => Math.max(1, Math.round(items * scale));
	if (job.case === 'status') return await statusRun(job.contender, count(checkedItems));
	if (job.case === 'download') return await downloadRun(job.contender, count(checkedItems));
	if (job.contender === 'ours') return await waitingRun(count(waitingItems));
	return await waitingFloorRun(count(job.statusChecks ?? 0), count(job.downloads ?? 0));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
	const job = JSON.parse(process.argv[2]) as Job;
	await addNodeTypes({
		[floorNodeType]: new StatusFloor(),
		[downloadFloorNodeType]: new DownloadFloor(),
	});
	// The warm-up: the same workflow (a fifth of the waiting run, which takes seconds of waiting).
	await runJob(job, job.case === 'waiting' ? 0.2 : 1);
	const profileDir = process.env.PRUNA_BENCH_PROFILE_DIR;
	const profiler = profileDir ? new Session() : undefined;
	if (profiler) {
		profiler.connect();
		await profiler.post('Profiler.enable');
		await profiler.post('Profiler.start');
	}
	const run = await runJob(job);
	if (profiler && profileDir) {
		const { profile } = await profiler.post('Profiler.stop');
		mkdirSync(profileDir, { recursive: true });
		writeFileSync(
			join(profileDir, `${job.case}-${job.contender}-${process.pid}.cpuprofile`),
			JSON.stringify(profile),
		);
	}
	process.stdout.write(`${JSON.stringify(run)}\n`);
	process.exit(0);
}

/** One run in a process of its own. */
async function runInChild(job: Job): Promise<Run> {
	return await runScriptInChild<Run>(
		import.meta.url,
		job,
		`The ${job.contender} run of ${job.case}`,
	);
}

const perRequest = (run: Run) => run.cpuMs / (run.statusChecks + run.downloads);
const best = (values: number[]) => Math.min(...values);
const ms = (value: number) => `${value.toFixed(2)} ms`;

export async function benchPerItem(): Promise<BenchRow[]> {
	const rows: BenchRow[] = [];
	const cases: Array<{ name: string; case: Case }> = [
		{ name: 'Get Prediction Status, check once', case: 'status' },
		{ name: 'Download Content, 10 KiB file', case: 'download' },
	];
	for (const { name, case: which } of cases) {
		const cpu: Record<Contender, number[]> = { ours: [], routingAlone: [] };
		const wall: Record<Contender, number[]> = { ours: [], routingAlone: [] };
		for (let run = 0; run < runs; run++) {
			const order: Contender[] =
				run % 2 === 0 ? ['ours', 'routingAlone'] : ['routingAlone', 'ours'];
			for (const contender of order) {
				const measured = await runInChild({ case: which, contender });
				cpu[contender].push(measured.cpuMs / checkedItems);
				wall[contender].push(measured.wallMs / checkedItems);
			}
		}
		console.log(
			`${name}, ${checkedItems} items: CPU per item ours ${cpu.ours.map(ms).join(', ')}; routing alone ${cpu.routingAlone.map(ms).join(', ')}; wall per item ours ${wall.ours.map(ms).join(', ')}; routing alone ${wall.routingAlone.map(ms).join(', ')}`,
		);
		const ratio = best(cpu.ours) / best(cpu.routingAlone);
		rows.push(
			{
				name: `${name}, ${checkedItems.toLocaleString('en-US')} items: CPU per item vs routing alone (best of ${runs})`,
				ours: ms(best(cpu.ours)),
				reference: `routing alone ${ms(best(cpu.routingAlone))}`,
				ratio,
				goal: `≤ ${goal.toFixed(2)}×`,
				met: ratio <= goal,
			},
			{
				name: '… wall time per item vs routing alone',
				ours: ms(best(wall.ours)),
				reference: `routing alone ${ms(best(wall.routingAlone))}`,
				ratio: best(wall.ours) / best(wall.routingAlone),
				goal: 'information',
				met: true,
			},
		);
	}

	const ours: Run[] = [];
	const alone: Run[] = [];
	for (let run = 0; run < waitingRuns; run++) {
		const measured = await runInChild({ case: 'waiting', contender: 'ours' });
		ours.push(measured);
		alone.push(
			await runInChild({
				case: 'waiting',
				contender: 'routingAlone',
				statusChecks: measured.statusChecks,
				downloads: measured.downloads,
			}),
		);
	}
	const describe = (run: Run) =>
		`${ms(perRequest(run))} (${run.statusChecks} checks + ${run.downloads} downloads)`;
	console.log(
		`${waitingItems} items waiting, then downloaded: CPU per request ours ${ours.map(describe).join(', ')}; routing alone ${alone.map(describe).join(', ')}`,
	);
	const oursBest = best(ours.map(perRequest));
	const aloneBest = best(alone.map(perRequest));
	rows.push({
		name: `${waitingItems.toLocaleString('en-US')} items wait (default schedule), then download: CPU per request vs routing alone (best of ${waitingRuns})`,
		ours: ms(oursBest),
		reference: `routing alone ${ms(aloneBest)}`,
		ratio: oursBest / aloneBest,
		goal: `≤ ${goal.toFixed(2)}×`,
		met: oursBest / aloneBest <= goal,
	});
	return rows;
}
