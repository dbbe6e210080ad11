/**
 * Time to result: how long after a prediction finished the workflow learned it (the lag beyond the
 * model's own time), and how many status checks that cost, for each way of waiting, all measured
 * in the same run, at once, against one simulator. The simulator records when each prediction finished by its timetable and when
 * an answer (a status check, or a held Try-Sync create) first said so.
 *
 * - Images: 20 predictions finishing 0.5–5 s after their create, with `p-image`.
 * - Videos: 20 finishing 20–120 s after, with `p-video`, at full scale: the schedule's pauses are
 *   seconds, not shares of a timetable, so a scaled-down one would measure something else. The
 *   ways of one kind run at once, so the videos take about 2 min.
 */
import type { INodeParameters } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { runWorkflow } from '../test/harness/run.ts';
import type { TimeToResult } from '../test/simulator/server.ts';
import type { BenchRow, SimulatorProcess } from './lib.ts';
import { fmt, median, startSimulatorProcess } from './lib.ts';

const predictions = 20;

interface Way {
	label: string;
	/** Create Prediction with these options, or Get Prediction Status on predictions made beforehand. */
	node: 'create' | 'status';
	options: INodeParameters;
	/** For Get Prediction Status: the item carries `model`, as an item from Create Prediction does. */
	itemHasModel?: boolean;
}

const fixed = (seconds: number): Way => ({
	label: `fixed ${seconds} s`,
	node: 'create',
	options: { waitUntilDone: true, trySync: false, pollIntervalSeconds: seconds },
});

const defaults: Way = {
	label: 'defaults',
	node: 'create',
	options: { waitUntilDone: true },
};
const scheduleWithoutTrySync: Way = {
	label: 'Try Sync off, no Poll Interval',
	node: 'create',
	options: { waitUntilDone: true, trySync: false },
};
const statusAfterCreate: Way = {
	label: 'Get Prediction Status after Create, defaults',
	node: 'status',
	options: {},
	itemHasModel: true,
};
const statusOfBareId: Way = {
	label: 'Get Prediction Status of a bare ID, defaults',
	node: 'status',
	options: {},
};
const trySyncOn: Way = {
	label: 'Try Sync on',
	node: 'create',
	options: { waitUntilDone: true, trySync: true },
};

interface Kind {
	name: string;
	model: string;
	fromMs: number;
	toMs: number;
	seed: number;
	ways: Way[];
	/** The fixed interval whose checks the defaults must not exceed. */
	checksReference: Way;
}

const images: Kind = {
	name: `${predictions} images (0.5–5 s)`,
	model: 'p-image',
	fromMs: 500,
	toMs: 5_000,
	seed: 11,
	ways: [
		defaults,
		scheduleWithoutTrySync,
		statusAfterCreate,
		statusOfBareId,
		fixed(2),
		fixed(1),
		fixed(0.5),
		trySyncOn,
	],
	checksReference: fixed(1),
};

const videos: Kind = {
	name: `${predictions} videos (20–120 s)`,
	model: 'p-video',
	fromMs: 20_000,
	toMs: 120_000,
	seed: 23,
	ways: [defaults, statusAfterCreate, statusOfBareId, fixed(2), fixed(3), fixed(0.5), trySyncOn],
	checksReference: fixed(3),
};

/** The same "random" times on every run (a linear congruential generator, fixed seed). */
function finishTimes(kind: Kind): number[] {
	let state = kind.seed;
	return Array.from({ length: predictions }, () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return Math.round(kind.fromMs + (state / 2 ** 31) * (kind.toMs - kind.fromMs));
	});
}

interface Measured {
	way: Way;
	lagsMs: number[];
	/** Each lag as a share of its prediction's own time. */
	lagShares: number[];
	checksPerPrediction: number;
}

/** The prompt of one way's prediction: the simulator plans its finish by it, and reports it back. */
const promptOf = (way: Way, index: number) => `${way.label} #${index}`;

/** One way's run: its 20 items, in the engine, against the kind's simulator. */
async function runWay(kind: Kind, way: Way, simulator: SimulatorProcess): Promise<void> {
	const node =
		way.node === 'status'
			? prunaNode('Wait', nodeType.status, { predictionId: '={{ $json.id }}', waitUntilDone: true })
			: prunaNode('Wait', nodeType.create, {
					model: kind.model,
					prompt: '={{ $json.prompt }}',
					options: way.options,
				});
	const statusWays = kind.ways.filter((candidate) => candidate.node === 'status');
	const input =
		way.node === 'status'
			? simulator.waiting
					.slice(statusWays.indexOf(way) * predictions, (statusWays.indexOf(way) + 1) * predictions)
					.map((id) => ({ json: way.itemHasModel ? { id, model: kind.model } : { id } }))
			: Array.from({ length: predictions }, (_, index) => ({
					json: { prompt: promptOf(way, index) },
				}));
	const result = await runWorkflow(chain(node), { credentials: credentialsFor(simulator), input });
	const succeeded = result.nodes.Wait?.items.filter((item) => item.json.status === 'succeeded');
	if (result.status !== 'success' || succeeded?.length !== predictions) {
		throw new Error(`${kind.name}, ${way.label}: the run failed: ${result.error?.message}`);
	}
}

