import type { INodeExecutionData } from 'n8n-workflow';

import { credentialsFor, nodeType, sha256, suiteSimulator } from './fixtures';
import { exampleFiles, loadExample, prunaNodePrefix, prunaPart } from './harness/examples.ts';
import { readBinary, runWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';

// X-Poll-Interval is honoured over the examples' own intervals, so the runs take well under a second.
const simulator = suiteSimulator({
	pollIntervalHeaderSeconds: 0.05,
	defaultPlan: { startingMs: 20, processingMs: 100 },
});

/** Nodes a stock n8n has, besides ours: the examples import into any n8n. */
const stockNodeTypes = new Set([
	'n8n-nodes-base.manualTrigger',
	'n8n-nodes-base.scheduleTrigger',
	'n8n-nodes-base.code',
	'n8n-nodes-base.readWriteFile',
]);

/** What the nodes before the Pruna part hand it, per example. */
const inputs: Record<string, () => Promise<INodeExecutionData[]>> = {
	'text-to-image.json': async () => [{ json: {} }],
	'text-to-video.json': async () => [{ json: {} }],
	'edit-uploaded-image.json': async () => [
		{
			json: {},
			binary: {
				data: await storeBinary(makePng(40, 30, 3), {
					fileName: 'photo.png',
					mimeType: 'image/png',
				}),
			},
		},
	],
	'scheduled-batch.json': async () =>
		['a red fox', 'a paper boat', 'a lighthouse'].map((prompt) => ({ json: { prompt } })),
};

const lastOutput = (
	result: Awaited<ReturnType<typeof runWorkflow>>,
	example: ReturnType<typeof prunaPart>,
) => result.nodes[example.nodes[example.nodes.length - 1].name].items;

describe('examples/', () => {
	test('every example has a test input here, and uses only stock nodes and ours', () => {
		expect(exampleFiles()).toEqual(Object.keys(inputs).sort());
		for (const file of exampleFiles()) {
			for (const node of loadExample(file).nodes) {
				if (node.type.startsWith(prunaNodePrefix)) {
					expect(node.credentials).toEqual({ prunaApi: { id: 'pruna-api', name: 'Pruna API' } });
				} else {
					expect(stockNodeTypes).toContain(node.type);
				}
			}
		}
	});

	test('text-to-image: Create p-image → Get Status → Download gives the generated PNG', async () => {
		const example = prunaPart(loadExample('text-to-image.json'));

		const result = await runWorkflow(example, {
			credentials: credentialsFor(simulator),
			input: await inputs['text-to-image.json'](),
		});

		expect(result.status).toBe('success');
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		expect(prediction.model).toBe('p-image');
		expect(prediction.input).toEqual({
			prompt: 'A lighthouse on a cliff at dawn, soft golden light, 35 mm photograph',
			aspect_ratio: '16:9',
			seed: 42,
		});
		const [file] = lastOutput(result, example);
		expect(file.binary!.data.mimeType).toBe('image/png');
		expect(sha256(await readBinary(file.binary!.data))).toBe(
			sha256(simulator.contentBytes(prediction.deliveryPath)),
		);
	});

	test('edit-uploaded-image: Upload → Create p-image-edit on the upload URL → Status → Download', async () => {
		const example = prunaPart(loadExample('edit-uploaded-image.json'));

		const result = await runWorkflow(example, {
			credentials: credentialsFor(simulator),
			input: await inputs['edit-uploaded-image.json'](),
		});

		expect(result.status).toBe('success');
		const [upload] = [...simulator.files.values()].slice(-1);
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		expect(upload.sha256).toBe(sha256(makePng(40, 30, 3)));
		expect(prediction).toMatchObject({
			model: 'p-image-edit',
			input: { images: [`${simulator.baseUrl}/v1/files/${upload.id}`], turbo: true },
		});
		expect(lastOutput(result, example)[0].binary!.data.mimeType).toBe('image/png');
	});

	test('text-to-video: Create p-video → Status → Download gives an MP4', async () => {
		const example = prunaPart(loadExample('text-to-video.json'));

		const result = await runWorkflow(example, {
			credentials: credentialsFor(simulator),
			input: await inputs['text-to-video.json'](),
		});

		expect(result.status).toBe('success');
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		expect(prediction.model).toBe('p-video');
		expect(prediction.input).toMatchObject({ duration: 5, resolution: '720p' });
		const [file] = lastOutput(result, example);
		expect(file.binary!.data).toMatchObject({ mimeType: 'video/mp4', fileExtension: 'mp4' });
		expect(sha256(await readBinary(file.binary!.data))).toBe(
			sha256(simulator.contentBytes(prediction.deliveryPath)),
		);
	});

	test('scheduled-batch: one node takes each prompt to an image file, with Try-Sync but for the creates the quota waits on', async () => {
		const example = prunaPart(loadExample('scheduled-batch.json'));
		expect(example.nodes.map((node) => node.type)).toEqual([nodeType.create]);

		const result = await runWorkflow(example, {
			credentials: credentialsFor(simulator),
			input: await inputs['scheduled-batch.json'](),
		});

		expect(result.status).toBe('success');
		const items = lastOutput(result, example);
		expect(items).toHaveLength(3);
		const creates = simulator
			.requestsTo('/v1/predictions')
			.filter((request) => request.method === 'POST');
		// The node chooses Try-Sync for p-image. The pipeline sends a create without it when the
		// quota waits on its answer (a window's first, or one that sounds the key), and that item
		// follows its prediction by ID: whether one does here depends on the quota's window, which
		// this suite's other runs share.
		const withoutTrySync = creates.filter((request) => request.headers['try-sync'] !== 'true');
		expect(withoutTrySync.length).toBeLessThan(creates.length);
		expect(simulator.requestsTo('/v1/predictions/status/').length).toBeGreaterThanOrEqual(
			withoutTrySync.length,
		);
		expect(
			creates.map((request) => (request.json as { input: { prompt: string } }).input.prompt).sort(),
		).toEqual(['a lighthouse', 'a paper boat', 'a red fox']);
		for (const [index, item] of items.entries()) {
			expect(item.json).toMatchObject({
				model: 'p-image',
				status: 'succeeded',
				mimeType: 'image/png',
			});
			expect(item.binary!.image.mimeType).toBe('image/png');
			expect(item.pairedItem).toEqual({ item: index });
		}
	});
});
