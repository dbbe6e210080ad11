/**
 * The Request Options n8n adds to every declarative node (Proxy, Ignore SSL Issues, Timeout,
 * Batching) hold for every request a node makes: the routed one, and the pipeline's own (status
 * checks while waiting, downloads, redirect hops, retries). The proxy is the only route to the
 * simulator: the credential's base URL names a host no DNS resolves, which only the proxy maps to
 * the simulator's port, and no HTTP_PROXY is set. A request that went around it would fail, and
 * one that reached the simulator some other way would show up as a client port the proxy never
 * opened.
 */
import type { INodeParameters } from 'n8n-workflow';

import {
	chain,
	credentialsFor,
	fastPolling,
	nodeType,
	prunaNode,
	sha256,
	suiteSimulator,
} from './fixtures';
import type { ForwardProxy } from './harness/forward-proxy';
import { startForwardProxy } from './harness/forward-proxy';
import type { RunResult } from './harness/run';
import { readBinary, runWorkflow, storeBinary } from './harness/run';
import { selfSignedCertificate } from './harness/self-signed';
import type { PrunaSimulator } from './simulator/server.ts';
import { makePng } from './simulator/png.ts';

const proxyCredentials = { username: 'builder', password: 'Corp0rate-Pass' };
const expectedProxyAuthorization = `Basic ${Buffer.from('builder:Corp0rate-Pass').toString('base64')}`;

const simulator = suiteSimulator();
/** Another origin, like a CDN: a download may be redirected there, and it must get no key. */
const cdn = suiteSimulator({ requireApiKey: false });
const certificate = selfSignedCertificate('pruna-secure.invalid');
const secure = suiteSimulator('missing' in certificate ? {} : { tls: certificate });
/** Where each simulator listens on 127.0.0.1 (their `baseUrl` is changed to a name only the proxy knows). */
const ports = new Map<PrunaSimulator, number>();

let proxy: ForwardProxy;

beforeAll(async () => {
	delete process.env.HTTP_PROXY;
	delete process.env.HTTPS_PROXY;
	delete process.env.http_proxy;
	delete process.env.https_proxy;
	for (const server of [simulator, cdn, secure])
		ports.set(server, Number(new URL(server.baseUrl).port));
	proxy = await startForwardProxy({
		routes: {
			[`pruna-sim.invalid:${ports.get(simulator)}`]: ports.get(simulator)!,
			[`cdn.invalid:${ports.get(cdn)}`]: ports.get(cdn)!,
			[`pruna-secure.invalid:${ports.get(secure)}`]: ports.get(secure)!,
		},
		credentials: proxyCredentials,
	});
});
afterAll(async () => await proxy?.close());
beforeEach(() => proxy.reset());

/** Names the simulator by a host only the proxy resolves (or, for `direct`, by its address). */
function reachAs(server: PrunaSimulator, host: string, scheme = 'http') {
	server.baseUrl = `${scheme}://${host}:${ports.get(server)}`;
}

/** Requests that reached `server` on a connection the proxy did not open. */
const bypassed = (server: PrunaSimulator) =>
	server.requests.filter((request) => !proxy.upstreamPorts.has(request.remotePort ?? -1));

/** What the proxy let through, as `METHOD-less path` of its absolute URI, for plain HTTP. */
const proxiedPaths = () =>
	proxy.requests
		.filter((request) => request.kind === 'http' && request.allowed)
		.map((request) => new URL(request.url).pathname);

async function run(
	server: PrunaSimulator,
	name: string,
	type: (typeof nodeType)[keyof typeof nodeType],
	parameters: INodeParameters,
	requestOptions: INodeParameters,
	input?: Parameters<typeof runWorkflow>[1]['input'],
): Promise<RunResult> {
	return await runWorkflow(chain(prunaNode(name, type, { ...parameters, requestOptions })), {
		credentials: credentialsFor(server),
		input,
	});
}

const throughProxy = () => ({ proxy: proxy.url });

