/**
 * n8n in queue mode (main, two workers, Redis), in both binary data modes: the workers run the
 * executions; the chained nodes and the one-node generation store the right file; a file over
 * database mode's cap fails once with n8n's own message; a batch split across both workers under
 * one model quota creates every item once. Prints each process's peak RSS while a 100 MB video is
 * downloaded, for the README's "Queue mode / running at scale".
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sha256 } from '../fixtures';
import type { BinaryMode, QueueMode, RunningRedis } from '../harness/queue-mode.ts';
import {
	executionsRunBy,
	peakRssWhile,
	queueEnv,
	startQueueMode,
	startRedis,
} from '../harness/queue-mode.ts';
import type { N8nInstance } from '../harness/real-n8n.ts';
import {
	callWebhook,
	examplesCredential,
	importPrunaCredential,
	importWorkflows,
	prepareN8n,
	publishWorkflow,
} from '../harness/real-n8n.ts';
import { fixedWindowsOf } from '../harness/shared-quota.ts';
import { makePng } from '../simulator/png.ts';
import { PrunaSimulator } from '../simulator/server.ts';

jest.setTimeout(180_000);

/** The key's create quota for the batch: p-image at 10 creates a window of 2 s. */
const batchLimit = 10;
const batchWindowMs = 2000;

/** database mode's cap for this suite, in MiB (n8n's default is 512). */
const databaseCapMiB = 128;
const MB = 1_000_000;

type NodeJson = Record<string, unknown> & { name: string };

function node(name: string, type: string, parameters: object, extra: object = {}): NodeJson {
	return { id: randomUUID(), name, type, typeVersion: 1, position: [0, 0], parameters, ...extra };
}

function pruna(name: string, type: string, parameters: object): NodeJson {
	return node(name, `n8n-nodes-pruna.${type}`, parameters, {
		credentials: { prunaApi: examplesCredential },
	});
}

/** A webhook at POST /webhook/<path> answering with the last node's first file, or its items. */
function webhookWorkflow(path: string, answer: 'file' | 'items', nodes: NodeJson[]) {
	const webhook = node(
		'Webhook',
		'n8n-nodes-base.webhook',
		{
			httpMethod: 'POST',
			path,
			responseMode: 'lastNode',
			responseData: answer === 'file' ? 'firstEntryBinary' : 'allEntries',
			options: {},
		},
		{ typeVersion: 2, webhookId: randomUUID() },
	);
	const chain = [webhook, ...nodes];
	const connections: Record<string, object> = {};
	for (let index = 0; index + 1 < chain.length; index++) {
		connections[chain[index].name] = {
			main: [[{ node: chain[index + 1].name, type: 'main', index: 0 }]],
		};
	}
	return { name: path, nodes: chain, connections, settings: { executionOrder: 'v1' } };
}

