/**
 * Several n8n workers sharing one key's create quota, as in queue mode: each worker a process of
 * its own running n8n's engine, nothing shared between them but what Pruna's `RateLimit-*` headers
 * say. The simulator enforces the key's quota in fixed windows (scaled to 2 s) and counts, per
 * window and per worker, the creates it refused.
 */
import type { SharedQuotaSetup } from './harness/shared-quota';
import { describeSharedQuota, runSharedQuota } from './harness/shared-quota';

jest.setTimeout(120_000);

const scaled = { model: 'p-image', limit: 10, windowMs: 2_000, processingMs: 300 };

async function expectSharedQuotaKept(setup: SharedQuotaSetup) {
	const report = await runSharedQuota(setup);
	console.log(describeSharedQuota(report));
	expect(report.workers.map((worker) => worker.status)).toEqual(
		Array(setup.workers).fill('success'),
	);
	expect(report.failed).toBe(0);
	// Every item created exactly once: a 429 is sent again, nothing else is.
	expect(report.created).toBe(setup.items);
	expect(report.notCreatedOnce).toBe(0);
	// At most one refusal per window for each worker.
	expect(report.mostRefusedByOneWorkerInAWindow).toBeLessThanOrEqual(1);
	expect(report.createsRefused).toBeLessThanOrEqual(report.windows * setup.workers);
	return report;
}

describe('workers sharing a key', () => {
	test("three workers at the node's defaults (Try-Sync chosen by the node) keep the key's create quota", async () => {
		await expectSharedQuotaKept({ ...scaled, workers: 3, items: 45 });
	});

	test('three workers with Try Sync off keep it too', async () => {
		await expectSharedQuotaKept({
			...scaled,
			workers: 3,
			items: 45,
			options: { downloadOutput: true, trySync: false },
		});
	});

	test("two workers waiting on video predictions keep the status checks' quota as well", async () => {
		const report = await expectSharedQuotaKept({
			...scaled,
			model: 'p-video',
			processingMs: 1_500,
			workers: 2,
			items: 20,
			statusLimit: 8,
		});
		// Status checks are spread over each window by the key's remaining: the workers together
		// stay within it, but for a window whose first checks two workers sent at once.
		expect(report.statusRefused).toBeLessThanOrEqual(report.statusWindows * 2);
	});

	describe('a batch longer than Rate Limit Wait (two windows here)', () => {
		const longBatch = { ...scaled, options: { downloadOutput: true, rateLimitWaitSeconds: 4 } };

		test('on one worker, 200 items (ten times Rate Limit Wait): every item succeeds', async () => {
			const report = await expectSharedQuotaKept({ ...longBatch, workers: 1, items: 200 });
			expect(report.longestGapWindows).toBeLessThanOrEqual(2);
		}, 120_000);

		test('three workers with equal batches: each is given room at least every two windows', async () => {
			const report = await expectSharedQuotaKept({ ...longBatch, workers: 3, items: 150 });
			for (let worker = 0; worker < 3; worker++) {
				expect({ worker, gap: report.perWorker[worker].longestGapWindows <= 2 }).toEqual({
					worker,
					gap: true,
				});
			}
		}, 120_000);
	});
});
