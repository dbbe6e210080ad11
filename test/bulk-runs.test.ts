/**
 * Bulk runs at Pruna's quotas: batches larger than a quota window, runs sharing a quota, pacing that
 * stops on cancel, and paid work never lost or duplicated (the error of a stopped run names what it
 * created; Retry On Fail reuses it). Windows are scaled to one second; the limits are Pruna's own
 * where the catalog has them. Each test has a simulator of its own: a quota is shared by everything
 * that uses the same origin and key in the process, which is the point.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { SimulatorOptions } from './simulator/server.ts';
import { PrunaSimulator } from './simulator/server.ts';
import { chain, credentialsFor, fastPolling, nodeType, prunaNode } from './fixtures';
import type { RunResult } from './harness/run';
import { runWorkflow, startWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';
import { windowOf } from './harness/shared-quota';

let simulator: PrunaSimulator;

async function withSimulator(options: SimulatorOptions): Promise<PrunaSimulator> {
	simulator = await PrunaSimulator.start({ rateLimitWindowMs: 1000, ...options });
	return simulator;
}

afterEach(async () => await simulator?.close());

function answers(sim: PrunaSimulator, method: string, pathPrefix: string): number[] {
	return sim.requests
		.filter((request) => request.method === method && request.path.startsWith(pathPrefix))
		.map((request) => request.status ?? 0);
}

const count = (statuses: number[], status: number) =>
	statuses.filter((each) => each === status).length;

/** The run succeeded and every item of `node` has `status` (a prediction status). */
function expectEvery(result: RunResult, node: string, items: number, status = 'succeeded') {
	expect(result.status).toBe('success');
	expect(result.nodes[node].items.map((item) => item.json.status)).toEqual(
		Array(items).fill(status),
	);
}

function prompts(items: number): INodeExecutionData[] {
	return Array.from({ length: items }, (_, index) => ({ json: { prompt: `picture ${index}` } }));
}

/** p-image-trainer: Pruna allows 5 creates a minute; the simulator, 5 a (scaled) window. */
function createNode(parameters: INodeParameters = {}, extra = {}) {
	return prunaNode(
		'Create',
		nodeType.create,
		{
			model: 'p-image-trainer',
			image_data: '={{ "https://example.com/set-" + $json.prompt.length + ".zip" }}',
			options: { waitUntilDone: true, ...fastPolling },
			...parameters,
		},
		extra,
	);
}

describe('a batch beyond the quota', () => {
	test('Create Prediction: 23 items of p-image-trainer (5 a window) all succeed, each created once, never past the limit', async () => {
		const sim = await withSimulator({ defaultPlan: { processingMs: 50 } });

		const result = await runWorkflow(chain(createNode()), {
			credentials: credentialsFor(sim),
			input: prompts(23),
		});

		expectEvery(result, 'Create', 23);
		const creates = answers(sim, 'POST', '/v1/predictions');
		expect(count(creates, 201)).toBe(23);
		// Paced from the model's published limit and the headers: no window was overrun.
		expect(count(creates, 429)).toBe(0);
		const ids = new Set(result.nodes.Create.items.map((item) => item.json.id));
		expect(ids.size).toBe(23);
	}, 30_000);

	test('Upload File: 20 items at 4 uploads a window all succeed, with no 429', async () => {
		const sim = await withSimulator({ rateLimits: { files: 4 } });
		const input = await Promise.all(
			Array.from({ length: 20 }, async (_, index) => ({
				json: {},
				binary: {
					data: await storeBinary(makePng(8, 8, index), {
						fileName: `in${index}.png`,
						mimeType: 'image/png',
					}),
				},
			})),
		);

		const result = await runWorkflow(
			chain(prunaNode('Upload', nodeType.upload, { binaryPropertyName: 'data' })),
			{ credentials: credentialsFor(sim), input },
		);

		expect(result.status).toBe('success');
		expect(result.nodes.Upload.items.map((item) => item.json.name)).toEqual(
			input.map((_, index) => `in${index}.png`),
		);
		const uploads = answers(sim, 'POST', '/v1/files');
		expect(count(uploads, 201)).toBe(20);
		expect(count(uploads, 429)).toBe(0);
	}, 30_000);

	test('Get Prediction Status: 40 items polling at 30 checks a window are spread over it; all succeed', async () => {
		const sim = await withSimulator({ rateLimits: { status: 30 } });
		const ids = Array.from({ length: 40 }, () => sim.addPrediction({ processingMs: 1500 }).id);

		const result = await runWorkflow(
			chain(
				prunaNode('Status', nodeType.status, {
					predictionId: '={{ $json.id }}',
					options: { pollIntervalSeconds: 0.1, maxWaitSeconds: 30 },
				}),
			),
			{ credentials: credentialsFor(sim), input: ids.map((id) => ({ json: { id } })) },
		);

		expectEvery(result, 'Status', 40);
		const checks = answers(sim, 'GET', '/v1/predictions/status/');
		expect(count(checks, 429)).toBe(0);
		// Every item checked more than once, yet the server never had to refuse a check.
		expect(count(checks, 200)).toBeGreaterThanOrEqual(80);
	}, 30_000);
});