async function post(instance: N8nInstance, path: string, body: object, timeoutMs = 60_000) {
	return await callWebhook(
		instance,
		path,
		{ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
		{ timeoutMs },
	);
}

describe.each<BinaryMode>(['filesystem', 'database'])('queue mode, %s binary data', (mode) => {
	const simulator = new PrunaSimulator({
		defaultPlan: { startingMs: 50, processingMs: 200 },
		rateLimitWindowMs: batchWindowMs,
		// The key's quota for p-image scaled down, so that a batch spans several windows.
		modelRateLimits: { 'p-image': batchLimit },
	});
	const workFolder = mkdtempSync(join(tmpdir(), `pruna-queue-${mode}-`));
	const photo = makePng(64, 48, 11);
	let n8n: N8nInstance;
	let redis: RunningRedis;
	let queue: QueueMode;
	const video = { path: 'video/output_0_0.mp4', size: 100 * MB };
	const tooLarge = { path: 'video/too_large.mp4', size: (databaseCapMiB + 22) * 1024 * 1024 };

	beforeAll(async () => {
		await simulator.listen();
		simulator.addContent(video.path, { kind: 'bytes', size: video.size, contentType: 'video/mp4' });
		simulator.addContent(tooLarge.path, {
			kind: 'bytes',
			size: tooLarge.size,
			contentType: 'video/mp4',
		});
		redis = await startRedis();
		n8n = await prepareN8n(join(workFolder, 'n8n'));
		const photoPath = join(n8n.filesFolder, 'photo.png');
		writeFileSync(photoPath, photo);
		await importPrunaCredential(n8n, simulator);
		const workflows = {
			generate: webhookWorkflow('generate', 'file', [
				pruna('Create', 'prunaCreatePrediction', {
					model: 'p-image',
					prompt: '={{ $json.body.prompt }}',
					options: { downloadOutput: true, pollIntervalSeconds: 0.2 },
				}),
			]),
			chain: webhookWorkflow('chain', 'file', [
				node(
					'Read',
					'n8n-nodes-base.readWriteFile',
					{ fileSelector: photoPath, options: {} },
					{ typeVersion: 1 },
				),
				pruna('Upload', 'prunaUploadFile', { binaryPropertyName: 'data', options: {} }),
				pruna('Create', 'prunaCreatePrediction', {
					model: 'p-image-edit',
					prompt: 'make it winter',
					images: ['={{ $json.url }}'],
					options: {},
				}),
				pruna('Status', 'prunaPredictionStatus', {
					predictionId: '={{ $json.id }}',
					waitUntilDone: true,
					options: { pollIntervalSeconds: 0.2 },
				}),
				pruna('Download', 'prunaDownloadContent', {
					url: '={{ $json.generation_url }}',
					binaryPropertyName: 'data',
					options: {},
				}),
			]),
			download: webhookWorkflow('download', 'file', [
				pruna('Download', 'prunaDownloadContent', {
					url: '={{ $json.body.url }}',
					binaryPropertyName: 'data',
					options: { downloadRetrySeconds: 5 },
				}),
			]),
			batch: webhookWorkflow('batch', 'items', [
				node(
					'Items',
					'n8n-nodes-base.code',
					{
						jsCode:
							'return Array.from({ length: $json.body.count }, (_, i) => ({ json: { prompt: `${$json.body.call} ${i}` } }));',
					},
					{ typeVersion: 2 },
				),
				// The node's defaults: it waits, and chooses Try-Sync for an image model.
				pruna('Create', 'prunaCreatePrediction', {
					model: 'p-image',
					prompt: '={{ $json.prompt }}',
					options: { waitUntilDone: true },
				}),
			]),
		};
		const ids = Object.keys(workflows).map((name) =>
			`queue${mode.slice(0, 2)}${name}`.padEnd(16, '0'),
		);
		await importWorkflows(
			n8n,
			Object.values(workflows).map((workflow, index) => ({ id: ids[index], workflow })),
		);
		for (const id of ids) await publishWorkflow(n8n, id);
		const env = {
			...queueEnv(redis.port, mode),
			N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE: String(databaseCapMiB),
		};
		queue = await startQueueMode(n8n, env);
	});

	afterAll(async () => {
		await queue?.stop();
		await redis?.stop();
		await simulator.close();
		rmSync(workFolder, { recursive: true, force: true });
	});

	beforeEach(() => simulator.reset());

	test('one-node generation: the webhook answers with the generated PNG, run by a worker', async () => {
		const before = queue.workers.map((worker) => executionsRunBy(worker).length);
		const response = await post(n8n, 'generate', { prompt: 'a red fox' });

		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toContain('image/png');
		const bytes = Buffer.from(await response.arrayBuffer());
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		expect(prediction.model).toBe('p-image');
		expect(sha256(bytes)).toBe(sha256(simulator.contentBytes(prediction.deliveryPath)));
		const after = queue.workers.map((worker) => executionsRunBy(worker).length);
		expect(after.reduce((a, b) => a + b) - before.reduce((a, b) => a + b)).toBe(1);
		expect(queue.main.output()).not.toMatch(/Worker finished execution/);
	});

	test('Upload → Create → Get Status → Download: the edited image, byte for byte', async () => {
		const response = await post(n8n, 'chain', {});

		expect(response.status).toBe(200);
		const bytes = Buffer.from(await response.arrayBuffer());
		const uploads = simulator.requestsTo('/v1/files').filter((r) => r.method === 'POST');
		expect(uploads).toHaveLength(1);
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		expect(prediction.model).toBe('p-image-edit');
		expect(sha256(bytes)).toBe(sha256(simulator.contentBytes(prediction.deliveryPath)));
	});

	test('a 100 MB video is stored and served whole; peak RSS of each process is printed', async () => {
		const pids = [queue.main.pid, ...queue.workers.map((worker) => worker.pid)];
		const { result, before, peak } = await peakRssWhile(pids, async () => {
			const response = await post(n8n, 'download', {
				url: `${simulator.baseUrl}/v1/predictions/delivery/${video.path}`,
			});
			const bytes = Buffer.from(await response.arrayBuffer());
			return { status: response.status, bytes };
		});

		expect(result.status).toBe(200);
		expect(result.bytes.length).toBe(video.size);
		expect(sha256(result.bytes)).toBe(sha256(simulator.contentBytes(video.path)));
		const names = ['main', 'worker 1', 'worker 2'];
		console.log(
			`${mode} mode, 100 MB video: ` +
				names
					.map(
						(name, index) =>
							`${name} RSS ${Math.round(before[index])} → peak ${Math.round(peak[index])} MiB`,
					)
					.join('; '),
		);
	});

	test(`a file over database mode's cap (${databaseCapMiB} MiB) fails once with n8n's message; filesystem mode stores it`, async () => {
		const url = `${simulator.baseUrl}/v1/predictions/delivery/${tooLarge.path}`;
		const response = await post(n8n, 'download', { url });
		await response.arrayBuffer();

		expect(simulator.requestsTo(`/v1/predictions/delivery/${tooLarge.path}`)).toHaveLength(1);
		if (mode === 'database') {
			expect(response.status).toBe(500);
			const logs = queue.workers.map((worker) => worker.output()).join('\n');
			expect(logs).toContain(`Download of ${url}: n8n could not store the file`);
			expect(logs).toMatch(/exceeds the max size limit of 128 MB set for `database` mode/);
		} else {
			expect(response.status).toBe(200);
		}
	});

	test("a batch split across both workers keeps the key's create quota: each item created once, at most one 429 a window for each worker", async () => {
		const calls = 4;
		const perCall = 10;
		const answers = await Promise.all(
			Array.from(
				{ length: calls },
				async (_, call) => await post(n8n, 'batch', { count: perCall, call }, 120_000),
			),
		);

		const outputs = await Promise.all(
			answers.map(async (answer) => (await answer.json()) as Array<{ status: string }>),
		);
		expect(answers.map((answer) => answer.status)).toEqual(Array(calls).fill(200));
		expect(outputs.flat().map((output) => output.status)).toEqual(
			Array(calls * perCall).fill('succeeded'),
		);
		const creates = simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST');
		const created = creates.filter((request) => request.status === 201);
		const prompts = created.map(
			(request) => (request.json as { input: { prompt: string } }).input.prompt,
		);
		expect(new Set(prompts).size).toBe(calls * perCall);
		expect(created).toHaveLength(calls * perCall);
		// Nothing is shared between the workers but Pruna's RateLimit headers. The simulator opens a
		// window with the first create after the last one ended.
		const windows = fixedWindowsOf(
			creates.map((request) => request.receivedAt),
			batchWindowMs,
		);
		const refused = creates.filter((request) => request.status === 429).length;
		console.log(
			`${mode} mode, batch of ${calls * perCall} p-image creates at ${batchLimit} per ${batchWindowMs / 1000} s on two workers: ${refused} refused in ${windows} windows`,
		);
		expect(refused).toBeLessThanOrEqual(windows * queue.workers.length);
		expect(queue.workers.every((worker) => executionsRunBy(worker).length > 0)).toBe(true);
	});
});
