/**
 * Every node against every fault the simulator can play. Each run has three items and On Error →
 * Continue; the fault hits one of them (or none, when a retry absorbs it). The expected outcome is
 * the right output, or one error item that names the problem while the other items go on.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { FaultRule, PrunaSimulator } from './simulator/server.ts';
import {
	chain,
	credentialsFor,
	fastPolling,
	packageNodes,
	prunaNode,
	sha256,
	suiteSimulator,
} from './fixtures';
import type { RunResult } from './harness/run';
import { readBinary, runWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';

type NodeKind = 'upload' | 'create' | 'status' | 'download';

const simulator = suiteSimulator({ defaultPlan: { startingMs: 10, processingMs: 60 } });
const continueOnFail = { onError: 'continueRegularOutput' } as const;
const itemCount = 3;

const paths: Record<NodeKind, string> = {
	upload: '/v1/files',
	create: '/v1/predictions',
	status: '/v1/predictions/status/',
	download: '/v1/predictions/delivery/',
};

interface Scenario {
	parameters: INodeParameters;
	input: INodeExecutionData[];
	/** Prediction ids or delivery paths per item, for faults aimed at one item. */
	targets: string[];
}

async function scenario(
	sim: PrunaSimulator,
	kind: NodeKind,
	extra: INodeParameters = {},
): Promise<Scenario> {
	const indexes = Array.from({ length: itemCount }, (_, index) => index);
	switch (kind) {
		case 'upload':
			return {
				parameters: { binaryPropertyName: 'data', ...extra },
				input: await Promise.all(
					indexes.map(async (index) => ({
						json: {},
						binary: {
							data: await storeBinary(makePng(16, 16, 100 + index), {
								fileName: `in${index}.png`,
								mimeType: 'image/png',
							}),
						},
					})),
				),
				targets: [],
			};
		case 'create':
			return {
				parameters: { model: 'p-image', prompt: '={{ $json.prompt }}', ...extra },
				input: indexes.map((index) => ({ json: { prompt: `prompt ${index}` } })),
				targets: [],
			};
		case 'status': {
			const ids = indexes.map(() => sim.addPrediction({ processingMs: 60 }).id);
			return {
				parameters: { predictionId: '={{ $json.id }}', options: fastPolling, ...extra },
				input: ids.map((id) => ({ json: { id } })),
				targets: ids,
			};
		}
		case 'download': {
			const contentPaths = indexes.map(
				(index) => `matrix/${Math.random().toString(36).slice(2)}/output_${index}.mp4`,
			);
			const urls = contentPaths.map((path) =>
				sim.addContent(path, { kind: 'bytes', size: 512 * 1024, contentType: 'video/mp4' }),
			);
			return {
				parameters: { url: '={{ $json.url }}', binaryPropertyName: 'data', ...extra },
				input: urls.map((url) => ({ json: { url } })),
				targets: contentPaths,
			};
		}
	}
}

/** Each node's scenario above, by the node's name. The nodes themselves come from package.json. */
const kindByNodeName: Record<string, NodeKind> = {
	prunaUploadFile: 'upload',
	prunaCreatePrediction: 'create',
	prunaPredictionStatus: 'status',
	prunaDownloadContent: 'download',
};

const matrixNodes = packageNodes().map((node) => ({
	type: node.type,
	kind: kindByNodeName[node.description.name] as NodeKind | undefined,
}));

test('every node package.json lists has its scenario in the fault matrix', () => {
	expect(matrixNodes.filter((node) => !node.kind).map((node) => node.type)).toEqual([]);
});

const types = Object.fromEntries(matrixNodes.map((node) => [node.kind, node.type])) as Record<
	NodeKind,
	string
>;

async function run(sim: PrunaSimulator, kind: NodeKind, setup: Scenario): Promise<RunResult> {
	return await runWorkflow(
		chain(prunaNode('Node', types[kind] as never, setup.parameters, continueOnFail)),
		{
			credentials: credentialsFor(sim),
			input: setup.input,
		},
	);
}