test('a custom model learns its limit from the first answer: 10 items at 3 a window, no 429', async () => {
	const sim = await withSimulator({});
	sim.defineModel({
		name: 'p-image-pro',
		task: 'textToImage',
		summary: 'a model newer than the catalog',
		requestsPerMinute: 3,
		fields: [{ name: 'prompt', type: 'string', required: true }],
	});

	const result = await runWorkflow(
		chain(
			createNode({
				model: 'custom',
				customModel: 'p-image-pro',
				additionalInput: '={{ JSON.stringify({ prompt: $json.prompt }) }}',
				options: {},
			}),
		),
		{ credentials: credentialsFor(sim), input: prompts(10) },
	);

	expect(result.status).toBe('success');
	expect(result.nodes.Create.items.map((item) => item.json.model)).toEqual(
		Array(10).fill('p-image-pro'),
	);
	expect(answers(sim, 'POST', '/v1/predictions')).toEqual(Array(10).fill(201));
}, 30_000);

test('a sliding window is followed too: 12 creates at 5 a window, each created once', async () => {
	const sim = await withSimulator({
		rateLimitWindow: 'sliding',
		defaultPlan: { processingMs: 50 },
	});

	const result = await runWorkflow(chain(createNode()), {
		credentials: credentialsFor(sim),
		input: prompts(12),
	});

	expect(result.status).toBe('success');
	const creates = answers(sim, 'POST', '/v1/predictions');
	expect(count(creates, 201)).toBe(12);
	expect(count(creates, 429)).toBeLessThanOrEqual(3);
}, 30_000);

test('Max Requests at Once caps the requests in flight: 40 slow checks, never more than 5 open', async () => {
	const sim = await withSimulator({});
	const ids = Array.from({ length: 40 }, () => sim.addPrediction().id);
	sim.injectFault({ path: '/v1/predictions/status/', fault: { kind: 'latency', ms: 100 } });

	const result = await runWorkflow(
		chain(
			prunaNode('Status', nodeType.status, {
				predictionId: '={{ $json.id }}',
				waitUntilDone: false,
				options: { maxConcurrentRequests: 5 },
			}),
		),
		{ credentials: credentialsFor(sim), input: ids.map((id) => ({ json: { id } })) },
	);

	expect(result.status).toBe('success');
	expect(result.nodes.Status.items).toHaveLength(40);
	expect(answers(sim, 'GET', '/v1/predictions/status/')).toHaveLength(40);
	expect(sim.maxInFlight('/v1/predictions/status/')).toBe(5);
});

test('two runs at once share one quota: every item of both succeeds, each created once', async () => {
	const sim = await withSimulator({ defaultPlan: { processingMs: 50 } });
	const run = async () =>
		await runWorkflow(chain(createNode()), { credentials: credentialsFor(sim), input: prompts(8) });

	const [first, second] = await Promise.all([run(), run()]);

	for (const result of [first, second]) {
		expectEvery(result, 'Create', 8);
	}
	const creates = answers(sim, 'POST', '/v1/predictions');
	expect(count(creates, 201)).toBe(16);
	expect(count(creates, 429)).toBe(0);
}, 30_000);