/** Create Prediction with Try Sync off, so it creates, then checks the status, then downloads. */
function createLighthouse(
	options: INodeParameters = { waitUntilDone: true, downloadOutput: true },
) {
	return {
		model: 'p-image',
		prompt: 'a lighthouse',
		options: { trySync: false, ...options, ...fastPolling },
	};
}
const createAndDownload = createLighthouse();

function expectSuccess(result: RunResult) {
	expect(result.error?.message).toBeUndefined();
	expect(result.status).toBe('success');
}

async function expectDownloadedOutput(result: RunResult, server: PrunaSimulator, nodeName: string) {
	const [item] = result.nodes[nodeName].items;
	const id = String(item.json.id ?? '');
	const expected = server.contentBytes(server.deliveryPathOf(id));
	expect(sha256(await readBinary(item.binary!.data))).toBe(sha256(expected));
}

/** Every request the simulator saw came through the proxy, carried the key, and the proxy saw the proxy login. */
function expectAllThroughProxy(server: PrunaSimulator) {
	expect(server.requests.length).toBeGreaterThan(0);
	expect(bypassed(server)).toEqual([]);
	for (const request of server.requests) expect(request.headers.apikey).toBe(server.apiKey);
	expect(proxy.requests.length).toBeGreaterThan(0);
	for (const request of proxy.requests) {
		expect(request.proxyAuthorization).toBe(expectedProxyAuthorization);
		expect(request.allowed).toBe(true);
	}
}

