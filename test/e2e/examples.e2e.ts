/**
 * Every example workflow, imported into real n8n with our package installed as a community package
 * and run with `n8n execute --id`, against the simulator on 127.0.0.1. `npm run test:e2e` runs it in
 * n8n 2.41.1 (filesystem binary mode, and Execution Logic v2); `npm run test:compat` in the latest
 * n8n 1.123.x on Node 22, with the package installed from its tarball as n8n installs one, and 1.x's
 * default binary mode, which keeps files in memory.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sha256 } from '../fixtures';
import { exampleFiles, exampleWorkflowId, loadExample } from '../harness/examples.ts';
import type { ExecutedFile, ExecutionJson, N8nInstance } from '../harness/real-n8n.ts';
import {
	examplesCredential,
	executeWorkflow,
	importPrunaCredential,
	importExamples,
	importWorkflows,
	itemsOf,
	manualTriggerNode,
	n8nRelease,
	n8nNode,
	n8nReleases,
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
	await importWorkflows(n8n, [
		...binaryModes.map((mode) => ({
			id: `generateupload${mode}`,
			workflow: generateAndUpload(mode),
		})),
		...(isCurrent
			? [{ id: 'edituploadedimagev2', workflow: inExecutionLogicV2('edit-uploaded-image.json') }]
			: []),
	]);
});

afterAll(async () => {
	await simulator.close();
	rmSync(workFolder, { recursive: true, force: true });
});

beforeEach(() => simulator.reset());

/** The predictions the last run made (the simulator keeps earlier ones). */
const latestPredictions = (count: number) => [...simulator.predictions.values()].slice(-count);

const runExample = async (file: string) => await runWorkflow(exampleWorkflowId(file));

async function runWorkflow(id: string): Promise<ExecutionJson> {
	const { result, execution } = await executeWorkflow(n8n, id);
	if (result.code !== 0 || !execution) {
		throw new Error(`n8n execute failed (${result.code})\n${result.stdout}\n${result.stderr}`);
	}
	return execution;
}

const isCurrent = n8nRelease === n8nReleases.current;
/** A stored file's size as n8n records it: 1.x's in-memory mode records no `bytes`. */
const recordedSize = (bytes: number) => (isCurrent ? { bytes } : {});
/** n8n 1.x has one binary mode; 2.x adds Execution Logic v2 (`binaryMode: 'combined'`). */
const binaryModes = isCurrent ? ['separate', 'combined'] : ['separate'];

/** An example with Execution Logic v2 switched on in its settings, as the workflow settings do. */
function inExecutionLogicV2(file: string): object {
	const workflow = loadExample(file) as ReturnType<typeof loadExample> & { settings?: object };
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-base.readWriteFile')
			node.parameters.fileSelector = join(n8n.filesFolder, 'photo.png');
		if (node.credentials?.prunaApi) node.credentials.prunaApi = examplesCredential;
	}
	return { ...workflow, settings: { ...workflow.settings, binaryMode: 'combined' } };
}