test('cancelling a paced run stops it at once: the items still waiting for the quota send nothing', async () => {
	const sim = await withSimulator({ rateLimitWindowMs: 30_000 });
	const running = await startWorkflow(chain(createNode({ options: { waitUntilDone: false } })), {
		credentials: credentialsFor(sim),
		input: prompts(12),
	});
	// Cancel once the window's 5 creates have arrived (however long the engine took to start) and a
	// moment has passed in which a sixth would go out if pacing let it.
	await sim.untilRequests('/v1/predictions', 5);
	await new Promise((resolve) => setTimeout(resolve, 100));

	const cancelledAt = Date.now();
	running.cancel();
	const result = await running.done;
	await running.settled;
	const stoppedAfterMs = Date.now() - cancelledAt;
	await new Promise((resolve) => setTimeout(resolve, 300));

	expect(result.status).toBe('canceled');
	// p-image-trainer takes 5 creates a window: the other 7 were waiting and never went out.
	expect(answers(sim, 'POST', '/v1/predictions')).toHaveLength(5);
	expect(stoppedAfterMs).toBeLessThan(1000);
});

test('the error of a stopped run names every prediction the run created, with its status URL', async () => {
	const sim = await withSimulator({});
	// The second item's extra field is refused by Pruna (422); the other two are created.
	const result = await runWorkflow(
		chain(
			createNode({
				model: 'p-image',
				prompt: '={{ $json.prompt }}',
				additionalInput: '={{ $json.extra }}',
				options: {},
			}),
		),
		{
			credentials: credentialsFor(sim),
			input: [
				{ json: { prompt: 'a', extra: '{}' } },
				{ json: { prompt: 'b', extra: '{"colour": "red"}' } },
				{ json: { prompt: 'c', extra: '{}' } },
			],
		},
	);

	expect(result.status).toBe('error');
	expect(result.error?.message).toMatch(
		/^Create prediction with p-image: Pruna rejected the input/,
	);
	const description = String(result.error?.description);
	const ids = [...sim.predictions.keys()];
	expect(ids).toHaveLength(2);
	expect(description).toContain('Predictions this run created (2)');
	for (const id of ids) {
		expect(description).toContain(`${id} (${sim.baseUrl}/v1/predictions/status/${id})`);
	}
});

test('Retry On Fail creates nothing twice: the second try reuses the predictions of the first', async () => {
	const sim = await withSimulator({ defaultPlan: { processingMs: 100 } });
	// The first status check after creating fails with a 401 (which ends a wait at once), so the
	// first try of the node fails after all three predictions were created.
	sim.injectFault({
		path: '/v1/predictions/status/',
		times: 1,
		fault: { kind: 'status', status: 401, code: 'UNAUTHORIZED', message: 'Invalid API key' },
	});

	const result = await runWorkflow(
		chain(
			createNode(
				{
					model: 'p-image',
					prompt: '={{ $json.prompt }}',
					// Polled, not Try-Sync (an image model's default when waiting): the check fails.
					options: { waitUntilDone: true, trySync: false, ...fastPolling },
				},
				{ retryOnFail: true, maxTries: 2, waitBetweenTries: 0 },
			),
		),
		{ credentials: credentialsFor(sim), input: prompts(3) },
	);

	expect(result.status).toBe('success');
	expect(result.nodes.Create.items.map((item) => item.json.status)).toEqual([
		'succeeded',
		'succeeded',
		'succeeded',
	]);
	expect(answers(sim, 'POST', '/v1/predictions')).toEqual([201, 201, 201]);
	expect(answers(sim, 'GET', '/v1/predictions/status/')).toContain(401);
	expect(new Set(result.nodes.Create.items.map((item) => item.json.id)).size).toBe(3);
	expect(result.nodes.Create.items.map((item) => item.json.id).sort()).toEqual(
		[...sim.predictions.keys()].sort(),
	);
});