describe('Request Options → Proxy: the only route to Pruna, for every request', () => {
	beforeEach(() => {
		reachAs(simulator, 'pruna-sim.invalid');
		reachAs(cdn, 'cdn.invalid');
	});

	test('Create Prediction, Try Sync off, Wait Until Done and Download Output: the create, every status check and the download go through it', async () => {
		simulator.defaultPlan = { startingMs: 50, processingMs: 150 };
		const result = await run(
			simulator,
			'Create',
			nodeType.create,
			createAndDownload,
			throughProxy(),
		);

		expectSuccess(result);
		await expectDownloadedOutput(result, simulator, 'Create');
		expectAllThroughProxy(simulator);
		const paths = proxiedPaths();
		expect(paths.filter((path) => path === '/v1/predictions')).toHaveLength(1);
		expect(
			paths.filter((path) => path.startsWith('/v1/predictions/status/')).length,
		).toBeGreaterThan(0);
		expect(paths.filter((path) => path.startsWith('/v1/predictions/delivery/'))).toHaveLength(1);
		expect(simulator.requestsTo('/v1/predictions/status/').length).toBe(
			paths.filter((path) => path.startsWith('/v1/predictions/status/')).length,
		);
	});

	test('Get Prediction Status, checked once and waiting', async () => {
		const once = simulator.addPrediction({ startingMs: 0, processingMs: 0 });
		expectSuccess(
			await run(
				simulator,
				'Status',
				nodeType.status,
				{ predictionId: once.id, waitUntilDone: false },
				throughProxy(),
			),
		);
		const waited = simulator.addPrediction({ startingMs: 100, processingMs: 200 });
		const result = await run(
			simulator,
			'Status',
			nodeType.status,
			{ predictionId: waited.id, options: fastPolling },
			throughProxy(),
		);

		expectSuccess(result);
		expect(result.nodes.Status.items[0].json.status).toBe('succeeded');
		expectAllThroughProxy(simulator);
		// The waiting run checked more than once: its later checks are the pipeline's own.
		expect(simulator.requestsTo(`/v1/predictions/status/${waited.id}`).length).toBeGreaterThan(1);
	});

	test('Download Content, redirected to another origin: both hops go through it, the key only to the base URL', async () => {
		const path = 'abcd/efgh/output_1_0.png';
		const cdnUrl = cdn.addContent(path, { kind: 'png', width: 80, height: 60 });
		const url = simulator.addContent(path, { kind: 'png' });
		simulator.injectFault({
			path: `/v1/predictions/delivery/${path}`,
			fault: { kind: 'redirect', location: cdnUrl, status: 302 },
		});

		const result = await run(
			simulator,
			'Download',
			nodeType.download,
			{ url, binaryPropertyName: 'data' },
			throughProxy(),
		);

		expectSuccess(result);
		const [item] = result.nodes.Download.items;
		expect(sha256(await readBinary(item.binary!.data))).toBe(sha256(cdn.contentBytes(path)));
		expectAllThroughProxy(simulator);
		expect(cdn.requests).toHaveLength(1);
		expect(bypassed(cdn)).toEqual([]);
		expect(cdn.requests[0].headers.apikey).toBeUndefined();
		expect(proxiedPaths()).toEqual([
			`/v1/predictions/delivery/${path}`,
			`/v1/predictions/delivery/${path}`,
		]);
		expect(proxy.requests.map((request) => request.target)).toEqual([
			`pruna-sim.invalid:${ports.get(simulator)}`,
			`cdn.invalid:${ports.get(cdn)}`,
		]);
	});

	test('Upload File', async () => {
		const png = makePng(40, 30);
		const binary = await storeBinary(png, { fileName: 'in.png', mimeType: 'image/png' });
		const result = await run(
			simulator,
			'Upload',
			nodeType.upload,
			{ binaryPropertyName: 'data' },
			throughProxy(),
			[{ json: {}, binary: { data: binary } }],
		);

		expectSuccess(result);
		expect([...simulator.files.values()][0].sha256).toBe(sha256(png));
		expectAllThroughProxy(simulator);
	});

	test('a retried status check goes through it too', async () => {
		const { id } = simulator.addPrediction({ startingMs: 0, processingMs: 0 });
		simulator.injectFault({
			path: `/v1/predictions/status/${id}`,
			times: 2,
			fault: { kind: 'status', status: 503 },
		});

		const result = await run(
			simulator,
			'Status',
			nodeType.status,
			{ predictionId: id, waitUntilDone: false },
			throughProxy(),
		);

		expectSuccess(result);
		expect(
			simulator.requestsTo(`/v1/predictions/status/${id}`).map((request) => request.status),
		).toEqual([503, 503, 200]);
		expectAllThroughProxy(simulator);
	});

	test('Batching (one item per batch) keeps working through it', async () => {
		const ids = [0, 1, 2].map(() => simulator.addPrediction().id);
		const result = await runWorkflow(
			chain(
				prunaNode('Status', nodeType.status, {
					predictionId: '={{ $json.id }}',
					options: fastPolling,
					requestOptions: {
						proxy: proxy.url,
						batching: { batch: { batchSize: 1, batchInterval: 20 } },
					},
				}),
			),
			{ credentials: credentialsFor(simulator), input: ids.map((id) => ({ json: { id } })) },
		);

		expectSuccess(result);
		expect(result.nodes.Status.items.map((item) => item.json.id)).toEqual(ids);
		expectAllThroughProxy(simulator);
	});

	test("without a proxy on the node, the instance's HTTP_PROXY carries every request, as before", async () => {
		simulator.defaultPlan = { startingMs: 50, processingMs: 150 };
		process.env.HTTP_PROXY = proxy.url;
		let result: RunResult;
		try {
			result = await run(simulator, 'Create', nodeType.create, createAndDownload, {});
		} finally {
			delete process.env.HTTP_PROXY;
		}

		expectSuccess(result);
		await expectDownloadedOutput(result, simulator, 'Create');
		expectAllThroughProxy(simulator);
		expect(
			proxiedPaths().filter((path) => path.startsWith('/v1/predictions/status/')).length,
		).toBeGreaterThan(0);
	});

	test('a proxy that refuses the login fails the item with its answer; nothing reaches Pruna', async () => {
		const wrongLogin = new URL(proxy.url);
		wrongLogin.password = 'wrong';
		const { id } = simulator.addPrediction();

		const result = await run(
			simulator,
			'Status',
			nodeType.status,
			{ predictionId: id },
			{ proxy: wrongLogin.toString() },
		);

		expect(result.status).toBe('error');
		expect(simulator.requests).toHaveLength(0);
		expect(proxy.requests.map((request) => request.allowed)).toEqual([false]);
	});
});

const describeSecure = 'missing' in certificate ? describe.skip : describe;
if ('missing' in certificate) {
	console.warn(`Skipping the HTTPS tests: ${certificate.missing}`);
}

