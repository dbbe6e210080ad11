import { randomBytes } from 'node:crypto';

import {
	chain,
	credentialsFor,
	fastPolling,
	nodeType,
	prunaNode,
	sha256,
	suiteSimulator,
} from './fixtures';
import { readBinary, runWorkflow, storeBinary } from './harness/run';

const simulator = suiteSimulator();

const statusNode = (extra = {}) =>
	prunaNode(
		'Get Status',
		nodeType.status,
		{ predictionId: '={{ $json.predictionId }}', options: fastPolling },
		extra,
	);
const downloadNode = (extra = {}) =>
	prunaNode(
		'Download',
		nodeType.download,
		{ url: '={{ $json.generation_url }}', binaryPropertyName: 'data' },
		extra,
	);

describe('Pruna nodes chained in a workflow', () => {
	test('10 items: every status is awaited at once, every file downloaded, each paired with its item', async () => {
		const predictions = Array.from({ length: 10 }, (_, index) =>
			simulator.addPrediction({
				processingMs: 200 + index * 20,
				generationUrl: index % 2 ? 'relative' : 'absolute',
			}),
		);

		const result = await runWorkflow(chain(statusNode(), downloadNode()), {
			credentials: credentialsFor(simulator),
			input: predictions.map(({ id }) => ({ json: { predictionId: id } })),
		});

		expect(result.status).toBe('success');
		const statuses = result.nodes['Get Status'].items;
		const downloads = result.nodes.Download.items;
		expect(downloads).toHaveLength(10);
		for (const [index, { id }] of predictions.entries()) {
			expect(statuses[index].json).toMatchObject({ id, status: 'succeeded' });
			expect(statuses[index].pairedItem).toEqual({ item: index });
			expect(downloads[index].pairedItem).toEqual({ item: index });
			const expected = simulator.contentBytes(simulator.deliveryPathOf(id));
			expect(sha256(await readBinary(downloads[index].binary!.data))).toBe(sha256(expected));
		}
		// Concurrent, not one after the other: the first ten status requests are the ten predictions.
		const firstRound = simulator
			.requestsTo('/v1/predictions/status/')
			.slice(0, 10)
			.map((request) => request.path);
		expect(new Set(firstRound).size).toBe(10);
	});

	test('Continue On Fail: a failed prediction becomes an error item and the other items go on', async () => {
		const ok1 = simulator.addPrediction({ processingMs: 100 });
		const failed = simulator.addPrediction({
			processingMs: 100,
			outcome: 'failed',
			error: 'NSFW content detected',
		});
		const ok2 = simulator.addPrediction({ processingMs: 100 });
		const continueOnFail = { onError: 'continueRegularOutput' };

		const result = await runWorkflow(
			chain(statusNode(continueOnFail), downloadNode(continueOnFail)),
			{
				credentials: credentialsFor(simulator),
				input: [ok1, failed, ok2].map(({ id }) => ({ json: { predictionId: id } })),
			},
		);

		expect(result.status).toBe('success');
		const statuses = result.nodes['Get Status'].items;
		expect(statuses[1].json).toEqual({
			error: `Prediction ${failed.id} failed: NSFW content detected`,
		});
		const downloads = result.nodes.Download.items;
		expect(downloads).toHaveLength(3);
		expect(downloads[0].binary?.data.mimeType).toBe('image/png');
		expect(downloads[1].json.error).toBe('The content URL is empty (item 1)');
		expect(downloads[2].binary?.data.mimeType).toBe('image/png');
		expect(downloads.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(simulator.requestsTo('/v1/predictions/delivery/')).toHaveLength(2);
	});

	test('Upload File → Download Content of its url: the file makes the round trip intact', async () => {
		const content = randomBytes(300_000);
		const binary = await storeBinary(content, {
			fileName: 'reference.jpg',
			mimeType: 'image/jpeg',
		});

		const result = await runWorkflow(
			chain(
				prunaNode('Upload', nodeType.upload, { binaryPropertyName: 'data' }),
				prunaNode('Download', nodeType.download, {
					url: '={{ $json.url }}',
					binaryPropertyName: 'copy',
				}),
			),
			{ credentials: credentialsFor(simulator), input: [{ json: {}, binary: { data: binary } }] },
		);

		const [item] = result.nodes.Download.items;
		expect(item.json).toMatchObject({ mimeType: 'image/jpeg', fileSize: content.length });
		expect(sha256(await readBinary(item.binary!.copy))).toBe(sha256(content));
	});

	test('a wrong key stops the workflow with a message that names the key, at the first node', async () => {
		const { id } = simulator.addPrediction();

		const result = await runWorkflow(chain(statusNode(), downloadNode()), {
			credentials: credentialsFor(simulator, 'sk-wrong'),
			input: [{ json: { predictionId: id } }],
		});

		expect(result.status).toBe('error');
		expect(result.error?.message).toContain('Invalid API key: Pruna rejected the key');
		expect(result.nodes.Download).toBeUndefined();
	});
});
