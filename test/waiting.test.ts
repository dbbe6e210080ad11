/**
 * How the nodes wait for a prediction at their defaults: Try-Sync for Pruna's image models when
 * Create Prediction waits, otherwise a schedule that checks soon and less often as the wait goes
 * on; settings made by hand kept as set; and a Try-Sync create whose answer is lost. The schedule
 * is pinned by the times the simulator recorded the checks at, with margins for a busy machine.
 */
import type { INodeParameters } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, prunaNode, suiteSimulator } from './fixtures';
import { runWorkflow } from './harness/run';
import { PrunaSimulator } from './simulator/server.ts';

const simulator = suiteSimulator({ defaultPlan: { startingMs: 20, processingMs: 300 } });

const createRequests = () =>
	simulator.requests.filter(
		(request) => request.method === 'POST' && request.path === '/v1/predictions',
	);

const statusArrivals = (server: PrunaSimulator, id: string) =>
	server.requests
		.filter((request) => request.path === `/v1/predictions/status/${id}`)
		.map((request) => request.receivedAt);

function gapsBetween(arrivals: number[]): number[] {
	return arrivals.slice(1).map((arrival, index) => arrival - arrivals[index]);
}

async function runCreate(parameters: INodeParameters, extra = {}) {
	return await runWorkflow(chain(prunaNode('Create', nodeType.create, parameters, extra)), {
		credentials: credentialsFor(simulator),
	});
}

async function runStatus(server: PrunaSimulator, parameters: INodeParameters) {
	return await runWorkflow(chain(prunaNode('Status', nodeType.status, parameters)), {
		credentials: credentialsFor(server),
	});
}

type NodeErrorLike = { message: string; description?: string };

describe('Create Prediction: Try-Sync when not set', () => {
	test('an image model with Wait Until Done: Try-Sync is sent, the result comes in the answer, no status check', async () => {
		const result = await runCreate({
			model: 'p-image',
			prompt: 'a kite',
			options: { waitUntilDone: true },
		});

		expect(result.status).toBe('success');
		expect(createRequests().map((request) => request.headers['try-sync'])).toEqual(['true']);
		expect(simulator.requestsTo('/v1/predictions/status/')).toHaveLength(0);
		const [prediction] = simulator.timeToResult().slice(-1);
		expect(prediction.statusChecks).toBe(0);
		// The simulator answered the held create when the prediction finished, not a check later.
		expect(prediction.reportedAt! - prediction.finishedAt).toBeGreaterThanOrEqual(0);
		expect(result.nodes.Create.items[0].json).toMatchObject({ status: 'succeeded' });
		expect(result.nodes.Create.items[0].json.id).toBeUndefined();
	});

	test('an image model without waiting: no Try-Sync, the answer has the ID at once', async () => {
		const result = await runCreate({ model: 'p-image', prompt: 'a kite' });

		expect(createRequests()[0].headers['try-sync']).toBeUndefined();
		expect(result.nodes.Create.items[0].json).toMatchObject({ status: 'starting' });
		expect(typeof result.nodes.Create.items[0].json.id).toBe('string');
	});

	test('Try Sync set off by hand (as saved by earlier versions) is kept: the node polls', async () => {
		const result = await runCreate({
			model: 'p-image',
			prompt: 'a kite',
			options: { trySync: false, waitUntilDone: true },
		});

		expect(result.nodes.Create.items[0].json).toMatchObject({ status: 'succeeded' });
		expect(createRequests()[0].headers['try-sync']).toBeUndefined();
		expect(simulator.requestsTo('/v1/predictions/status/').length).toBeGreaterThanOrEqual(1);
	});

	test('Try Sync set on by hand is sent for a video model too, even without waiting', async () => {
		await runCreate({ model: 'p-video', prompt: 'waves', options: { trySync: true } });

		expect(createRequests()[0].headers['try-sync']).toBe('true');
	});

	test('a video model waits by polling, first after 3 s and then every 3 s, with no Try-Sync', async () => {
		simulator.defaultPlan = { startingMs: 0, processingMs: 3_500 };

		const result = await runCreate({
			model: 'p-video',
			prompt: 'waves',
			options: { waitUntilDone: true },
		});

		expect(result.nodes.Create.items[0].json).toMatchObject({ status: 'succeeded' });
		const [create] = createRequests();
		expect(create.headers['try-sync']).toBeUndefined();
		const { id } = simulator.timeToResult().slice(-1)[0];
		const arrivals = statusArrivals(simulator, id);
		// At 3.0 s (still processing) and 6.0 s: two checks, each at least 3 s after the one before.
		expect(arrivals).toHaveLength(2);
		expect(arrivals[0] - create.receivedAt).toBeGreaterThanOrEqual(2_980);
		expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(2_980);
	});
});

