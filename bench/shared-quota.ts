/**
 * Workers sharing one key's create quota, as in queue mode: 1, 2 and 4 processes, each running
 * n8n's engine, split 100 p-image items (Create Prediction with Download Output, the node's
 * defaults: it chooses Try-Sync) against one simulator that enforces 25 creates a 5 s window for the
 * key. The 429s a window, and the wall time against the least the quota allows.
 *
 * `npm run bench -- shared-table` (not part of a plain `npm run bench`: about 15 minutes) runs the
 * table of docs/benchmarks.md's "Workers sharing a key": 1 to 4 workers at a scaled quota (25
 * a 10 s window) and at p-image's own (250 a 30 s window, half of 500 a minute), Try Sync at the
 * node's default and off, and p-video, which waits without Try-Sync; then 300 items on 2 and 3
 * workers at 25 a 5 s window, for when each worker finishes.
 */
import type { SharedQuotaReport, SharedQuotaSetup } from '../test/harness/shared-quota.ts';
import { describeSharedQuota, runSharedQuota } from '../test/harness/shared-quota.ts';
import type { BenchRow } from './lib.ts';
import { fmt } from './lib.ts';

const workerCounts = [1, 2, 4];
const setup = { model: 'p-image', items: 100, limit: 25, windowMs: 5_000, processingMs: 800 };

function rowsOf(report: SharedQuotaReport): BenchRow[] {
	const workers = report.setup.workers;
	const wallGoal = workers === 1 ? 1.15 : 1.2;
	const ratio = report.wallMs / report.quotaMinimumMs;
	const allowed = report.windows * workers;
	return [
		{
			name: `${workers} worker(s) sharing a key, ${report.setup.limit} per ${report.setup.windowMs / 1000} s: wall time`,
			ours: fmt.ms(report.wallMs),
			reference: `quota's least ${fmt.ms(report.quotaMinimumMs)}`,
			ratio,
			goal: `≤ ${wallGoal}×`,
			met: ratio <= wallGoal,
		},
		{
			name: `… 429s (most for one worker in one window)`,
			ours: `${report.createsRefused} in ${report.windows} windows (${report.mostRefusedByOneWorkerInAWindow})`,
			reference: `${allowed}: one a window a worker`,
			ratio: report.createsRefused / report.windows,
			goal: '≤ 1 a window a worker',
			met: report.mostRefusedByOneWorkerInAWindow <= 1 && report.createsRefused <= allowed,
		},
		{
			name: '… items failed; not created exactly once',
			ours: `${report.failed}; ${report.notCreatedOnce}`,
			reference: '0; 0',
			ratio: undefined,
			goal: '0; 0',
			met: report.failed === 0 && report.notCreatedOnce === 0,
		},
	];
}

const scaledQuota = { model: 'p-image', limit: 25, windowMs: 10_000, processingMs: 800 };
const realQuota = { model: 'p-image', limit: 250, windowMs: 30_000, processingMs: 1_000 };
const trySyncOff = { options: { downloadOutput: true, trySync: false } };
const tableSetups: SharedQuotaSetup[] = [
	{ ...scaledQuota, workers: 1, items: 100 },
	{ ...scaledQuota, workers: 1, items: 100, ...trySyncOff },
	{ ...scaledQuota, workers: 2, items: 150 },
	{ ...scaledQuota, workers: 3, items: 150 },
	{ ...scaledQuota, workers: 3, items: 150, ...trySyncOff },
	{ ...scaledQuota, workers: 4, items: 152 },
	{ ...realQuota, workers: 1, items: 750 },
	{ ...realQuota, workers: 2, items: 750 },
	{ ...realQuota, workers: 2, items: 750, ...trySyncOff },
	{ ...realQuota, workers: 3, items: 750 },
	{ ...realQuota, workers: 4, items: 752 },
	{ ...realQuota, model: 'p-video', workers: 2, items: 750 },
	// Who gets the windows: when each worker finishes.
	{ ...scaledQuota, windowMs: 5_000, workers: 2, items: 300 },
	{ ...scaledQuota, windowMs: 5_000, workers: 3, items: 300 },
];

/** The table, one line a run. */
export async function benchSharedQuotaTable(): Promise<BenchRow[]> {
	const rows: BenchRow[] = [];
	for (const tableSetup of tableSetups) {
		const report = await runSharedQuota(tableSetup);
		console.log(describeSharedQuota(report));
		rows.push(...rowsOf(report));
	}
	return rows;
}

export async function benchSharedQuota(): Promise<BenchRow[]> {
	const rows: BenchRow[] = [];
	for (const workers of workerCounts) {
		const report = await runSharedQuota({ ...setup, workers });
		console.log(describeSharedQuota(report));
		rows.push(...rowsOf(report));
	}
	return rows;
}
