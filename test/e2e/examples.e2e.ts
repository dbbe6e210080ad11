/**
 * Every example workflow, imported into real n8n 2.41.1 with our package installed as a community
 * package and run with `n8n execute --id`, against the simulator on 127.0.0.1.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sha256 } from '../fixtures';
import { exampleFiles, exampleWorkflowId } from '../harness/examples.ts';
import type { ExecutionJson, N8nInstance } from '../harness/real-n8n.ts';
import {
	executeWorkflow,
	importPrunaCredential,
	importExamples,
	itemsOf,
	prepareN8n,
	storedBinaryPath,
} from '../harness/real-n8n.ts';
import { makePng } from '../simulator/png.ts';
import { PrunaSimulator } from '../simulator/server.ts';

const simulator = new PrunaSimulator({
	pollIntervalHeaderSeconds: 0.2,
	defaultPlan: { startingMs: 100, processingMs: 400 },
});
const workFolder = mkdtempSync(join(tmpdir(), 'pruna-e2e-'));
let n8n: N8nInstance;
const photo = makePng(64, 48, 7);

beforeAll(async () => {
	await simulator.listen();
	n8n = await prepareN8n(join(workFolder, 'n8n'));
	await importPrunaCredential(n8n, simulator);
	await importExamples(n8n, photo);
});

afterAll(async () => {
	await simulator.close();
	rmSync(workFolder, { recursive: true, force: true });
});

beforeEach(() => simulator.reset());

/** The predictions the last run made (the simulator keeps earlier ones). */
const latestPredictions = (count: number) => [...simulator.predictions.values()].slice(-count);

async function runExample(file: string): Promise<ExecutionJson> {
	const { result, execution } = await executeWorkflow(n8n, exampleWorkflowId(file));
	if (result.code !== 0 || !execution) {
		throw new Error(`n8n execute failed (${result.code})\n${result.stdout}\n${result.stderr}`);
	}
	return execution;
}

/** The stored file n8n's filesystem binary mode wrote, read back from disk. */
function storedBytes(binaryId: string | undefined): Buffer {
	expect(binaryId).toMatch(/^filesystem-v2:/);
	return readFileSync(storedBinaryPath(n8n, binaryId!));
}

describe('examples/ in n8n 2.41.1 (n8n execute)', () => {
	test('every example is run below', () => {
		expect(exampleFiles()).toEqual([
			'edit-uploaded-image.json',
			'scheduled-batch.json',
			'text-to-image.json',
			'text-to-video.json',
		]);
	});

	test('text-to-image: the last node holds the generated PNG, byte for byte', async () => {
		const execution = await runExample('text-to-image.json');

		expect(execution).toMatchObject({ status: 'success', finished: true });
		const [prediction] = latestPredictions(1);
		expect(prediction.model).toBe('p-image');
		expect(itemsOf(execution, 'Pruna Get Prediction Status')[0].json).toMatchObject({
			id: prediction.id,
			status: 'succeeded',
		});
		const [item] = itemsOf(execution, 'Pruna Download Content');
		const expected = simulator.contentBytes(prediction.deliveryPath);
		expect(item.binary!.data).toMatchObject({
			fileName: prediction.deliveryPath.split('/').pop(),
			mimeType: 'image/png',
			fileExtension: 'png',
			bytes: expected.length,
		});
		expect(sha256(storedBytes(item.binary!.data.id))).toBe(sha256(expected));
	});

	test('edit-uploaded-image: the photo read from disk is uploaded, edited and downloaded', async () => {
		const execution = await runExample('edit-uploaded-image.json');

		expect(execution.status).toBe('success');
		const [upload] = [...simulator.files.values()].slice(-1);
		expect(upload.sha256).toBe(sha256(photo));
		expect(itemsOf(execution, 'Pruna Upload File')[0].json).toMatchObject({
			id: upload.id,
			url: `${simulator.baseUrl}/v1/files/${upload.id}`,
		});
		const [prediction] = latestPredictions(1);
		expect(prediction).toMatchObject({
			model: 'p-image-edit',
			input: { images: [`${simulator.baseUrl}/v1/files/${upload.id}`], turbo: true },
		});
		const last = execution.data.resultData.lastNodeExecuted!;
		const [item] = itemsOf(execution, last);
		const expected = simulator.contentBytes(prediction.deliveryPath);
		expect(item.binary!.data).toMatchObject({ mimeType: 'image/png', bytes: expected.length });
		expect(sha256(storedBytes(item.binary!.data.id))).toBe(sha256(expected));
	});

	test('text-to-video: p-video gives an MP4 file of the delivered size', async () => {
		const execution = await runExample('text-to-video.json');

		expect(execution.status).toBe('success');
		const [prediction] = latestPredictions(1);
		expect(prediction.model).toBe('p-video');
		const last = execution.data.resultData.lastNodeExecuted!;
		const [item] = itemsOf(execution, last);
		const expected = simulator.contentBytes(prediction.deliveryPath);
		expect(item.binary!.data).toMatchObject({
			mimeType: 'video/mp4',
			fileExtension: 'mp4',
			fileName: expect.stringMatching(/\.mp4$/),
			bytes: expected.length,
		});
		const stored = storedBinaryPath(n8n, item.binary!.data.id!);
		expect(statSync(stored).size).toBe(expected.length);
		expect(sha256(readFileSync(stored))).toBe(sha256(expected));
	});

	test('scheduled-batch (run by its manual trigger): the Code node’s 3 prompts become 3 images', async () => {
		const execution = await runExample('scheduled-batch.json');

		expect(execution.status).toBe('success');
		const creates = simulator
			.requestsTo('/v1/predictions')
			.filter((request) => request.method === 'POST');
		expect(creates).toHaveLength(3);
		expect(creates.map((request) => request.headers['try-sync'])).toEqual(['true', 'true', 'true']);
		const generated = latestPredictions(3).map((prediction) =>
			sha256(simulator.contentBytes(prediction.deliveryPath)),
		);
		const items = itemsOf(execution, 'Pruna Generate Image');
		expect(items).toHaveLength(3);
		const stored = items.map((item, index) => {
			expect(item.json).toMatchObject({ model: 'p-image', status: 'succeeded' });
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.binary!.image).toMatchObject({ mimeType: 'image/png', fileExtension: 'png' });
			const bytes = storedBytes(item.binary!.image.id);
			expect(item.binary!.image.bytes).toBe(bytes.length);
			return sha256(bytes);
		});
		// Each item holds a different one of the three generated images.
		expect([...stored].sort()).toEqual([...generated].sort());
	});
});