describeSecure('a Pruna on HTTPS with a self-signed certificate', () => {
	beforeEach(() => reachAs(secure, '127.0.0.1', 'https'));

	test('Ignore SSL Issues on: Create Prediction waits and downloads, Get Status waits, Download Content and Upload File work', async () => {
		secure.defaultPlan = { startingMs: 50, processingMs: 100 };
		const ignore = { allowUnauthorizedCerts: true };

		const created = await run(secure, 'Create', nodeType.create, createAndDownload, ignore);
		expectSuccess(created);
		await expectDownloadedOutput(created, secure, 'Create');
		expect(secure.requestsTo('/v1/predictions/status/').length).toBeGreaterThan(0);

		const waited = secure.addPrediction({ startingMs: 100, processingMs: 100 });
		const status = await run(
			secure,
			'Status',
			nodeType.status,
			{ predictionId: waited.id, options: fastPolling },
			ignore,
		);
		expectSuccess(status);
		expect(secure.requestsTo(`/v1/predictions/status/${waited.id}`).length).toBeGreaterThan(1);

		const url = secure.addContent('abcd/efgh/output_9_0.png', { kind: 'png' });
		const download = await run(
			secure,
			'Download',
			nodeType.download,
			{ url, binaryPropertyName: 'data' },
			ignore,
		);
		expectSuccess(download);

		const png = makePng(20, 20);
		const binary = await storeBinary(png, { fileName: 'in.png', mimeType: 'image/png' });
		const upload = await run(
			secure,
			'Upload',
			nodeType.upload,
			{ binaryPropertyName: 'data' },
			ignore,
			[{ json: {}, binary: { data: binary } }],
		);
		expectSuccess(upload);
	});

	test('Ignore SSL Issues off: a clear certificate error that says what to do; nothing is answered', async () => {
		const { id } = secure.addPrediction();

		const result = await run(secure, 'Status', nodeType.status, { predictionId: id }, {});

		expect(result.status).toBe('error');
		const error = result.nodes.Status.error as { message: string; description?: string };
		expect(error.message).toBe(
			`The certificate of ${secure.baseUrl} is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)`,
		);
		expect(error.description).toContain(
			"turn on Ignore SSL Issues under the node's Request Options",
		);
		expect(secure.requests).toHaveLength(0);
	});

	test('through the proxy (CONNECT) with Ignore SSL Issues on: Create Prediction waits and downloads, nothing goes around it', async () => {
		reachAs(secure, 'pruna-secure.invalid', 'https');
		secure.defaultPlan = { startingMs: 50, processingMs: 100 };

		const result = await run(secure, 'Create', nodeType.create, createAndDownload, {
			proxy: proxy.url,
			allowUnauthorizedCerts: true,
		});

		expectSuccess(result);
		await expectDownloadedOutput(result, secure, 'Create');
		expectAllThroughProxy(secure);
		expect(proxy.requests.every((request) => request.kind === 'connect')).toBe(true);
		expect(secure.requestsTo('/v1/predictions/status/').length).toBeGreaterThan(0);
	});
});

describe('Request Options → Timeout: status checks and downloads too', () => {
	beforeEach(() => reachAs(simulator, '127.0.0.1'));

	test.each([
		{
			stalls: 'a status check while Create Prediction waits',
			path: '/v1/predictions/status/',
			plan: { startingMs: 100, processingMs: 100 },
			options: { waitUntilDone: true },
		},
		{
			stalls: "Create Prediction's download",
			path: '/v1/predictions/delivery/',
			plan: { startingMs: 0, processingMs: 50 },
			options: { downloadOutput: true },
		},
	])("$stalls: fails after the node's Timeout", async ({ path, plan, options }) => {
		simulator.defaultPlan = plan;
		simulator.injectFault({ path, fault: { kind: 'stall' } });

		const result = await run(simulator, 'Create', nodeType.create, createLighthouse(options), {
			timeout: 700,
		});

		expect(result.status).toBe('error');
		expect((result.nodes.Create.error as { message: string }).message).toBe(
			'Pruna did not answer within 0.7 s: the request timed out',
		);
		expect(simulator.requestsTo(path)).toHaveLength(1);
	});
});