function measuredOf(way: Way, all: TimeToResult[]): Measured {
	const prompts = new Set(Array.from({ length: predictions }, (_, index) => promptOf(way, index)));
	const results = all.filter(
		(prediction): prediction is TimeToResult & { reportedAt: number } =>
			prompts.has(prediction.prompt ?? '') && prediction.reportedAt !== undefined,
	);
	if (results.length !== predictions) {
		throw new Error(`${way.label}: ${results.length} of ${predictions} results were reported`);
	}
	return {
		way,
		lagsMs: results.map((prediction) => prediction.reportedAt - prediction.finishedAt),
		lagShares: results.map(
			(prediction) =>
				(prediction.reportedAt - prediction.finishedAt) /
				(prediction.finishedAt - prediction.createdAt),
		),
		checksPerPrediction:
			results.reduce((sum, prediction) => sum + prediction.statusChecks, 0) / predictions,
	};
}

const lagOf = (measured: Measured) =>
	`${fmt.ms(median(measured.lagsMs))} / ${fmt.ms(Math.max(...measured.lagsMs))}`;
const shareOf = (measured: Measured) =>
	`${(median(measured.lagShares) * 100).toFixed(1)} % / ${(Math.max(...measured.lagShares) * 100).toFixed(1)} %`;
const checksOf = (measured: Measured) => measured.checksPerPrediction.toFixed(1);

function rowsFor(kind: Kind, measured: Measured[]): BenchRow[] {
	const byWay = (way: Way) => measured.find((entry) => entry.way === way)!;
	const ours = byWay(defaults);
	const oldDefault = measured.find((entry) => entry.way.label === 'fixed 2 s')!;
	const checksReference = measured.find((entry) => entry.way.label === kind.checksReference.label)!;
	const isVideo = kind === videos;
	const lagRow: BenchRow = isVideo
		? {
				name: `Time to result, ${kind.name}, defaults: lag as a share of own time, median / worst`,
				ours: shareOf(ours),
				reference: `fixed 2 s: ${shareOf(oldDefault)}`,
				ratio: median(ours.lagShares) / median(oldDefault.lagShares),
				goal: 'median ≤ 5 %',
				met: median(ours.lagShares) <= 0.05,
			}
		: {
				name: `Time to result, ${kind.name}, defaults: lag median / worst`,
				ours: lagOf(ours),
				reference: `fixed 2 s: ${lagOf(oldDefault)}`,
				ratio: median(ours.lagsMs) / Math.max(1, median(oldDefault.lagsMs)),
				goal: 'median ≤ 300 ms',
				met: median(ours.lagsMs) <= 300,
			};
	const checksRow: BenchRow = {
		name: `… status checks per prediction, defaults`,
		ours: checksOf(ours),
		reference: `${checksReference.way.label}: ${checksOf(checksReference)}`,
		ratio:
			checksReference.checksPerPrediction > 0
				? ours.checksPerPrediction / checksReference.checksPerPrediction
				: undefined,
		goal: `≤ ${checksReference.way.label}`,
		met: ours.checksPerPrediction <= checksReference.checksPerPrediction,
	};
	const others = measured
		.filter((entry) => entry !== ours)
		.map(
			(entry): BenchRow => ({
				name: `… ${entry.way.label}: lag median / worst${isVideo ? ' (share of own time)' : ''}; checks`,
				ours: `${lagOf(entry)}${isVideo ? ` (${shareOf(entry)})` : ''}; ${checksOf(entry)}`,
				reference: '',
				ratio: undefined,
				goal: 'information',
				met: true,
			}),
		);
	return [lagRow, checksRow, ...others];
}

async function benchKind(kind: Kind): Promise<BenchRow[]> {
	// Every way at once, against one simulator: they meet the same machine at the same time, and
	// each way's predictions finish at the same times (planned by prompt).
	const finishMs = finishTimes(kind);
	const createPlans: Record<string, { startingMs: number; processingMs: number }> = {};
	const statusWays = kind.ways.filter((way) => way.node === 'status');
	for (const way of kind.ways.filter((candidate) => candidate.node === 'create')) {
		finishMs.forEach((processingMs, index) => {
			createPlans[promptOf(way, index)] = { startingMs: 0, processingMs };
		});
	}
	// Get Prediction Status waits for predictions made beforehand, 20 for each such way, in order.
	const simulator = await startSimulatorProcess({
		createPlans,
		predictionFinishMs: statusWays.flatMap(() => finishMs),
		waitingPrompts: statusWays.flatMap((way) => finishMs.map((_, index) => promptOf(way, index))),
	});
	let measured: Measured[];
	try {
		await Promise.all(kind.ways.map((way) => runWay(kind, way, simulator)));
		const all = await simulator.results();
		measured = kind.ways.map((way) => measuredOf(way, all));
	} finally {
		await simulator.stop();
	}
	for (const entry of measured) {
		console.log(
			`${kind.name}, ${entry.way.label}: lag median / worst ${lagOf(entry)} (${shareOf(entry)} of own time), ${checksOf(entry)} status checks per prediction`,
		);
	}
	return rowsFor(kind, measured);
}

export async function benchTimeToResult(): Promise<BenchRow[]> {
	// Warm the engine on a small run first, so its start-up is not charged to the first way.
	const warmup = await startSimulatorProcess({ donePredictions: 1 });
	await runWorkflow(
		chain(
			prunaNode('Status', nodeType.status, { predictionId: warmup.done[0], waitUntilDone: false }),
		),
		{ credentials: credentialsFor(warmup) },
	);
	await warmup.stop();

	return [...(await benchKind(images)), ...(await benchKind(videos))];
}
