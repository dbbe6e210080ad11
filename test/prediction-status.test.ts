import {
	chain,
	credentialsFor,
	expectNodeRaisedError,
	fastPolling,
	nodeType,
	problemMessage,
	prunaNode,
	suiteSimulator,
} from './fixtures';
import { runWorkflow, startWorkflow } from './harness/run';
import { PrunaSimulator } from './simulator/server.ts';

const simulator = suiteSimulator();

function statusNode(parameters: Record<string, unknown>, extra = {}) {
	return prunaNode('Status', nodeType.status, parameters as never, extra);
}

function statusRequests(id: string) {
	return simulator.requests.filter((request) => request.path === `/v1/predictions/status/${id}`);
}

/** The time between each check and the one before it. */
function gapsBetween(arrivals: number[]): number[] {
	return arrivals.slice(1).map((arrival, index) => arrival - arrivals[index]);
}

async function runStatus(parameters: Record<string, unknown>, extra = {}) {
	return await runWorkflow(chain(statusNode(parameters, extra)), {
		credentials: credentialsFor(simulator),
	});
}

// The first run loads n8n's engine, which can take longer than a test's prediction: warm it first.
beforeAll(async () => {
	const warmUp = await runStatus({ predictionId: simulator.addPrediction().id });
	if (warmUp.status !== 'success') throw new Error(`warm-up failed: ${warmUp.error?.message}`);
});

