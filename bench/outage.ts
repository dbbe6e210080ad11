/**
 * Wait Until Done on 100 items through a 20 s outage of the status endpoint (10 s of 503s, then 10 s
 * of dropped connections), as during a deployment: how many status calls the items made during it,
 * and how long after the API came back the last item finished. Every item must succeed.
 */
import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { runWorkflow } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import { fmt, startSimulatorProcess } from './lib.ts';

const items = 100;
const pollIntervalSeconds = 1;
const outageStartsAtMs = 3_000;
const halfOutageMs = 10_000;
const statusPrefix = '/v1/predictions/status/';

export async function benchOutage(): Promise<BenchRow[]> {
	// Every prediction finishes during the outage: only polling after it can see them done.
	const finishMs = Array.from({ length: items }, (_, index) => 4_000 + index * 100);
	const simulator = await startSimulatorProcess({ predictionFinishMs: finishMs });
	try {
		const outage = (async () => {
			await new Promise((resolve) => setTimeout(resolve, outageStartsAtMs));
			const startedAt = Date.now();
			await simulator.injectFault({ path: statusPrefix, fault: { kind: 'status', status: 503 } });
			await new Promise((resolve) => setTimeout(resolve, halfOutageMs));
			await simulator.clearFaults();
			await simulator.injectFault({ path: statusPrefix, fault: { kind: 'reset' } });
			await new Promise((resolve) => setTimeout(resolve, halfOutageMs));
			await simulator.clearFaults();
			return { startedAt, endedAt: Date.now() };
		})();

		const result = await runWorkflow(
			chain(
				prunaNode('Status', nodeType.status, {
					predictionId: '={{ $json.id }}',
					options: { pollIntervalSeconds, maxWaitSeconds: 120 },
				}),
			),
			{
				credentials: credentialsFor(simulator),
				input: simulator.waiting.map((id) => ({ json: { id } })),
			},
		);
		const finishedAt = Date.now();
		const { startedAt, endedAt } = await outage;
		const succeeded =
			result.nodes.Status?.items.filter((item) => item.json.status === 'succeeded').length ?? 0;
		if (result.status !== 'success' || succeeded !== items) {
			throw new Error(`Outage run failed: ${result.error?.message}`);
		}
		const during = await simulator.count(statusPrefix, { fromMs: startedAt, toMs: endedAt });
		const afterMs = finishedAt - endedAt;
		const pollingCalls = (items * (endedAt - startedAt)) / (pollIntervalSeconds * 1000);
		console.log(
			`outage of ${fmt.ms(endedAt - startedAt)}: ${during} status calls during it (${(during / items).toFixed(1)} per item; polling on through it would make ${Math.round(pollingCalls)}); last of ${items} items done ${fmt.ms(afterMs)} after the API came back`,
		);
		const boundMs = 5_000 + pollIntervalSeconds * 1000;
		return [
			{
				name: `Wait for ${items} predictions through a 20 s outage: status calls during it`,
				ours: String(during),
				reference: `polling on ${Math.round(pollingCalls)}`,
				ratio: during / pollingCalls,
				goal: '≤ 0.5×',
				met: during / pollingCalls <= 0.5,
			},
			{
				name: `… last item done after the API is back`,
				ours: fmt.ms(afterMs),
				reference: 'longest backoff 5 s + 1 interval',
				ratio: afterMs / boundMs,
				goal: '≤ 1.0×',
				met: afterMs <= boundMs,
			},
		];
	} finally {
		await simulator.stop();
	}
}
