/**
 * 1,000 status checks through Get Prediction Status against the same calls through n8n's own HTTP
 * Request node (with the Pruna credential), in the same engine and the same run.
 */
import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { addNodeTypes } from '../test/harness/engine.ts';
import { n8nFolder, n8nVersion } from '../test/harness/real-n8n.ts';
import { runWorkflow } from '../test/harness/run.ts';
import { StatusFloor, floorNodeType } from './floor-node.ts';
import type { BenchRow } from './lib.ts';
import {
	fmt,
	httpRequestType,
	loadHttpRequestNode,
	median,
	runsOf,
	startSimulatorProcess,
} from './lib.ts';

const checks = 1000;
const runs = 7;

export async function benchStatusChecks(): Promise<BenchRow[]> {
	const httpRequest = loadHttpRequestNode();
	if (!httpRequest) {
		console.log(
			`1,000 status checks: not measured, n8n ${n8nVersion} is not installed in ${n8nFolder}. Install it with: node scripts/install-n8n.ts`,
		);
		return [
			{
				name: '1,000 status checks vs HTTP Request node',
				ours: '-',
				reference: 'n8n not installed',
				ratio: undefined,
				goal: '≤ 1.0×',
				met: false,
			},
		];
	}
	await addNodeTypes({ [httpRequestType]: httpRequest, [floorNodeType]: new StatusFloor() });

	const simulator = await startSimulatorProcess({ donePredictions: checks });
	const credentials = credentialsFor(simulator);
	const input = simulator.done.map((id) => ({
		json: { id, url: `${simulator.baseUrl}/v1/predictions/status/${id}` },
	}));
	const oursWithCap = (maxConcurrentRequests?: number) =>
		chain(
			prunaNode('Status', nodeType.status, {
				predictionId: '={{ $json.id }}',
				waitUntilDone: false,
				...(maxConcurrentRequests ? { options: { maxConcurrentRequests } } : {}),
			}),
		);
	const ours = oursWithCap();
	// Max Requests at Once lifted to the item count (above the option's own maximum of 100), so no
	// request waits for a slot: what the pipeline costs by itself, without the cap.
	const uncapped = oursWithCap(checks);
	const reference = chain({
		...prunaNode('Status', nodeType.status, {}),
		type: httpRequestType,
		typeVersion: 4.2,
		parameters: {
			url: '={{ $json.url }}',
			authentication: 'predefinedCredentialType',
			nodeCredentialType: 'prunaApi',
			options: {},
		},
	});
	const floor = chain({
		...prunaNode('Status', nodeType.status, {}),
		type: floorNodeType,
		parameters: { statusUrl: '={{ $json.url }}' },
	});
	const timed = async (workflow: typeof ours) => {
		const startedAt = performance.now();
		const result = await runWorkflow(workflow, { credentials, input });
		const wallMs = performance.now() - startedAt;
		const succeeded = result.nodes.Status?.items.filter(
			(item) => item.json.status === 'succeeded',
		).length;
		if (result.status !== 'success' || succeeded !== checks)
			throw new Error(`Status checks failed: ${result.error?.message}`);
		return wallMs;
	};

	try {
		const contenders = { ours, reference, floor, uncapped };
		for (const workflow of Object.values(contenders)) await timed(workflow); // warm-up
		const ms: Record<keyof typeof contenders, number[]> = {
			ours: [],
			reference: [],
			floor: [],
			uncapped: [],
		};
		const names = Object.keys(contenders) as Array<keyof typeof contenders>;
		// Rotate which goes first, so none always runs after another's garbage.
		for (let run = 0; run < runs; run++) {
			for (let turn = 0; turn < names.length; turn++) {
				const name = names[(run + turn) % names.length];
				ms[name].push(await timed(contenders[name]));
			}
		}
		const oursMedian = median(ms.ours);
		const referenceMedian = median(ms.reference);
		const floorMedian = median(ms.floor);
		const uncappedMedian = median(ms.uncapped);
		const againstFloor = (name: string, medianMs: number): BenchRow => ({
			name,
			ours: fmt.ms(medianMs),
			reference: `a hookless declarative node ${fmt.ms(floorMedian)}`,
			ratio: medianMs / floorMedian,
			goal: '≤ 1.05×',
			met: medianMs / floorMedian <= 1.05,
		});
		console.log(
			`1,000 status checks: Get Prediction Status ${runsOf(ms.ours, fmt.ms)}; with no request waiting for a slot ${runsOf(ms.uncapped, fmt.ms)}; HTTP Request node ${runsOf(ms.reference, fmt.ms)}; routing alone ${runsOf(ms.floor, fmt.ms)}`,
		);
		return [
			{
				name: '1,000 status checks',
				ours: fmt.ms(oursMedian),
				reference: `HTTP Request node ${fmt.ms(referenceMedian)}`,
				ratio: oursMedian / referenceMedian,
				goal: '≤ 1.0×',
				met: oursMedian / referenceMedian <= 1.0,
			},
			againstFloor('1,000 status checks vs routing alone', oursMedian),
			againstFloor('… with Max Requests at Once lifted (1,000) vs routing alone', uncappedMedian),
		];
	} finally {
		await simulator.stop();
	}
}
