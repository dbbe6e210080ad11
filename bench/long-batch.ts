/**
 * A batch ten times longer than Rate Limit Wait (issue 30): Create Prediction on p-image at the
 * node's defaults with Download Output on, against a scaled create quota (10 a 2 s window) with
 * Rate Limit Wait set to three windows (6 s), on 1, 3 and 8 worker processes and on one worker
 * running two executions at once. Items go on after a failure (On Error: continue), so the table
 * counts the items that came out with their image. Read at the simulator: the 429s for each worker
 * in each window, and the longest time any worker (or execution) went without a create while it
 * had items waiting, in windows.
 */
import type {
	ItemsFigures,
	SharedQuotaReport,
	SharedQuotaSetup,
} from '../test/harness/shared-quota.ts';
import { describeSharedQuota, runSharedQuota } from '../test/harness/shared-quota.ts';
import type { BenchOutcome, BenchRow } from './lib.ts';
import { markdownTable } from './lib.ts';

const windowMs = 2_000;
const rateLimitWaitSeconds = (3 * windowMs) / 1000;
const scaled = {
	model: 'p-image',
	limit: 10,
	windowMs,
	processingMs: 300,
	rateLimitWaitSeconds,
	continueOnFail: true,
};

/** Each needs at least 30 windows of the quota: at least ten times Rate Limit Wait. */
export const longBatchSetups: SharedQuotaSetup[] = [
	{ ...scaled, workers: 1, items: 300 },
	{ ...scaled, workers: 1, executionsPerWorker: 2, items: 300 },
	{ ...scaled, workers: 3, items: 300 },
	{ ...scaled, workers: 8, items: 320 },
];

const goals = {
	longestGapWindows: 2,
	refusedPerWorkerWindow: 1,
	/** Wall time against the quota's least, with 8 workers. */
	eightWorkersRatio: 1.15,
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function workersLabel(setup: SharedQuotaSetup): string {
	const executions = setup.executionsPerWorker ?? 1;
	const workers = setup.workers === 1 ? '1 worker' : `${setup.workers} workers`;
	return executions > 1 ? `${workers}, ${executions} executions` : workers;
}

/** Those that share the quota: the workers, or one worker's executions. */
function sharersOf(report: SharedQuotaReport): ItemsFigures[] {
	return report.setup.workers === 1 ? report.perWorker[0].executions : report.perWorker;
}

/** Items ok in all, and for each worker (or execution) when there are several. */
function itemsOk(report: SharedQuotaReport): string {
	const sharers = sharersOf(report);
	const each = sharers.length > 1 ? ` (${sharers.map((sharer) => sharer.ok).join(', ')})` : '';
	return `${report.ok} / ${report.setup.items}${each}`;
}

function ratioOf(report: SharedQuotaReport): number {
	return report.wallMs / report.quotaMinimumMs;
}

function rowsOf(report: SharedQuotaReport): BenchRow[] {
	const label = `Long batch, ${workersLabel(report.setup)}, ${report.setup.items} items, Rate Limit Wait ${rateLimitWaitSeconds} s`;
	const everyItem = report.ok === report.setup.items && report.notCreatedOnce === 0;
	const ratio = ratioOf(report);
	const ratioGoal = report.setup.workers === 8 ? goals.eightWorkersRatio : undefined;
	return [
		{
			name: `${label}: items ok`,
			ours: itemsOk(report),
			reference: '',
			ratio: undefined,
			goal: 'every item',
			met: everyItem,
		},
		{
			name: '… longest gap without a create, any worker or execution (windows)',
			ours: report.longestGapWindows.toFixed(1),
			reference: `window ${seconds(windowMs)}`,
			ratio: undefined,
			goal: `≤ ${goals.longestGapWindows}`,
			met: report.longestGapWindows <= goals.longestGapWindows,
		},
		{
			name: '… 429s (most for one worker in one window)',
			ours: `${report.createsRefused} in ${report.windows} windows (${report.mostRefusedByOneWorkerInAWindow})`,
			reference: '',
			ratio: undefined,
			goal: `≤ ${goals.refusedPerWorkerWindow} a window a worker`,
			met: report.mostRefusedByOneWorkerInAWindow <= goals.refusedPerWorkerWindow,
		},
		{
			name: '… wall time',
			ours: seconds(report.wallMs),
			reference: `quota's least ${seconds(report.quotaMinimumMs)}`,
			ratio,
			goal: ratioGoal === undefined ? 'information' : `≤ ${ratioGoal}× with every item ok`,
			// A batch whose items failed ends early: its time says nothing of the pace.
			met: ratioGoal === undefined || (everyItem && ratio <= ratioGoal),
		},
	];
}

/** The table of docs/benchmarks.md: one line a run, the goals in the last line. */
export function longBatchTable(reports: SharedQuotaReport[]): string {
	const table = markdownTable(
		[
			'Workers',
			'Items ok / all (each worker or execution)',
			'429s (most for one worker in a window)',
			'Longest gap without a create (windows)',
			'First / last finish',
			"Wall / quota's least",
		],
		[
			...reports.map((report) => {
				const finishes = sharersOf(report).map((sharer) => sharer.finishedMs);
				return [
					workersLabel(report.setup),
					itemsOk(report),
					`${report.createsRefused} in ${report.windows} windows (${report.mostRefusedByOneWorkerInAWindow})`,
					report.longestGapWindows.toFixed(1),
					`${seconds(Math.min(...finishes))} / ${seconds(Math.max(...finishes))}`,
					`${ratioOf(report).toFixed(2)}× (${seconds(report.wallMs)} of ${seconds(report.quotaMinimumMs)})`,
				];
			}),
			[
				'Goal',
				'every item',
				`≤ ${goals.refusedPerWorkerWindow} a window for each worker`,
				`≤ ${goals.longestGapWindows}`,
				'',
				`≤ ${goals.eightWorkersRatio}× with 8 workers`,
			],
		],
	);
	const failures = reports
		.map((report) => {
			const error = report.perWorker
				.flatMap((worker) => [worker, ...worker.executions])
				.find((figures) => figures.firstError)?.firstError;
			return error && `- ${workersLabel(report.setup)}: ${error}`;
		})
		.filter(Boolean);
	const setup = `${scaled.limit} creates a ${seconds(windowMs)} window, ${scaled.processingMs} ms a generation, Rate Limit Wait ${rateLimitWaitSeconds} s; with two executions, the finishes are the executions'.`;
	return [
		table,
		'',
		setup,
		...(failures.length
			? ['', 'The first error of each run with failed items:', '', ...failures]
			: []),
	].join('\n');
}

export async function benchLongBatch(): Promise<BenchOutcome> {
	const reports: SharedQuotaReport[] = [];
	for (const setup of longBatchSetups) {
		const report = await runSharedQuota(setup);
		console.log(describeSharedQuota(report));
		reports.push(report);
	}
	const markdown = longBatchTable(reports);
	console.log(`\n${markdown}`);
	return { rows: reports.flatMap(rowsOf), markdown };
}