/** All items succeeded, each paired with its input, in order. */
function expectAllOk(result: RunResult): INodeExecutionData[] {
	expect(result.status).toBe('success');
	const items = result.nodes.Node.items;
	expect(items.map((item) => item.json.error)).toEqual(Array(itemCount).fill(undefined));
	expect(items.map((item) => item.pairedItem)).toEqual(
		Array.from({ length: itemCount }, (_, item) => ({ item })),
	);
	return items;
}

/** Exactly one error item, whose message matches; the others succeeded. Returns its index. */
function expectOneError(result: RunResult, message: RegExp): number {
	expect(result.status).toBe('success');
	const items = result.nodes.Node.items;
	expect(items).toHaveLength(itemCount);
	const failed = items.flatMap((item, index) => (item.json.error === undefined ? [] : [index]));
	expect(failed).toHaveLength(1);
	expect(String(items[failed[0]].json.error)).toMatch(message);
	expect(items.map((item) => item.pairedItem)).toEqual(
		Array.from({ length: itemCount }, (_, item) => ({ item })),
	);
	return failed[0];
}

function requestsFor(kind: NodeKind): number {
	return simulator.requests.filter(
		(request) =>
			request.path.startsWith(paths[kind]) &&
			(kind === 'create' ? request.method === 'POST' : true),
	).length;
}

const once = (kind: NodeKind, fault: FaultRule['fault']): FaultRule => ({
	path: paths[kind],
	method: kind === 'upload' || kind === 'create' ? 'POST' : 'GET',
	times: 1,
	fault,
});

const allKinds = matrixNodes.flatMap((node) => (node.kind ? [node.kind] : []));
/** Creating a prediction is paid: it is never sent again after a 5xx or a dropped connection. */
const repeatable = allKinds.filter((kind) => kind !== 'create');

