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
import type { RunOptions, WorkflowJson } from './harness/run';
import { binaryModes, fileOf, readBinary, runWorkflow, storeBinary } from './harness/run';

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

describe.each(binaryModes)('Pruna nodes chained in a workflow (binary mode %s)', (binaryMode) => {
	const run = async (workflow: WorkflowJson, options: RunOptions) =>
		await runWorkflow(workflow, { ...options, binaryMode });

	test('10 items: every status is awaited at once, every file downloaded, each paired with its item', async () => {
		const predictions = Array.from({ length: 10 }, (_, index) =>
			simulator.addPrediction({
				processingMs: 200 + index * 20,
				generationUrl: index % 2 ? 'relative' : 'absolute',
			}),
		);

		const result = await run(chain(statusNode(), downloadNode()), {
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
			expect(sha256(await readBinary(fileOf(downloads[index], 'data', binaryMode)))).toBe(
				sha256(expected),
			);
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

		const result = await run(chain(statusNode(continueOnFail), downloadNode(continueOnFail)), {
			credentials: credentialsFor(simulator),
			input: [ok1, failed, ok2].map(({ id }) => ({ json: { predictionId: id } })),
		});

		expect(result.status).toBe('success');
		const statuses = result.nodes['Get Status'].items;
		expect(statuses[1].json).toEqual({
			error: `Prediction ${failed.id} failed: NSFW content detected`,
		});
		const downloads = result.nodes.Download.items;
		expect(downloads).toHaveLength(3);
		expect(fileOf(downloads[0], 'data', binaryMode).mimeType).toBe('image/png');
		expect(downloads[1].json.error).toBe('The content URL is empty (item 1)');
		expect(fileOf(downloads[2], 'data', binaryMode).mimeType).toBe('image/png');
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

		const result = await run(
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
		expect(sha256(await readBinary(fileOf(item, 'copy', binaryMode)))).toBe(sha256(content));
	});

	test('Download Content → Upload File: the file one node stored is the file the next one sends', async () => {
		const path = 'a/b/output_7_0.png';
		const url = simulator.addContent(path, { kind: 'png', width: 96, height: 64 });
		const expected = simulator.contentBytes(path);

		const result = await run(
			chain(
				prunaNode('Download', nodeType.download, { url, binaryPropertyName: 'picture' }),
				prunaNode('Upload', nodeType.upload, {
					binaryPropertyName: binaryMode === 'combined' ? '_files.picture' : 'picture',
				}),
			),
			{ credentials: credentialsFor(simulator) },
		);

		expect(result.status).toBe('success');
		// Where the engine left the downloaded file for the next node, in this mode.
		expect(fileOf(result.nodes.Download.items[0], 'picture', binaryMode).fileName).toBe(
			'output_7_0.png',
		);
		const [uploaded] = [...simulator.files.values()].slice(-1);
		expect(uploaded.sha256).toBe(sha256(expected));
		expect(result.nodes.Upload.items[0].json).toMatchObject({
			name: 'output_7_0.png',
			content_type: 'image/png',
			size: expected.length,
		});
	});

	test('a wrong key stops the workflow with a message that names the key, at the first node', async () => {
		const { id } = simulator.addPrediction();

		const result = await run(chain(statusNode(), downloadNode()), {
			credentials: credentialsFor(simulator, 'sk-wrong'),
			input: [{ json: { predictionId: id } }],
		});

		expect(result.status).toBe('error');
		expect(result.error?.message).toContain('Invalid API key: Pruna rejected the key');
		expect(result.nodes.Download).toBeUndefined();
	});
});