describe('Create Prediction: a Try-Sync create whose answer never arrives', () => {
	test('the connection drops after Pruna accepted it: sent once, and the error says a prediction may exist', async () => {
		simulator.injectFault({
			method: 'POST',
			path: '/v1/predictions',
			times: 1,
			fault: { kind: 'dropAnswer' },
		});
		const before = simulator.predictions.size;

		const result = await runCreate({
			model: 'p-image',
			prompt: 'a kite',
			options: { downloadOutput: true },
		});

		expect(result.status).toBe('error');
		expect(createRequests()).toHaveLength(1);
		expect(createRequests()[0].headers['try-sync']).toBe('true');
		// Pruna created it (and would bill it); the node never saw its ID, so it checked nothing.
		expect(simulator.predictions.size).toBe(before + 1);
		expect(simulator.requestsTo('/v1/predictions/status/')).toHaveLength(0);
		const error = result.nodes.Create.error as NodeErrorLike;
		expect(error.message).toMatch(
			/^Create prediction with p-image: .+\. A prediction may exist and be billed: its ID never arrived$/,
		);
		expect(error.description).toContain(
			'With Try-Sync, Pruna answers only when the output is ready',
		);
		expect(error.description).toContain('The node did not send the create again');
		expect(error.description).toContain('set Options → Try Sync off');
	});

	test('a Timeout set by hand is kept for a Try-Sync create; the error says a prediction may exist', async () => {
		simulator.injectFault({
			method: 'POST',
			path: '/v1/predictions',
			times: 1,
			fault: { kind: 'stall' },
		});

		const result = await runCreate({
			model: 'p-image',
			prompt: 'a kite',
			options: { waitUntilDone: true },
			requestOptions: { timeout: 1_000 },
		});

		expect(result.status).toBe('error');
		expect(createRequests()).toHaveLength(1);
		expect((result.nodes.Create.error as NodeErrorLike).message).toBe(
			'Create prediction with p-image: Pruna did not answer within 1 s: the request timed out. A prediction may exist and be billed: its ID never arrived',
		);
	});

	test('a refused create (422) says nothing of a prediction that may exist', async () => {
		const result = await runCreate({
			model: 'p-image',
			prompt: 'a kite',
			additionalInput: '{ "colour": "red" }',
			options: { waitUntilDone: true },
		});

		expect(result.status).toBe('error');
		expect(createRequests().map((request) => request.status)).toEqual([422]);
		expect((result.nodes.Create.error as NodeErrorLike).message).not.toContain('may exist');
	});
});

describe('Get Prediction Status: the schedule without a Poll Interval', () => {
	test('a bare ID: checks every 0.5 s at first, then a fifth of the time waited', async () => {
		const { id } = simulator.addPrediction({ startingMs: 0, processingMs: 8_000 });

		const result = await runStatus(simulator, { predictionId: id });

		expect(result.nodes.Status.items[0].json.status).toBe('succeeded');
		const arrivals = statusArrivals(simulator, id);
		const first = arrivals[0];
		const gaps = gapsBetween(arrivals);
		const expectedPauseMs = (waitedMs: number) => Math.min(3_000, Math.max(500, waitedMs / 5));
		for (const [index, gap] of gaps.entries()) {
			// Never sooner than the schedule says (the node's wait began just before the first check).
			expect(gap).toBeGreaterThanOrEqual(expectedPauseMs(arrivals[index] - first) - 20);
		}
		// Early on, about 0.5 s: far from the 2 s a fixed default made (a median, for a busy machine).
		const early = gaps.filter((_, index) => arrivals[index] - first < 4_000).sort((a, b) => a - b);
		expect(early.length).toBeGreaterThanOrEqual(4);
		expect(early[Math.floor(early.length / 2)]).toBeLessThan(1_200);
		// Later, longer: past 5 s waited, each pause is at least 1 s, twice a fixed 0.5 s.
		const late = gaps.filter((_, index) => arrivals[index] - first >= 5_000);
		expect(late.length).toBeGreaterThanOrEqual(2);
		for (const gap of late) expect(gap).toBeGreaterThanOrEqual(980);
	});

	test("an item from Create Prediction names its model: a video's schedule, from 3 s", async () => {
		const { id } = simulator.addPrediction({
			model: 'p-video',
			startingMs: 0,
			processingMs: 3_500,
		});

		await runWorkflow(
			chain(prunaNode('Status', nodeType.status, { predictionId: '={{ $json.id }}' })),
			{ credentials: credentialsFor(simulator), input: [{ json: { id, model: 'p-video' } }] },
		);

		const arrivals = statusArrivals(simulator, id);
		// 0, 3.0 and 6.0 s, where a bare ID's schedule checks every 0.5 s at first.
		expect(arrivals).toHaveLength(3);
		for (const gap of gapsBetween(arrivals)) expect(gap).toBeGreaterThanOrEqual(2_980);
	});

	test('a Poll Interval set by hand is kept as set', async () => {
		const { id } = simulator.addPrediction({ startingMs: 0, processingMs: 3_500 });

		await runStatus(simulator, { predictionId: id, options: { pollIntervalSeconds: 1.5 } });

		const arrivals = statusArrivals(simulator, id);
		// 0, 1.5, 3.0, 4.5 s: the schedule's 0.5 s pauses would make seven or more.
		expect(arrivals).toHaveLength(4);
		for (const gap of gapsBetween(arrivals)) expect(gap).toBeGreaterThanOrEqual(1_480);
	});

	test("the server's X-Poll-Interval takes precedence over the schedule", async () => {
		const hinted = await PrunaSimulator.start({ pollIntervalHeaderSeconds: 1.2 });
		try {
			const { id } = hinted.addPrediction({ startingMs: 0, processingMs: 2_000 });

			await runStatus(hinted, { predictionId: id });

			const arrivals = statusArrivals(hinted, id);
			// 0, 1.2, 2.4 s, where the schedule alone would check every 0.5 s.
			expect(arrivals).toHaveLength(3);
			for (const gap of gapsBetween(arrivals)) expect(gap).toBeGreaterThanOrEqual(1_180);
		} finally {
			await hinted.close();
		}
	});
});
