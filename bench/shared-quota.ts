/**
 * Workers sharing one key's create quota, as in queue mode: 1, 2 and 4 processes, each running
 * n8n's engine, split 100 p-image items (Create Prediction with Download Output, the node's
 * defaults: it chooses Try-Sync) against one simulator that enforces 25 creates a 5 s window for the
 * key. The 429s a window, and the wall time against the least the quota allows.
 */
import type { SharedQuotaReport } from '../test/harness/shared-quota.ts';
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
			name: `${workers} worker(s) sharing a key: wall time`,
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

export async function benchSharedQuota(): Promise<BenchRow[]> {
	const rows: BenchRow[] = [];
	for (const workers of workerCounts) {
		const report = await runSharedQuota({ ...setup, workers });
		console.log(describeSharedQuota(report));
		rows.push(...rowsOf(report));
	}
	return rows;
}
