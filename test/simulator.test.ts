/**
 * The simulator itself, spoken to over plain HTTP: it must answer like Pruna's OpenAPI 0.5.3 says,
 * or every node test built on it proves nothing.
 */
import { createHash } from 'node:crypto';

import { PrunaSimulator, maxUploadBytes } from './simulator/server.ts';

let simulator: PrunaSimulator;

beforeAll(async () => {
	simulator = await PrunaSimulator.start({ syncWaitMs: 300 });
});
afterAll(async () => await simulator.close());
beforeEach(() => simulator.clearFaults());

/** A request to a simulator (the suite's unless `target` is given), with its key unless `apiKey` is. */
async function call(
	path: string,
	init: RequestInit = {},
	{ target = simulator, apiKey = target.apiKey }: { target?: PrunaSimulator; apiKey?: string } = {},
) {
	const response = await fetch(`${target.baseUrl}${path}`, {
		...init,
		headers: { apikey: apiKey, ...(init.headers as Record<string, string>) },
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON: keep the text
	}
	return { status: response.status, headers: response.headers, body: body as Record<string, any> };
}

function createPrediction(
	model: string | undefined,
	input: unknown,
	headers: Record<string, string> = {},
	target = simulator,
) {
	return call(
		'/v1/predictions',
		{
			method: 'POST',
			headers: {
				'Content-Type': 'application/json',
				...(model ? { Model: model } : {}),
				...headers,
			},
			body: JSON.stringify({ input }),
		},
		{ target },
	);
}

describe('Pruna simulator', () => {
	test('every error uses the envelope { error: { code, message, details }, request_id }', async () => {
		const { status, body } = await call('/v1/predictions/status/abc', {}, { apiKey: 'wrong' });

		expect(status).toBe(401);
		expect(body).toEqual({
			error: {
				code: 'AUTHENTICATION_FAILED',
				message: 'Invalid or missing API key',
				details: "Include your API key in the 'apikey' header",
			},
			request_id: expect.stringMatching(/^req_/),
		});
	});

	test('create answers 201 { id, model, input, get_url }, and the id then walks through its statuses', async () => {
		const { status, body } = await createPrediction('p-image', {
			prompt: 'a lion',
			aspect_ratio: '16:9',
		});

		expect(status).toBe(201);
		expect(body).toEqual({
			id: expect.stringMatching(/^[a-z0-9]{26}$/),
			model: 'p-image',
			input: { prompt: 'a lion', aspect_ratio: '16:9' },
			get_url: `${simulator.baseUrl}/v1/predictions/status/${body.id}`,
		});
		const statusAnswer = await call(`/v1/predictions/status/${body.id}`);
		expect(statusAnswer.status).toBe(200);
		expect(statusAnswer.body.status).toBe('succeeded');
		expect(statusAnswer.body).not.toHaveProperty('id');
	});

	test('a missing required field is 422 in the invalid_fields shape; unknown fields too', async () => {
		const { status, body } = await createPrediction('p-image', {
			aspect_ratio: '1:1',
			colour: 'red',
		});

		expect(status).toBe(422);
		expect(body).toEqual({
			detail: '- input.prompt: Field required\n- input.colour: Extra inputs are not permitted\n',
			status: 422,
			title: 'Input validation failed',
			invalid_fields: [
				{ type: 'missing', field: 'input.prompt', description: 'Field required' },
				{
					type: 'extra_forbidden',
					field: 'input.colour',
					description: 'Extra inputs are not permitted',
				},
			],
		});
	});

	test('models with other required fields are checked by their own schema', async () => {
		const { body } = await createPrediction('p-video-animate', { instruction_prompt: 'dance' });

		expect(body.invalid_fields.map((field: { field: string }) => field.field).sort()).toEqual([
			'input.image',
			'input.video',
		]);
	});

	test('the Model header is required, and must name a model', async () => {
		const missing = await createPrediction(undefined, { prompt: 'x' });
		const unknown = await createPrediction('dall-e', { prompt: 'x' });

		expect(missing.status).toBe(400);
		expect(missing.body.error).toMatchObject({
			code: 'VALIDATION_ERROR',
			details: "Field 'model' is required",
		});
		expect(unknown.status).toBe(400);
		expect(unknown.body.error.details).toBe("Unknown model 'dall-e'");
	});

	test('Try-Sync: a fast model answers { status, generation_url } without an id', async () => {
		const fast = await PrunaSimulator.start({
			defaultPlan: { processingMs: 50 },
			syncWaitMs: 1000,
		});
		try {
			const { status, body } = await createPrediction(
				'p-image',
				{ prompt: 'x' },
				{ 'Try-Sync': 'true' },
				fast,
			);

			expect(status).toBe(201);
			expect(body).toEqual({
				status: 'succeeded',
				generation_url: expect.stringContaining('/v1/predictions/delivery/'),
			});
		} finally {
			await fast.close();
		}
	});

	test('Try-Sync: a prediction not done in time gets the async answer', async () => {
		const slow = await PrunaSimulator.start({
			defaultPlan: { processingMs: 5_000 },
			syncWaitMs: 200,
		});
		try {
			const { body } = await createPrediction(
				'p-video',
				{ prompt: 'x' },
				{ 'Try-Sync': 'true' },
				slow,
			);

			expect(body).toMatchObject({
				id: expect.any(String),
				model: 'p-video',
				get_url: expect.any(String),
			});
		} finally {
			await slow.close();
		}
	});

	test('uploads are stored and served back; the answer has every FileUploadResponse field', async () => {
		const content = Buffer.from('hello pruna');
		const form = new FormData();
		form.append('content', new Blob([content], { type: 'text/plain' }), 'hello.txt');

		const { status, body } = await call('/v1/files', { method: 'POST', body: form });

		expect(status).toBe(201);
		for (const field of [
			'id',
			'name',
			'content_type',
			'size',
			'created_at',
			'expires_at',
			'urls',
		]) {
			expect(body).toHaveProperty(field);
		}
		expect(body.checksums.sha256).toBe(createHash('sha256').update(content).digest('hex'));
		expect(body.etag).toMatch(/^"[0-9a-f]{32}"$/);
		const served = await call(`/v1/files/${body.id}`);
		expect(served.body).toBe('hello pruna');
	});

	test('an upload over 100 MB is 413 FILE_TOO_LARGE', async () => {
		const form = new FormData();
		form.append('content', new Blob([Buffer.alloc(maxUploadBytes + 1)]), 'big.bin');

		const { status, body } = await call('/v1/files', { method: 'POST', body: form });

		expect(status).toBe(413);
		expect(body.error.code).toBe('FILE_TOO_LARGE');
	});

	test('delivery sends Content-Type, Content-Length and Content-Disposition; GiB sizes are declared, not held', async () => {
		const url = simulator.addContent('big/output_0_0.mp4', {
			kind: 'bytes',
			size: 3 * 1024 ** 3,
			contentType: 'video/mp4',
		});
		const controller = new AbortController();

		const response = await fetch(url, {
			headers: { apikey: simulator.apiKey },
			signal: controller.signal,
		});
		controller.abort();

		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('content-length')).toBe(String(3 * 1024 ** 3));
		expect(response.headers.get('content-disposition')).toBe(
			'attachment; filename="output_0_0.mp4"',
		);
	});

	test('rate limits answer 429 RATE_LIMIT_EXCEEDED with RateLimit-Limit, -Remaining and -Reset', async () => {
		const limited = await PrunaSimulator.start({ rateLimits: { status: 1 } });
		try {
			const headers = { apikey: limited.apiKey };
			const first = await fetch(`${limited.baseUrl}/v1/predictions/status/x`, { headers });
			const second = await fetch(`${limited.baseUrl}/v1/predictions/status/x`, { headers });

			expect(first.status).toBe(404);
			expect(first.headers.get('ratelimit-remaining')).toBe('0');
			expect(second.status).toBe(429);
			expect(second.headers.get('ratelimit-limit')).toBe('1');
			expect(Number(second.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
			expect(((await second.json()) as { error: { code: string } }).error.code).toBe(
				'RATE_LIMIT_EXCEEDED',
			);
		} finally {
			await limited.close();
		}
	});

	describe('quotas', () => {
		async function create(sim: PrunaSimulator, model: string, input: object) {
			return await fetch(`${sim.baseUrl}/v1/predictions`, {
				method: 'POST',
				headers: { apikey: sim.apiKey, Model: model, 'Content-Type': 'application/json' },
				body: JSON.stringify({ input }),
			});
		}
		const trainer = { image_data: 'https://example.com/set.zip' };

		test("a model's catalog limit, per scaled window: Remaining counts down, the 6th is 429, a new window takes more", async () => {
			const sim = await PrunaSimulator.start({ rateLimitWindowMs: 1000 });
			try {
				const answers = [];
				for (let index = 0; index < 6; index++)
					answers.push(await create(sim, 'p-image-trainer', trainer));
				expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201, 429]);
				expect(answers.map((answer) => answer.headers.get('ratelimit-remaining'))).toEqual([
					'4',
					'3',
					'2',
					'1',
					'0',
					'0',
				]);
				expect(answers.every((answer) => answer.headers.get('ratelimit-limit') === '5')).toBe(true);
				expect(answers[5].headers.get('ratelimit-reset')).toBe('1');
				// Another model has its own quota.
				expect((await create(sim, 'p-image', { prompt: 'x' })).status).toBe(201);

				await new Promise((resolve) => setTimeout(resolve, 1050));
				const next = await create(sim, 'p-image-trainer', trainer);
				expect(next.status).toBe(201);
				expect(next.headers.get('ratelimit-remaining')).toBe('4');
			} finally {
				await sim.close();
			}
		});

		test('modelRateLimits overrides one model; a model Pruna added later has its own limit', async () => {
			const sim = await PrunaSimulator.start({ modelRateLimits: { 'p-image': 2 } });
			sim.defineModel({
				name: 'p-image-pro',
				task: 'textToImage',
				summary: 'a newer model',
				requestsPerMinute: 3,
				fields: [{ name: 'prompt', type: 'string', required: true }],
			});
			try {
				const images = [];
				for (let index = 0; index < 3; index++)
					images.push((await create(sim, 'p-image', { prompt: 'x' })).status);
				expect(images).toEqual([201, 201, 429]);
				const pros = [];
				for (let index = 0; index < 4; index++)
					pros.push(await create(sim, 'p-image-pro', { prompt: 'x' }));
				expect(pros.map((answer) => answer.status)).toEqual([201, 201, 201, 429]);
				expect(pros[0].headers.get('ratelimit-limit')).toBe('3');
			} finally {
				await sim.close();
			}
		});

		test('a burst across a window boundary: fixed windows take it, a sliding window refuses it', async () => {
			const statuses = async (window: 'fixed' | 'sliding') => {
				const sim = await PrunaSimulator.start({
					rateLimits: { status: 3 },
					rateLimitWindowMs: 1000,
					rateLimitWindow: window,
				});
				try {
					const check = async () =>
						(
							await fetch(`${sim.baseUrl}/v1/predictions/status/x`, {
								headers: { apikey: sim.apiKey },
							})
						).status;
					const first = await check();
					await new Promise((resolve) => setTimeout(resolve, 700));
					const late = [await check(), await check()];
					await new Promise((resolve) => setTimeout(resolve, 400));
					// 1.1 s after the first: a new fixed window; in a sliding one, the two late ones still count.
					const next = [await check(), await check()];
					return [first, ...late, ...next];
				} finally {
					await sim.close();
				}
			};
			expect(await statuses('fixed')).toEqual([404, 404, 404, 404, 404]);
			expect(await statuses('sliding')).toEqual([404, 404, 404, 404, 429]);
		});

		test('RateLimit headers come with every answer of a counted endpoint: a 404 and a 422 too', async () => {
			const sim = await PrunaSimulator.start({});
			try {
				const missing = await fetch(`${sim.baseUrl}/v1/predictions/status/nope`, {
					headers: { apikey: sim.apiKey },
				});
				const invalid = await create(sim, 'p-image', { prompt: 'x', colour: 'red' });
				expect([missing.status, invalid.status]).toEqual([404, 422]);
				for (const answer of [missing, invalid]) {
					expect(answer.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
					expect(answer.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
					expect(answer.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
				}
				expect(missing.headers.get('ratelimit-limit')).toBe('30000');
				expect(invalid.headers.get('ratelimit-limit')).toBe('500');
			} finally {
				await sim.close();
			}
		});

		test('open requests are counted: maxInFlight is the most at once', async () => {
			const sim = await PrunaSimulator.start({});
			sim.injectFault({ path: '/v1/predictions/status/', fault: { kind: 'latency', ms: 200 } });
			try {
				const check = () =>
					fetch(`${sim.baseUrl}/v1/predictions/status/x`, { headers: { apikey: sim.apiKey } });
				await Promise.all([check(), check(), check()]);
				await check();
				expect(sim.maxInFlight('/v1/predictions/status/')).toBe(3);
			} finally {
				await sim.close();
			}
		});
	});

	test('faults: a reset closes the connection, a stall never answers, each for as many requests as asked', async () => {
		simulator.injectFault({ path: '/v1/predictions/status/', times: 1, fault: { kind: 'reset' } });
		await expect(call('/v1/predictions/status/x')).rejects.toThrow('fetch failed');
		expect((await call('/v1/predictions/status/x')).status).toBe(404);

		simulator.injectFault({ path: '/v1/predictions/status/', times: 1, fault: { kind: 'stall' } });
		await expect(
			fetch(`${simulator.baseUrl}/v1/predictions/status/x`, { signal: AbortSignal.timeout(300) }),
		).rejects.toThrow(/aborted|timeout/i);
	});

	test('records each request with its method, path, headers and status', async () => {
		simulator.requests.length = 0;
		await call('/v1/predictions/status/abc');

		expect(simulator.requests).toEqual([
			expect.objectContaining({ method: 'GET', path: '/v1/predictions/status/abc', status: 404 }),
		]);
		expect(simulator.requests[0].headers.apikey).toBe(simulator.apiKey);
	});
});