/** Manual Trigger → Create Prediction with Download Output (prompt to file in one node) → Upload File. */
function generateAndUpload(binaryMode: string): object {
	const credentials = { prunaApi: examplesCredential };
	return {
		name: `Generate, then upload (${binaryMode})`,
		settings: { executionOrder: 'v1', binaryMode },
		nodes: [
			manualTriggerNode,
			{
				id: 'c',
				name: 'Generate',
				type: 'n8n-nodes-pruna.prunaCreatePrediction',
				typeVersion: 1,
				position: [200, 0],
				credentials,
				parameters: {
					model: 'p-image',
					prompt: 'a lighthouse at dawn',
					options: { downloadOutput: true, pollIntervalSeconds: 1 },
				},
			},
			{
				id: 'u',
				name: 'Upload',
				type: 'n8n-nodes-pruna.prunaUploadFile',
				typeVersion: 1,
				position: [400, 0],
				credentials,
				parameters: { binaryPropertyName: 'data', options: {} },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
			Generate: { main: [[{ node: 'Upload', type: 'main', index: 0 }]] },
		},
	};
}

/**
 * A file an execution output, read back: from disk in 2.41.1's filesystem mode, from the execution's
 * own JSON in 1.x's default mode, which keeps files in memory, as base64 without an id.
 */
function storedBytes(binary: ExecutedFile): Buffer {
	if (isCurrent) {
		expect(binary.id).toMatch(/^filesystem-v2:/);
		return readFileSync(storedBinaryPath(n8n, binary.id!));
	}
	expect(binary.id).toBeUndefined();
	return Buffer.from(binary.data!, 'base64');
}

describe(`examples/ in n8n ${n8nRelease.version} on Node ${n8nRelease.nodeMajor} (n8n execute)`, () => {
	test(`n8n runs on Node ${n8nRelease.nodeMajor}, with the package ${isCurrent ? 'linked' : 'installed from its tarball'}`, () => {
		const nodeVersion = execFileSync(n8nNode, ['--version'], { encoding: 'utf8' });
		expect(nodeVersion).toMatch(new RegExp(`^v${n8nRelease.nodeMajor}\\.`));
		const installed = join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-nodes-pruna');
		expect(lstatSync(installed).isSymbolicLink()).toBe(isCurrent);
		if (!isCurrent) {
			// As n8n leaves it: what the tarball holds, without dev, peer or optional dependencies.
			const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
			expect(manifest).not.toHaveProperty('devDependencies');
			expect(manifest).not.toHaveProperty('peerDependencies');
			expect(readdirSync(installed).sort()).toEqual([
				'LICENSE',
				'README.md',
				'dist',
				'index.js',
				'package.json',
			]);
		}
	});

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
			...recordedSize(expected.length),
		});
		expect(sha256(storedBytes(item.binary!.data))).toBe(sha256(expected));
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
		expect(item.binary!.data).toMatchObject({
			mimeType: 'image/png',
			...recordedSize(expected.length),
		});
		expect(sha256(storedBytes(item.binary!.data))).toBe(sha256(expected));
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
			...recordedSize(expected.length),
		});
		if (isCurrent)
			expect(statSync(storedBinaryPath(n8n, item.binary!.data.id!)).size).toBe(expected.length);
		expect(sha256(storedBytes(item.binary!.data))).toBe(sha256(expected));
	});

	test('scheduled-batch (run by its manual trigger): the Code node’s 3 prompts become 3 images', async () => {
		const execution = await runExample('scheduled-batch.json');

		expect(execution.status).toBe('success');
		const creates = simulator
			.requestsTo('/v1/predictions')
			.filter((request) => request.method === 'POST');
		expect(creates).toHaveLength(3);
		// The node chooses Try-Sync for p-image; the pipeline sends the creates whose answers the
		// quota waits on (the window's first, and one that sounds the key) without it while others
		// wait, and those items follow their prediction by ID.
		const withoutTrySync = creates.filter((request) => request.headers['try-sync'] !== 'true');
		expect(withoutTrySync.length).toBeLessThan(creates.length);
		expect(simulator.requestsTo('/v1/predictions/status/').length).toBeGreaterThanOrEqual(
			withoutTrySync.length,
		);
		const generated = latestPredictions(3).map((prediction) =>
			sha256(simulator.contentBytes(prediction.deliveryPath)),
		);
		const items = itemsOf(execution, 'Pruna Generate Image');
		expect(items).toHaveLength(3);
		const stored = items.map((item, index) => {
			expect(item.json).toMatchObject({ model: 'p-image', status: 'succeeded' });
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.binary!.image).toMatchObject({ mimeType: 'image/png', fileExtension: 'png' });
			const bytes = storedBytes(item.binary!.image);
			expect(item.binary!.image).toMatchObject(recordedSize(bytes.length));
			return sha256(bytes);
		});
		// Each item holds a different one of the three generated images.
		expect([...stored].sort()).toEqual([...generated].sort());
	});

	test.each(binaryModes)(
		'one node from prompt to file, then Upload File sends that file (binary mode %s)',
		async (binaryMode) => {
			const execution = await runWorkflow(`generateupload${binaryMode}`);

			expect(execution.status).toBe('success');
			const [prediction] = latestPredictions(1);
			const expected = simulator.contentBytes(prediction.deliveryPath);
			const [generated] = itemsOf(execution, 'Generate');
			const file =
				binaryMode === 'combined'
					? (generated.json._files as Record<string, ExecutedFile>).data
					: generated.binary!.data;
			expect(
				binaryMode === 'combined' ? generated.binary?.data : generated.json._files,
			).toBeUndefined();
			expect(file).toMatchObject({
				mimeType: 'image/png',
				fileName: prediction.deliveryPath.split('/').pop(),
			});
			expect(sha256(storedBytes(file))).toBe(sha256(expected));
			const [upload] = [...simulator.files.values()].slice(-1);
			expect(upload.sha256).toBe(sha256(expected));
			expect(itemsOf(execution, 'Upload')[0].json).toMatchObject({
				id: upload.id,
				size: expected.length,
			});
		},
	);

	if (isCurrent) {
		test('edit-uploaded-image under Execution Logic v2: Upload File reads the photo from json._files', async () => {
			const execution = await runWorkflow('edituploadedimagev2');

			expect(execution.status).toBe('success');
			const [read] = itemsOf(execution, 'Read Photo from Disk');
			expect(read.binary).toBeUndefined();
			expect(read.json._files).toMatchObject({ data: { mimeType: 'image/png' } });
			const [upload] = [...simulator.files.values()].slice(-1);
			expect(upload.sha256).toBe(sha256(photo));
			const [prediction] = latestPredictions(1);
			const [item] = itemsOf(execution, execution.data.resultData.lastNodeExecuted!);
			const file = (item.json._files as Record<string, ExecutedFile>).data;
			expect(sha256(storedBytes(file))).toBe(
				sha256(simulator.contentBytes(prediction.deliveryPath)),
			);
		});
	}
});
