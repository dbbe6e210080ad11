/**
 * The node's Request Options → Proxy in real n8n (`n8n execute`): the credential's base URL names a
 * host no DNS resolves, only the proxy (test/harness/forward-proxy.ts) reaches the simulator, and
 * no HTTP_PROXY is set. Create Prediction with Try Sync off and Download Output polls and downloads
 * through it, and nothing goes around it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sha256 } from '../fixtures';
import type { ForwardProxy } from '../harness/forward-proxy.ts';
import { startForwardProxy } from '../harness/forward-proxy.ts';
import type { N8nInstance } from '../harness/real-n8n.ts';
import {
	executeWorkflow,
	examplesCredential,
	importPrunaCredential,
	importWorkflows,
	itemsOf,
	manualTriggerNode,
	n8nRelease,
	n8nReleases,
	prepareN8n,
	storedBinaryPath,
} from '../harness/real-n8n.ts';
import { PrunaSimulator } from '../simulator/server.ts';

const simulator = new PrunaSimulator({ defaultPlan: { startingMs: 100, processingMs: 400 } });
const workFolder = mkdtempSync(join(tmpdir(), 'pruna-e2e-proxy-'));
const proxyLogin = { username: 'builder', password: 'Corp0rate-Pass' };
let proxy: ForwardProxy;
let n8n: N8nInstance;

const workflowId = 'createthroughproxy';

beforeAll(async () => {
	await simulator.listen();
	const port = Number(new URL(simulator.baseUrl).port);
	proxy = await startForwardProxy({
		routes: { [`pruna-sim.invalid:${port}`]: port },
		credentials: proxyLogin,
	});
	simulator.baseUrl = `http://pruna-sim.invalid:${port}`;
	n8n = await prepareN8n(join(workFolder, 'n8n'));
	// The node's proxy is the only one: none for the instance.
	for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy'])
		delete n8n.env[name];
	await importPrunaCredential(n8n, simulator);
	await importWorkflows(n8n, [
		{
			id: workflowId,
			workflow: {
				name: 'Create Prediction through the node proxy',
				settings: { executionOrder: 'v1' },
				nodes: [
					manualTriggerNode,
					{
						id: 'c',
						name: 'Generate',
						type: 'n8n-nodes-pruna.prunaCreatePrediction',
						typeVersion: 1,
						position: [200, 0],
						credentials: { prunaApi: examplesCredential },
						parameters: {
							model: 'p-image',
							prompt: 'a lighthouse at dawn',
							options: { trySync: false, downloadOutput: true, pollIntervalSeconds: 0.2 },
							requestOptions: { proxy: proxy.url },
						},
					},
				],
				connections: { Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] } },
			},
		},
	]);
});

afterAll(async () => {
	await proxy?.close();
	await simulator.close();
	rmSync(workFolder, { recursive: true, force: true });
});

const describeCurrent = n8nRelease === n8nReleases.current ? describe : describe.skip;

describeCurrent(`Request Options → Proxy in n8n ${n8nRelease.version} (n8n execute)`, () => {
	test('Create Prediction, Try Sync off, Download Output: the create, the status checks and the download all go through the node proxy', async () => {
		const { result, execution } = await executeWorkflow(n8n, workflowId);
		if (!execution)
			throw new Error(`n8n execute printed no execution\n${result.stdout}\n${result.stderr}`);

		expect(execution.data.resultData.error?.message).toBeUndefined();
		expect(execution.status).toBe('success');
		const [prediction] = [...simulator.predictions.values()];
		const [item] = itemsOf(execution, 'Generate');
		expect(item.json).toMatchObject({ id: prediction.id, status: 'succeeded' });
		const stored = readFileSync(storedBinaryPath(n8n, item.binary!.data.id!));
		expect(sha256(stored)).toBe(sha256(simulator.contentBytes(prediction.deliveryPath)));

		const bypassed = simulator.requests.filter(
			(request) => !proxy.upstreamPorts.has(request.remotePort ?? -1),
		);
		expect(bypassed).toEqual([]);
		const proxied = proxy.requests.map((request) => new URL(request.url).pathname);
		expect(proxied.filter((path) => path === '/v1/predictions')).toHaveLength(1);
		expect(
			proxied.filter((path) => path.startsWith('/v1/predictions/status/')).length,
		).toBeGreaterThan(0);
		expect(proxied.filter((path) => path.startsWith('/v1/predictions/delivery/'))).toHaveLength(1);
		expect(proxied).toHaveLength(simulator.requests.length);
		const login = `Basic ${Buffer.from(`${proxyLogin.username}:${proxyLogin.password}`).toString('base64')}`;
		for (const request of proxy.requests) expect(request.proxyAuthorization).toBe(login);
		for (const request of simulator.requests) expect(request.headers.apikey).toBe(simulator.apiKey);
	});
});