/** The simulator's fixed windows: each starts with the first request after the last one ended. */
function windowsOf(requests: Array<{ receivedAt: number; status?: number }>, windowMs: number) {
	const windows: Array<{ startedAt: number; statuses: number[] }> = [];
	for (const request of [...requests].sort((a, b) => a.receivedAt - b.receivedAt)) {
		const current = windows.at(-1);
		if (!current || request.receivedAt - current.startedAt >= windowMs) {
			windows.push({ startedAt: request.receivedAt, statuses: [request.status ?? 0] });
		} else current.statuses.push(request.status ?? 0);
	}
	return windows;
}

test("the first window is paced too: 60 creates against an account's quota below the published one (10 a window, p-image publishes 500 a minute), at most one 429 a window", async () => {
	const sim = await withSimulator({ modelRateLimits: { 'p-image': 10 } });

	const result = await runWorkflow(
		chain(
			prunaNode('Create', nodeType.create, { model: 'p-image', prompt: '={{ $json.prompt }}' }),
		),
		{ credentials: credentialsFor(sim), input: prompts(60) },
	);

	expect(result.status).toBe('success');
	expect(result.nodes.Create.items).toHaveLength(60);
	const creates = sim.requests.filter(
		(request) => request.method === 'POST' && request.path === '/v1/predictions',
	);
	// Each prediction created once: only a 429 (nothing created) is sent again.
	expect(count(answers(sim, 'POST', '/v1/predictions'), 201)).toBe(60);
	expect(new Set(result.nodes.Create.items.map((item) => item.json.id)).size).toBe(60);
	const windows = windowsOf(creates, 1000);
	expect(windows.length).toBeGreaterThanOrEqual(6);
	for (const window of windows) expect(count(window.statuses, 429)).toBeLessThanOrEqual(1);
}, 30_000);

describe('Try-Sync and the quota', () => {
	const imageCreate = (items: number) =>
		runWorkflow(
			chain(
				prunaNode('Create', nodeType.create, {
					model: 'p-image',
					prompt: '={{ $json.prompt }}',
					options: { downloadOutput: true },
				}),
			),
			{ credentials: credentialsFor(simulator), input: prompts(items) },
		);
	const createsSentWithTrySync = () =>
		simulator.requests
			.filter((request) => request.method === 'POST' && request.path === '/v1/predictions')
			.map((request) => request.headers['try-sync'] === 'true');

	test('a single image goes with Try-Sync: its answer brings the result, no status check', async () => {
		await withSimulator({ defaultPlan: { startingMs: 0, processingMs: 100 } });
		const result = await imageCreate(1);
		expectEvery(result, 'Create', 1);
		expect(createsSentWithTrySync()).toEqual([true]);
		expect(answers(simulator, 'GET', '/v1/predictions/status/')).toEqual([]);
	});

	test("a batch's requests whose answers others wait for (the window's first, the soundings) go without Try-Sync; the claims between them keep it", async () => {
		await withSimulator({ defaultPlan: { startingMs: 0, processingMs: 100 } });
		const result = await imageCreate(12);
		expectEvery(result, 'Create', 12);
		expect(result.nodes.Create.items.every((item) => item.binary?.data)).toBe(true);
		// Alone on a fresh key, the claims double: 1, 2, 4, then 8 (of which 4 are left); each round
		// ends with a request that sounds the key. Held, those answers would hold the rest of the
		// batch for a whole generation. The window's first goes alone, so it arrives first.
		const sent = createsSentWithTrySync();
		expect(sent[0]).toBe(false);
		expect(sent.filter((trySync) => !trySync)).toHaveLength(4);
		expect(sent.filter((trySync) => trySync)).toHaveLength(8);
		// The items sent without Try-Sync follow their prediction by its ID: one check or more each.
		expect(answers(simulator, 'GET', '/v1/predictions/status/').length).toBeGreaterThanOrEqual(4);
	});
});

