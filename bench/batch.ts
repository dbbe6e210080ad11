/**
 * 600 items of one model through Create Prediction with Wait Until Done, at the model's own quota
 * (flux-dev: 150 creates a minute) with the window scaled to 2 s: the wall time against the least
 * the quota allows, the 429 answers, failed items, creates, the most requests in flight at once,
 * and peak RSS growth. Every answer takes 20 ms, so requests overlap as they would over a network.
 */
import type { INodeProperties } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, packageNodes, prunaNode } from '../test/fixtures.ts';
import { runWorkflow } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import { fmt, measure, startSimulatorProcess } from './lib.ts';

/** Max Requests at Once as the editor shows it by default, read from the built node. */
function defaultCapOf(type: string): number {
	const node = packageNodes().find((candidate) => candidate.type === type);
	const options = node?.description.properties.find((property) => property.name === 'options');
	const cap = (options?.options as INodeProperties[] | undefined)?.find(
		(option) => option.name === 'maxConcurrentRequests',
	)?.default;
	if (typeof cap !== 'number') throw new Error(`${type} has no Max Requests at Once option`);
	return cap;
}

const defaultMaxConcurrentRequests = defaultCapOf(nodeType.create);

const items = 600;
const model = 'flux-dev';
const limitPerWindow = 150;
const windowMs = 2_000;
const processingMs = 200;
const pollIntervalSeconds = 0.2;
/** Every answer takes this long, as from a server in a nearby region, so requests overlap. */
const roundTripMs = 20;

function createWorkflow() {
	return chain(
		prunaNode('Create', nodeType.create, {
			model,
			prompt: '={{ $json.prompt }}',
			options: { waitUntilDone: true, pollIntervalSeconds, maxWaitSeconds: 120 },
		}),
	);
}

async function runBatch(count: number) {
	const simulator = await startSimulatorProcess({
		options: {
			rateLimitWindowMs: windowMs,
			defaultPlan: { startingMs: 0, processingMs },
		},
	});
	try {
		await simulator.injectFault({ path: '/', fault: { kind: 'latency', ms: roundTripMs } });
		let startedAt = 0;
		const measured = await measure(async () => {
			startedAt = Date.now();
			return await runWorkflow(createWorkflow(), {
				credentials: credentialsFor(simulator),
				input: Array.from({ length: count }, (_, index) => ({
					json: { prompt: `a lighthouse at dawn, variation ${index}` },
				})),
			});
		});
		const firstCreateAt = await simulator.firstArrivalAt('/v1/predictions', 'POST');
		return {
			...measured,
			// Both clocks are this machine's: the simulator runs in a process of its own beside this one.
			firstCreateMs: firstCreateAt === undefined ? measured.wallMs : firstCreateAt - startedAt,
			creates: await simulator.statuses('/v1/predictions', 'POST'),
			statusChecks: await simulator.statuses('/v1/predictions/status/'),
			maxInFlight: await simulator.maxInFlight('/'),
		};
	} finally {
		await simulator.stop();
	}
}

export async function benchBatch(): Promise<BenchRow[]> {
	// Warm the engine first, so its start-up is not charged to the batch.
	await runBatch(2);

	const { result, wallMs, firstCreateMs, peakRssGrowthMiB, creates, statusChecks, maxInFlight } =
		await runBatch(items);
	const pacedMs = wallMs - firstCreateMs;
	const outputs = result.nodes.Create?.items ?? [];
	const failed = items - outputs.filter((item) => item.json.status === 'succeeded').length;
	const windows = Math.ceil(items / limitPerWindow);
	// The quota's least: the last window opens after windows - 1 full windows; its predictions then
	// take their processing time and are seen at the next poll.
	const quotaMinimumMs = (windows - 1) * windowMs + processingMs + pollIntervalSeconds * 1000;
	const created = creates['201'] ?? 0;
	const rateLimited = (creates['429'] ?? 0) + (statusChecks['429'] ?? 0);
	console.log(
		`batch of ${items} ${model} creates at ${limitPerWindow} per ${windowMs / 1000} s: ${fmt.ms(wallMs)} (quota's least ${fmt.ms(quotaMinimumMs)}), the first create arriving after ${fmt.ms(firstCreateMs)}; creates ${JSON.stringify(creates)}; status checks ${JSON.stringify(statusChecks)}; ${failed} failed; at most ${maxInFlight} requests in flight (cap ${defaultMaxConcurrentRequests}); peak RSS growth ${fmt.mib(peakRssGrowthMiB)}`,
	);
	return [
		{
			name: `Batch of ${items} creates at a model's quota: wall time`,
			ours: fmt.ms(wallMs),
			reference: `quota's least ${fmt.ms(quotaMinimumMs)}`,
			ratio: wallMs / quotaMinimumMs,
			goal: '≤ 1.1×',
			met: wallMs / quotaMinimumMs <= 1.1,
		},
		{
			// n8n's routing engine prepares every item's request (parameters, expressions) before
			// most of them go: time no pacing can win back, and it grows with the machine's slowness.
			name: '… before the first create reached Pruna',
			ours: fmt.ms(firstCreateMs),
			reference: '',
			ratio: undefined,
			goal: '(information)',
			met: true,
		},
		{
			name: '… from the first create to the last result',
			ours: fmt.ms(pacedMs),
			reference: `quota's least ${fmt.ms(quotaMinimumMs)}`,
			ratio: pacedMs / quotaMinimumMs,
			goal: '≤ 1.1×',
			met: pacedMs / quotaMinimumMs <= 1.1,
		},
		{
			name: '… 429 answers per quota window',
			ours: `${rateLimited} in ${windows} windows`,
			reference: '',
			ratio: rateLimited / windows,
			goal: '≤ 1',
			met: rateLimited / windows <= 1,
		},
		{
			name: '… failed items; creates',
			ours: `${failed}; ${created}`,
			reference: `0; ${items}`,
			ratio: undefined,
			goal: `0; = ${items}`,
			met: failed === 0 && created === items,
		},
		{
			name: '… most requests in flight at once',
			ours: String(maxInFlight),
			reference: `cap ${defaultMaxConcurrentRequests}`,
			ratio: undefined,
			goal: `≤ ${defaultMaxConcurrentRequests}`,
			met: maxInFlight <= defaultMaxConcurrentRequests,
		},
		{
			name: '… peak RSS growth',
			ours: fmt.mib(peakRssGrowthMiB),
			reference: '',
			ratio: undefined,
			goal: '(information)',
			met: true,
		},
	];
}