describe('Pruna Get Prediction Status', () => {
	test('waits through starting and processing until succeeded', async () => {
		const { id } = simulator.addPrediction({ startingMs: 150, processingMs: 250 });
		const finishedAt = simulator.predictions.get(id)!.createdAt + 400;

		const result = await runStatus({ predictionId: id, options: fastPolling });

		expect(result.status).toBe('success');
		const [item] = result.nodes.Status.items;
		expect(item.json).toEqual({
			id,
			status: 'succeeded',
			generation_url: `${simulator.baseUrl}/v1/predictions/delivery/${simulator.deliveryPathOf(id)}`,
		});
		expect(item.pairedItem).toEqual({ item: 0 });
		// It checked while the prediction was unfinished, at the Poll Interval (0.1 s) or slower,
		// and stopped at the first check after it finished; each check carried the key. (Counts by
		// the clock would depend on the machine's speed.)
		const requests = statusRequests(id);
		const arrivals = requests.map((request) => request.receivedAt);
		expect(arrivals.length).toBeGreaterThanOrEqual(2);
		expect(arrivals.at(-2)).toBeLessThan(finishedAt);
		// (The answer is made a moment after the request arrives, so a check may arrive just before.)
		expect(arrivals.at(-1)).toBeGreaterThanOrEqual(finishedAt - 20);
		// Timers may fire a millisecond early by Date.now().
		expect(Math.min(...gapsBetween(arrivals))).toBeGreaterThanOrEqual(99);
		expect(requests.every((request) => request.headers.apikey === simulator.apiKey)).toBe(true);
	});

	test("accepts a status URL (a create answer's get_url) and asks the base URL for it", async () => {
		const { id } = simulator.addPrediction();

		const result = await runStatus({
			predictionId: `https://api.pruna.ai/v1/predictions/status/${id}`,
			options: fastPolling,
		});

		expect(result.nodes.Status.items[0].json).toMatchObject({ id, status: 'succeeded' });
		expect(statusRequests(id)).toHaveLength(1);
	});

	test('makes a relative generation_url absolute against the base URL', async () => {
		const { id } = simulator.addPrediction({ generationUrl: 'relative' });

		const result = await runStatus({ predictionId: id });

		expect(result.nodes.Status.items[0].json.generation_url).toBe(
			`${simulator.baseUrl}/v1/predictions/delivery/${simulator.deliveryPathOf(id)}`,
		);
	});

	test('with Wait Until Done off, checks exactly once and outputs the status as it is', async () => {
		const { id } = simulator.addPrediction({ processingMs: 5_000 });

		const result = await runStatus({ predictionId: id, waitUntilDone: false });

		expect(result.nodes.Status.items[0].json).toEqual({
			id,
			status: 'processing',
			message: 'Generation in progress',
		});
		expect(statusRequests(id)).toHaveLength(1);
	});

	test("a failed prediction ends as an error with Pruna's error text and the id", async () => {
		const { id } = simulator.addPrediction({
			processingMs: 100,
			outcome: 'failed',
			error: 'Number of samples, -5, must be non-negative.',
		});

		const result = await runStatus({ predictionId: id, options: fastPolling });

		expect(result.status).toBe('error');
		expectNodeRaisedError(
			result.error,
			`Prediction ${id} failed: Number of samples, -5, must be non-negative.`,
		);
	});

	test('a canceled prediction ends as an error naming the id', async () => {
		const { id } = simulator.addPrediction({ outcome: 'canceled' });

		const result = await runStatus({ predictionId: id, options: fastPolling });

		expectNodeRaisedError(result.error, `Prediction ${id} was canceled: Prediction was canceled`);
		// Finished states end the wait at once: one request, no loop.
		expect(statusRequests(id)).toHaveLength(1);
	});

	test('running out of Max Wait ends with the id, the last status and the time waited', async () => {
		const { id } = simulator.addPrediction({ startingMs: 60_000 });

		const result = await runStatus({
			predictionId: id,
			options: { pollIntervalSeconds: 0.2, maxWaitSeconds: 1 },
		});

		expectNodeRaisedError(
			result.error,
			new RegExp(`^Prediction ${id} is still "starting" after waiting 1(\\.\\d)? s$`),
		);
		expect(result.error?.description).toContain('Max Wait is 1 s');
		// 1 s at 0.2 s intervals: it kept checking for (nearly) all of Max Wait, the first check plus
		// at most about five more, never an unbounded loop. (Times, not a count by the clock: a slow
		// machine makes fewer checks in a second.)
		const arrivals = statusRequests(id).map((request) => request.receivedAt);
		expect(arrivals.length).toBeLessThanOrEqual(7);
		expect(arrivals.at(-1)! - arrivals[0]).toBeGreaterThanOrEqual(800);
	});

	test("honours the server's X-Poll-Interval over the configured interval", async () => {
		const hinted = await PrunaSimulator.start({ pollIntervalHeaderSeconds: 0.05 });
		try {
			const { id } = hinted.addPrediction({ processingMs: 600 });

			const result = await runWorkflow(
				chain(
					statusNode({
						predictionId: id,
						options: { pollIntervalSeconds: 10, maxWaitSeconds: 20 },
					}),
				),
				{ credentials: credentialsFor(hinted) },
			);

			expect(result.nodes.Status.items[0].json.status).toBe('succeeded');
			// At the configured 10 s the second check would come 10 s after the first; with the hint,
			// each comes about 0.05 s after the one before. (A count would depend on the machine.)
			const arrivals = hinted.requests
				.filter((request) => request.path.endsWith(id))
				.map((request) => request.receivedAt);
			expect(arrivals.length).toBeGreaterThanOrEqual(2);
			const gaps = gapsBetween(arrivals);
			expect(Math.min(...gaps)).toBeGreaterThanOrEqual(49);
			expect(Math.max(...gaps)).toBeLessThan(1000);
		} finally {
			await hinted.close();
		}
	});

	test('an unknown id is a NodeApiError that says not found', async () => {
		const result = await runStatus({ predictionId: 'doesnotexist123' });

		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toBe(
			'Prediction doesnotexist123: Not found: the ID or path does not exist, or it has expired. (NOT_FOUND: The requested resource was not found)',
		);
		expect((result.error as { httpCode?: string }).httpCode).toBe('404');
		expect(result.error?.description).toContain('Prediction ID does not exist or has expired');
	});

	test('a wrong API key is a NodeApiError that names the key', async () => {
		const { id } = simulator.addPrediction();

		const result = await runWorkflow(chain(statusNode({ predictionId: id })), {
			credentials: credentialsFor(simulator, 'wrong-key'),
		});

		expect(result.error?.message).toMatch(
			new RegExp(`^Prediction ${id}: Invalid API key: Pruna rejected the key\\. Check the API key`),
		);
		expect((result.error as { httpCode?: string }).httpCode).toBe('401');
	});

	test('an empty id is caught by n8n itself: the parameter is required', async () => {
		await expect(runStatus({ predictionId: '' })).rejects.toThrow(
			'Parameter "Prediction ID" is required',
		);
		expect(simulator.requests).toHaveLength(0);
	});

	test('checks are paced by the RateLimit headers: no 429, and the third waits for the reset', async () => {
		const limited = await PrunaSimulator.start({
			rateLimits: { status: 2 },
			rateLimitWindowMs: 1000,
		});
		try {
			const ids = [0, 1, 2].map(() => limited.addPrediction().id);

			const result = await runWorkflow(
				chain(statusNode({ predictionId: '={{ $json.predictionId }}', waitUntilDone: false })),
				{
					credentials: credentialsFor(limited),
					input: ids.map((predictionId) => ({ json: { predictionId } })),
				},
			);

			expect(result.status).toBe('success');
			expect(result.nodes.Status.items.map((item) => item.json.status)).toEqual([
				'succeeded',
				'succeeded',
				'succeeded',
			]);
			const statuses = limited.requests.map((request) => request.status);
			expect(statuses).toEqual([200, 200, 200]);
			// Two fit the first window; the third was held back until Pruna said it had reset.
			const [first, , third] = limited.requests.map((request) => request.receivedAt);
			expect(third - first).toBeGreaterThanOrEqual(900);
		} finally {
			await limited.close();
		}
	});

	test("a 429 whose reset lies beyond Rate Limit Wait fails at once, with Pruna's code and when the limit resets", async () => {
		// A simulator of its own: the status quota it exhausts is shared by everything on its origin.
		const limited = await PrunaSimulator.start();
		try {
			await rateLimitedFarOff(limited);
		} finally {
			await limited.close();
		}
	});

	async function rateLimitedFarOff(simulator: PrunaSimulator) {
		const { id } = simulator.addPrediction();
		simulator.injectFault({
			path: '/v1/predictions/status/',
			fault: { kind: 'status', status: 429, headers: { 'RateLimit-Reset': '3600' } },
		});

		const result = await runWorkflow(
			chain(
				statusNode(
					{ predictionId: id, waitUntilDone: false },
					{ onError: 'continueRegularOutput' },
				),
			),
			{ credentials: credentialsFor(simulator), input: [{ json: {} }] },
		);

		const [item] = result.nodes.Status.items;
		expect(item.json.error).toBe(
			`Prediction ${id}: Rate limit reached: too many requests to Pruna. Wait, or space the requests out. (RATE_LIMIT_EXCEEDED: Too many requests)`,
		);
		expect((item.error as { description?: string }).description).toMatch(
			/^The limit resets in 3600 s\.\nPruna request ID: req_\w+$/,
		);
		expect(simulator.requests).toHaveLength(1);
	}

	test.each([
		['   ', 'The prediction ID is empty'],
		['../../v1/files', 'is neither a prediction ID nor a status URL'],
		['abc def', 'is not a valid prediction ID'],
		[
			'https://api.pruna.ai/v1/predictions/status/../x',
			'is neither a prediction ID nor a status URL',
		],
		['https://api.pruna.ai/v1/predictions/status/a%2Fb', 'is not a valid prediction ID'],
	])('refuses the id %j before any request', async (predictionId, problem) => {
		const result = await runStatus({ predictionId });

		expectNodeRaisedError(result.error, problemMessage(problem));
		expect(simulator.requests).toHaveLength(0);
	});

	test('cancelling the execution stops the wait at once', async () => {
		const { id } = simulator.addPrediction({ startingMs: 60_000 });
		const running = await startWorkflow(
			chain(
				statusNode({ predictionId: id, options: { pollIntervalSeconds: 5, maxWaitSeconds: 60 } }),
			),
			{ credentials: credentialsFor(simulator) },
		);
		// Cancel once it waits for its next check, however long the engine took to start.
		await simulator.untilRequests(`/v1/predictions/status/${id}`, 1);
		const cancelledAt = Date.now();
		running.cancel();
		const result = await running.done;
		await running.settled;
		const stoppedAfterMs = Date.now() - cancelledAt;
		await new Promise((resolve) => setTimeout(resolve, 300));

		expect(result.status).toBe('canceled');
		// The node ends its 5 s wait when cancelled, rather than sleeping it out; no check follows.
		expect(stoppedAfterMs).toBeLessThan(2000);
		expect(statusRequests(id)).toHaveLength(1);
	});
});