describe('fault matrix: HTTP errors that are final', () => {
	test.each(allKinds)(
		'401 on %s: one error item says the key is invalid; the others go on',
		async (kind) => {
			const setup = await scenario(simulator, kind);
			simulator.injectFault(
				once(kind, {
					kind: 'status',
					status: 401,
					code: 'AUTHENTICATION_FAILED',
					message: 'Invalid or missing API key',
				}),
			);

			expectOneError(await run(simulator, kind, setup), /Invalid API key: Pruna rejected the key/);
			expect(requestsFor(kind)).toBeGreaterThanOrEqual(itemCount);
		},
	);

	test.each(['status', 'download'] as NodeKind[])(
		'404 on %s: "not found", with the item',
		async (kind) => {
			const setup = await scenario(simulator, kind);
			simulator.injectFault(
				once(kind, {
					kind: 'status',
					status: 404,
					code: 'NOT_FOUND',
					message: 'The requested resource was not found',
				}),
			);

			expectOneError(
				await run(simulator, kind, setup),
				/Not found: the ID or path does not exist, or it has expired\. \(NOT_FOUND/,
			);
		},
	);

	test('410 on download: the content has expired, and the node says how long Pruna keeps it', async () => {
		const setup = await scenario(simulator, 'download');
		simulator.expireContent(setup.targets[1]);

		const failed = expectOneError(
			await run(simulator, 'download', setup),
			/The content has expired: Pruna keeps generated files for about 24 hours/,
		);
		expect(failed).toBe(1);
	});

	test('413 on upload: the file is too large', async () => {
		const setup = await scenario(simulator, 'upload');
		simulator.injectFault(
			once('upload', {
				kind: 'status',
				status: 413,
				code: 'FILE_TOO_LARGE',
				message: 'File exceeds maximum size',
			}),
		);

		expectOneError(
			await run(simulator, 'upload', setup),
			/The file is too large: Pruna accepts uploads of up to 100 MB/,
		);
		expect(requestsFor('upload')).toBe(itemCount);
	});

	test('an invalid create input: that item names its field before anything is sent; the others are created', async () => {
		const setup = await scenario(simulator, 'create');
		setup.input[2] = { json: { prompt: '' } };

		const failed = expectOneError(
			await run(simulator, 'create', setup),
			/the input is not valid for this model \(item 2\): prompt is required\. If Pruna accepts/,
		);
		expect(failed).toBe(2);
		expect(requestsFor('create')).toBe(itemCount - 1);
	});
});

describe('fault matrix: transient faults', () => {
	test.each(repeatable.flatMap((kind) => [500, 502, 503].map((status) => [kind, status] as const)))(
		'%s survives a %i: retried after a backoff, every item succeeds',
		async (kind, status) => {
			const setup = await scenario(simulator, kind);
			simulator.injectFault(once(kind, { kind: 'status', status }));

			expectAllOk(await run(simulator, kind, setup));
			expect(simulator.requests.some((request) => request.status === status)).toBe(true);
		},
	);

	test.each([500, 502, 503])(
		'create is never repeated after a %i: one error item, one POST per item',
		async (status) => {
			const setup = await scenario(simulator, 'create');
			simulator.injectFault(once('create', { kind: 'status', status }));

			expectOneError(
				await run(simulator, 'create', setup),
				/^Create prediction with p-image: Pruna (had an internal error|is unreachable|is unavailable)/,
			);
			expect(requestsFor('create')).toBe(itemCount);
		},
	);

	test.each(repeatable)(
		'%s survives a connection reset: retried, every item succeeds',
		async (kind) => {
			const setup = await scenario(simulator, kind);
			simulator.injectFault(once(kind, { kind: 'reset' }));

			expectAllOk(await run(simulator, kind, setup));
			expect(requestsFor(kind)).toBeGreaterThan(itemCount);
		},
	);

	test('create is never repeated after a connection reset', async () => {
		const setup = await scenario(simulator, 'create');
		simulator.injectFault(once('create', { kind: 'reset' }));

		expectOneError(await run(simulator, 'create', setup), /connection to the server was closed/);
		expect(requestsFor('create')).toBe(itemCount);
	});

	test('download survives a body cut off midway: downloaded again, every file whole', async () => {
		const setup = await scenario(simulator, 'download');
		simulator.injectFault({
			path: `/v1/predictions/delivery/${setup.targets[0]}`,
			times: 1,
			fault: { kind: 'truncate', afterBytes: 100_000 },
		});

		const items = expectAllOk(await run(simulator, 'download', setup));
		for (const [index, item] of items.entries()) {
			expect(sha256(await readBinary(item.binary!.data))).toBe(
				sha256(simulator.contentBytes(setup.targets[index])),
			);
		}
	});

	test('create with Download Output survives a cut-off body without creating again', async () => {
		const setup = await scenario(simulator, 'create', {
			options: { downloadOutput: true, ...fastPolling },
		});
		simulator.injectFault({
			path: paths.download,
			times: 1,
			fault: { kind: 'truncate', afterBytes: 100 },
		});

		const items = expectAllOk(await run(simulator, 'create', setup));
		expect(items.every((item) => item.binary?.data.mimeType === 'image/png')).toBe(true);
		expect(requestsFor('create')).toBe(itemCount);
		expect(requestsFor('download')).toBe(itemCount + 1);
	});
});

describe('fault matrix: an outage while waiting', () => {
	const statusPrefix = '/v1/predictions/status/';
	const waitOptions = { pollIntervalSeconds: 0.2, maxWaitSeconds: 30 };

	/** The status endpoint answers 503, then drops connections, then recovers; returns when. */
	function statusOutage(sim: PrunaSimulator, halfMs: number) {
		const startedAt = Date.now();
		sim.injectFault({ path: statusPrefix, fault: { kind: 'status', status: 503 } });
		const over = new Promise<number>((resolve) =>
			setTimeout(() => {
				sim.clearFaults();
				sim.injectFault({ path: statusPrefix, fault: { kind: 'reset' } });
				setTimeout(() => {
					sim.clearFaults();
					resolve(Date.now());
				}, halfMs);
			}, halfMs),
		);
		return { startedAt, over };
	}

	test('shorter than Max Wait: every item succeeds soon after the API is back, with few polls during it', async () => {
		const items = 10;
		const ids = Array.from(
			{ length: items },
			() => simulator.addPrediction({ processingMs: 500 }).id,
		);
		const outage = statusOutage(simulator, 2500);

		const result = await runWorkflow(
			chain(
				prunaNode('Node', types.status, {
					predictionId: '={{ $json.id }}',
					options: waitOptions,
				}),
			),
			{ credentials: credentialsFor(simulator), input: ids.map((id) => ({ json: { id } })) },
		);
		const finishedAt = Date.now();
		const backAt = await outage.over;

		expect(result.status).toBe('success');
		expect(result.nodes.Node.items.map((item) => item.json.status)).toEqual(
			ids.map(() => 'succeeded'),
		);
		const duringOutage = simulator.requests.filter(
			(request) =>
				request.path.startsWith(statusPrefix) &&
				request.receivedAt >= outage.startedAt &&
				request.receivedAt < backAt,
		).length;
		// Polling every 0.2 s would make 25 checks per item in 5 s; the backoff makes at most 6. Three
		// quick retries (0.5 s, 1 s, 2 s) would have given up after 3.5 s.
		expect(duringOutage).toBeGreaterThanOrEqual(items);
		expect(duringOutage).toBeLessThanOrEqual(items * 6);
		// The longest pause between tries is 5 s: no item is left waiting longer once it is back.
		expect(finishedAt - backAt).toBeLessThan(5500);
	});

	test('longer than Max Wait: one clear error per item, naming the id, the status URL and the outage', async () => {
		const ids = [0, 1, 2].map(() => simulator.addPrediction({ processingMs: 60_000 }).id);
		simulator.injectFault({ path: statusPrefix, fault: { kind: 'status', status: 503 } });

		const result = await runWorkflow(
			chain(
				prunaNode(
					'Node',
					types.status,
					{
						predictionId: '={{ $json.id }}',
						options: { pollIntervalSeconds: 0.2, maxWaitSeconds: 2 },
					},
					continueOnFail,
				),
			),
			{ credentials: credentialsFor(simulator), input: ids.map((id) => ({ json: { id } })) },
		);

		const items = result.nodes.Node.items;
		expect(items).toHaveLength(3);
		items.forEach((item, index) => {
			expect(item.json.error).toMatch(
				new RegExp(`^Prediction ${ids[index]} is still "unknown" after waiting 2(\\.\\d)? s$`),
			);
			const description = String((item.error as { description?: string }).description);
			expect(description).toContain(
				"Max Wait (2 s) ran out while Pruna's status endpoint was failing",
			);
			expect(description).toContain('the last with HTTP 503');
			expect(description).toContain(`${simulator.baseUrl}/v1/predictions/status/${ids[index]}`);
			expect(item.pairedItem).toEqual({ item: index });
		});
	});

	test('a 404 during a wait ends it at once, with its own message', async () => {
		const { id } = simulator.addPrediction({ processingMs: 60_000 });
		const path = `${statusPrefix}${id}`;
		// The first check answers "processing"; the polls after it meet a 404.
		simulator.injectFault({ path, times: 1, fault: { kind: 'latency', ms: 0 } });
		simulator.injectFault({
			path,
			fault: { kind: 'status', status: 404, code: 'NOT_FOUND', message: 'Prediction not found' },
		});

		const startedAt = Date.now();
		const result = await runWorkflow(
			chain(
				prunaNode('Node', types.status, { predictionId: id, options: waitOptions }, continueOnFail),
			),
			{ credentials: credentialsFor(simulator), input: [{ json: {} }] },
		);

		expect(String(result.nodes.Node.items[0].json.error)).toMatch(
			new RegExp(`^Prediction ${id}: Not found`),
		);
		expect(simulator.requestsTo(path).map((request) => request.status)).toEqual([200, 404]);
		expect(Date.now() - startedAt).toBeLessThan(3000);
	});

	test('Create Prediction with Wait Until Done rides it out too, creating each prediction once', async () => {
		const outage = statusOutage(simulator, 2000);
		const result = await runWorkflow(
			chain(
				prunaNode('Node', types.create, {
					model: 'p-image',
					prompt: '={{ $json.prompt }}',
					options: { waitUntilDone: true, ...waitOptions },
				}),
			),
			{
				credentials: credentialsFor(simulator),
				input: ['a', 'b', 'c'].map((prompt) => ({ json: { prompt } })),
			},
		);
		await outage.over;

		expect(result.status).toBe('success');
		expect(result.nodes.Node.items.map((item) => item.json.status)).toEqual([
			'succeeded',
			'succeeded',
			'succeeded',
		]);
		expect(simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST')).toHaveLength(
			3,
		);
	});
});

describe('fault matrix: 429 bursts', () => {
	const limited = suiteSimulator({
		rateLimits: { files: 1, predictions: 1, status: 1, delivery: 1 },
		rateLimitWindowMs: 1000,
		defaultPlan: { processingMs: 10 },
	});

	test.each(allKinds)(
		'%s: paced by the RateLimit headers; every item succeeds, each request sent once more at most per 429',
		async (kind) => {
			const setup = await scenario(
				limited,
				kind,
				kind === 'status' ? { waitUntilDone: false } : {},
			);

			expectAllOk(await run(limited, kind, setup));
			const answers = limited.requests
				.filter((request) => request.path.startsWith(paths[kind]))
				.map((request) => request.status);
			// Every quota, a model's too (published at 500 a minute), learns the account's limit from
			// the first answer before a second request goes.
			expect(answers.filter((status) => status === 429)).toHaveLength(0);
			expect(answers.filter((status) => status !== 429)).toHaveLength(itemCount);
		},
	);
});

describe('fault matrix: stalls, and predictions that end badly', () => {
	test('a stalled status request ends in a clear timeout error for its item', async () => {
		const setup = await scenario(simulator, 'status', { requestOptions: { timeout: 500 } });
		simulator.injectFault({
			path: `/v1/predictions/status/${setup.targets[0]}`,
			fault: { kind: 'stall' },
		});

		const failed = expectOneError(
			await run(simulator, 'status', setup),
			/^Pruna did not answer within 0\.5 s: the request timed out$/,
		);
		expect(failed).toBe(0);
	});

	test('a download that stalls midway ends in an error for its item, not a hung execution', async () => {
		const setup = await scenario(simulator, 'download', { requestOptions: { timeout: 500 } });
		simulator.injectFault({
			path: `/v1/predictions/delivery/${setup.targets[2]}`,
			fault: { kind: 'stall', afterBytes: 64 * 1024 },
		});

		const failed = expectOneError(
			await run(simulator, 'download', setup),
			/^Download of \S+ stalled: no data arrived for 0\.5 s$/,
		);
		expect(failed).toBe(2);
	});

	test.each([
		[
			'failed',
			{ outcome: 'failed', error: 'NSFW content detected' },
			/^Prediction \w+ failed: NSFW content detected$/,
		],
		['canceled', { outcome: 'canceled' }, /^Prediction \w+ was canceled: Prediction was canceled$/],
	] as const)(
		'a %s prediction: Get Status and Create (waiting) end its item with an error naming it',
		async (_name, plan, message) => {
			const status = await scenario(simulator, 'status');
			const planned = simulator.addPrediction({ processingMs: 30, ...plan });
			status.input[1] = { json: { id: planned.id } };
			expect(expectOneError(await run(simulator, 'status', status), message)).toBe(1);

			simulator.defaultPlan = { processingMs: 30, ...plan };
			const create = await scenario(simulator, 'create', {
				options: { waitUntilDone: true, ...fastPolling },
			});
			const result = await run(simulator, 'create', create);
			expect(result.nodes.Node.items.map((item) => String(item.json.error))).toEqual(
				Array(itemCount).fill(expect.stringMatching(message)),
			);
		},
	);

	test('an expired upload used as input: the prediction fails, and the error says why', async () => {
		const upload = await scenario(simulator, 'upload');
		const uploaded = expectAllOk(await run(simulator, 'upload', upload)).map((item) =>
			String(item.json.url),
		);
		simulator.expireFile(uploaded[0].split('/').pop()!);

		const edit = await scenario(simulator, 'create', {
			model: 'p-image-edit',
			images: ['={{ $json.url }}'],
			options: { waitUntilDone: true, ...fastPolling },
		});
		edit.input = uploaded.map((url) => ({ json: { url, prompt: 'make it blue' } }));

		const failed = expectOneError(
			await run(simulator, 'create', edit),
			/^Prediction \w+ failed: Could not fetch input .*: the file does not exist or has expired$/,
		);
		expect(failed).toBe(0);
	});
});