describe('Rate Limit Wait bounds a wait in which the run is given no room, not a place in its own line', () => {
	test('a batch six times longer than Rate Limit Wait: every item succeeds, each created once', async () => {
		// 5 creates a 1 s window: 60 items take 12 windows; an item may wait 2 s without room.
		const sim = await withSimulator({ defaultPlan: { processingMs: 50 } });
		const node = createNode({ options: { waitUntilDone: false, rateLimitWaitSeconds: 2 } });

		const result = await runWorkflow(chain(node), {
			credentials: credentialsFor(sim),
			input: prompts(60),
		});

		expectEvery(result, 'Create', 60, 'starting');
		const creates = answers(sim, 'POST', '/v1/predictions');
		expect(count(creates, 201)).toBe(60);
		expect(count(creates, 429)).toBe(0);
	}, 60_000);

	test("a run given no room fails at once when the quota's reset is beyond its Rate Limit Wait, saying what it waited for", async () => {
		const sim = await withSimulator({ rateLimitWindowMs: 30_000 });
		const create = (rateLimitWaitSeconds: number) =>
			createNode(
				{ options: { waitUntilDone: false, rateLimitWaitSeconds } },
				{ onError: 'continueRegularOutput' },
			);
		// An earlier run in this process spent the window's 5 creates.
		const first = await runWorkflow(chain(create(600)), {
			credentials: credentialsFor(sim),
			input: prompts(5),
		});
		expectEvery(first, 'Create', 5, 'starting');

		const second = await runWorkflow(chain(create(2)), {
			credentials: credentialsFor(sim),
			input: prompts(3),
		});

		const errors = second.nodes.Create.items.map((item) => String(item.json.error));
		expect(errors).toHaveLength(3);
		for (const error of errors) {
			expect(error).toMatch(
				/^Rate limit reached: Pruna's quota for creates with p-image-trainer gave this run no room for 0 s \(0 of its requests were ahead of this one; room again in (29|30) s\)$/,
			);
		}
		// Nothing was sent for them: the reset was known to be beyond their wait.
		expect(answers(sim, 'POST', '/v1/predictions')).toHaveLength(5);
	}, 30_000);
});

test('two executions at once in one process take turns: each gets creates in every window while both wait', async () => {
	// 10 creates a 2 s window for p-image; 30 items each: 6 windows.
	const sim = await withSimulator({
		rateLimitWindowMs: 2_000,
		modelRateLimits: { 'p-image': 10 },
		defaultPlan: { processingMs: 50 },
	});
	const node = prunaNode('Create', nodeType.create, {
		model: 'p-image',
		prompt: '={{ $json.prompt }}',
		options: { waitUntilDone: false },
	});
	const input = (execution: string) =>
		Array.from({ length: 30 }, (_, index) => ({ json: { prompt: `${execution} ${index}` } }));

	const results = await Promise.all(
		['first', 'second'].map(
			async (execution) =>
				await runWorkflow(chain(node), {
					credentials: credentialsFor(sim),
					input: input(execution),
				}),
		),
	);

	for (const result of results) expectEvery(result, 'Create', 30, 'starting');
	const creates = sim.requests.filter(
		(request) => request.method === 'POST' && request.path === '/v1/predictions',
	);
	expect(creates.filter((request) => request.status === 201)).toHaveLength(60);
	const windows = windowOf(
		creates.map((request) => request.receivedAt),
		2_000,
	);
	const executionOf = (index: number) =>
		String((creates[index].json as { input?: { prompt?: string } })?.input?.prompt).split(' ')[0];
	const lastWindowOf = (execution: string) =>
		Math.max(...windows.filter((_, index) => executionOf(index) === execution));
	const bothWaiting = Math.min(lastWindowOf('first'), lastWindowOf('second'));
	for (let window = 0; window <= bothWaiting; window++) {
		const inWindow = windows.flatMap((each, index) =>
			each === window && creates[index].status === 201 ? [executionOf(index)] : [],
		);
		expect({
			window,
			first: inWindow.includes('first'),
			second: inWindow.includes('second'),
		}).toEqual({ window, first: true, second: true });
	}
}, 60_000);
