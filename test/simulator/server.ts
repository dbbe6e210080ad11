/**
 * A Pruna P-API simulator: a real HTTP server on loopback that answers like the service documented
 * in Pruna's OpenAPI 0.5.3 (paths, shapes, status codes, error envelope, rate-limit headers), with
 * switches for the faults the nodes must survive. Tests, `npm run simulator` and the demo use it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { PrunaModel } from '../../nodes/shared/api/model-catalog.ts';
import { findModel } from '../../nodes/shared/api/model-catalog.ts';
import { validateInput } from './validation.ts';
import { imageSize, makePng } from './png.ts';

export const maxUploadBytes = 100 * 1024 * 1024;

export interface RecordedRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	/** Bytes of request body received. */
	bodyBytes: number;
	/** The parsed body of a JSON request. */
	json?: unknown;
	status?: number;
	/** When the request arrived (ms since epoch). */
	receivedAt: number;
	/** How many requests were open when it arrived, itself included. */
	openAtArrival: number;
	/** The client's port: tells a request a proxy forwarded from one sent straight here. */
	remotePort?: number;
}

export type Outcome = 'succeeded' | 'failed' | 'canceled';

export type ContentSpec =
	| { kind: 'png'; width?: number; height?: number }
	| { kind: 'bytes'; size: number; contentType?: string };

export interface PredictionPlan {
	model?: string;
	/** Time spent in `starting`, then in `processing`, before the outcome. */
	startingMs?: number;
	processingMs?: number;
	outcome?: Outcome;
	error?: string;
	/** How `generation_url` is written: relative to the API, absolute on it, or a given URL. */
	generationUrl?: 'relative' | 'absolute' | { url: string };
	content?: ContentSpec;
	fileName?: string;
}

export type Fault =
	| {
			kind: 'status';
			status: number;
			code?: string;
			message?: string;
			headers?: Record<string, string>;
			/** Answered after this long, like a struggling server (default: at once). */
			afterMs?: number;
	  }
	| { kind: 'latency'; ms: number }
	| { kind: 'reset' }
	/** The request is handled (a create creates its prediction), then the connection drops unanswered. */
	| { kind: 'dropAnswer' }
	| { kind: 'truncate'; afterBytes: number }
	| { kind: 'redirect'; location: string; status?: 301 | 302 | 307 | 308 }
	/** No answer at all; with `afterBytes` (content only), the body stops there and stays open. */
	| { kind: 'stall'; afterBytes?: number };

export interface FaultRule {
	method?: string;
	/** A path prefix or pattern, e.g. `/v1/predictions/status/`. */
	path: string | RegExp;
	/** How many matching requests get the fault; forever when absent. */
	times?: number;
	fault: Fault;
}

type Endpoint = 'files' | 'predictions' | 'status' | 'delivery';

export interface SimulatorOptions {
	apiKey?: string;
	port?: number;
	/** A CDN-like host serves content without a key. */
	requireApiKey?: boolean;
	/** Requests per window, per endpoint (per model for predictions: every model gets this limit). */
	rateLimits?: Partial<Record<Endpoint, number>>;
	/** One model's create limit per window, over the catalog's and `rateLimits.predictions`. */
	modelRateLimits?: Record<string, number>;
	/** The window of every limit: Pruna's is a minute; tests scale it down. */
	rateLimitWindowMs?: number;
	/** `fixed` (default): windows start with their first request. `sliding`: the last window at every moment. */
	rateLimitWindow?: 'fixed' | 'sliding';
	/** false: answers carry no `RateLimit-*` headers (a proxy that strips them); limits still apply. */
	rateLimitHeaders?: boolean;
	fileTtlSeconds?: number;
	contentTtlSeconds?: number;
	/** Sent as `X-Poll-Interval` on status answers when set. */
	pollIntervalHeaderSeconds?: number;
	/** Plan for predictions created through `POST /v1/predictions`. */
	defaultPlan?: PredictionPlan;
	/** How long `Try-Sync: true` waits (60 s on the real service). */
	syncWaitMs?: number;
	/**
	 * The listen queue (Node's default: 511). Thousands of connections opened together overflow
	 * the default: the kernel drops their handshakes and the client's kernel sends them again a
	 * second later, which makes those connections cheaper in CPU and slower (see bench/per-item.ts).
	 */
	listenBacklog?: number;
	/** Serves HTTPS with this key and certificate (PEM) instead of HTTP. */
	tls?: { key: string; cert: string };
}

interface SimulatedPrediction {
	id: string;
	model: string;
	input: Record<string, unknown>;
	createdAt: number;
	plan: Required<Pick<PredictionPlan, 'startingMs' | 'processingMs' | 'outcome'>> & PredictionPlan;
	deliveryPath: string;
	/** Status answers given for it. */
	statusChecks: number;
	/** When an answer (a status check, or a Try-Sync create) first said it had finished. */
	reportedDoneAt?: number;
}

/** How soon a client learned that a prediction had finished, and what it cost in status checks. */
export interface TimeToResult {
	id: string;
	model: string;
	/** The input's prompt, which tells a benchmark's predictions apart. */
	prompt?: string;
	createdAt: number;
	/** When it finished, by its timetable. */
	finishedAt: number;
	/** When an answer first said so; absent while no answer has. */
	reportedAt?: number;
	statusChecks: number;
}

interface Content {
	contentType: string;
	size: number;
	fileName: string;
	/** PNG bytes, or the seed of a deterministic byte pattern for large content. */
	bytes?: Buffer;
	seed: number;
	/** When set, the content is 410 from this time on; set at completion. */
	expiresAt?: number;
}

export interface StoredFile {
	id: string;
	name: string;
	contentType: string;
	size: number;
	sha256: string;
	path: string;
	expiresAt: number;
}

const patternBlockBytes = 64 * 1024;

/** The deterministic bytes of `bytes` content: a pseudo-random 64 KiB block per seed, repeated. */
export function patternBlock(seed: number): Buffer {
	const block = Buffer.alloc(patternBlockBytes);
	let state = (seed * 2654435761) >>> 0 || 1;
	for (let i = 0; i < block.length; i += 4) {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		block.writeUInt32LE(state >>> 0, i);
	}
	return block;
}

function randomId(length: number): string {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = randomBytes(length);
	return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Resolves when a writable can take more, or has closed (then the writer's loop sees it). */
function drained(stream: Writable): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			stream.off('drain', done);
			stream.off('close', done);
			resolve();
		};
		stream.on('drain', done);
		stream.on('close', done);
	});
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

class ApiFailure extends Error {
	readonly status: number;
	readonly code: string;
	readonly details?: string;

	constructor(status: number, code: string, message: string, details?: string) {
		super(message);
		this.status = status;
		this.code = code;
		this.details = details;
	}
}

export class PrunaSimulator {
	readonly apiKey: string;
	readonly requests: RecordedRequest[] = [];
	readonly predictions = new Map<string, SimulatedPrediction>();
	readonly files = new Map<string, StoredFile>();
	baseUrl = '';
	/** The timetable of predictions created through `POST /v1/predictions`; tests may change it. */
	defaultPlan: PredictionPlan;

	private readonly options: SimulatorOptions;
	private readonly contents = new Map<string, Content>();
	private readonly faults: FaultRule[] = [];
	private readonly extraModels = new Map<string, PrunaModel>();
	private readonly rateWindows = new Map<string, { startedAt: number; count: number }>();
	private readonly slidingWindows = new Map<string, number[]>();
	private readonly storageDir = mkdtempSync(join(tmpdir(), 'pruna-simulator-'));
	private readonly sockets = new Set<Socket>();
	private readonly answersToDrop = new WeakSet<ServerResponse>();
	private readonly plansByPrompt = new Map<string, PredictionPlan>();
	private server?: Server;
	private openRequests = 0;
	private contentSeed = 1;

	constructor(options: SimulatorOptions = {}) {
		this.options = options;
		this.apiKey = options.apiKey ?? `sim_${randomId(24)}`;
		this.defaultPlan = options.defaultPlan ?? {};
	}

	static async start(options: SimulatorOptions = {}): Promise<PrunaSimulator> {
		const simulator = new PrunaSimulator(options);
		await simulator.listen();
		return simulator;
	}

	/** Starts serving on 127.0.0.1 (an ephemeral port unless `port` is given). */
	async listen(port = this.options.port ?? 0): Promise<void> {
		const handler = (request: IncomingMessage, response: ServerResponse) => {
			void this.handle(request, response);
		};
		const server = this.options.tls
			? createHttpsServer(this.options.tls, handler)
			: createServer(handler);
		server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen({ port, host: '127.0.0.1', backlog: this.options.listenBacklog }, () =>
				resolve(),
			);
		});
		this.server = server;
		const scheme = this.options.tls ? 'https' : 'http';
		this.baseUrl = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
		rmSync(this.storageDir, { recursive: true, force: true });
	}

	// ---- what tests set up and read ----

	/** A prediction as if created through the API, following `plan`'s timetable. */
	addPrediction(
		plan: PredictionPlan = {},
		input: Record<string, unknown> = {},
	): { id: string; getUrl: string } {
		const model = plan.model ?? 'p-image';
		const id = randomId(26);
		const task = this.findModel(model)?.task;
		const content: ContentSpec =
			plan.content ??
			(task === 'video'
				? { kind: 'bytes', size: 256 * 1024, contentType: 'video/mp4' }
				: task === 'loraTraining'
					? { kind: 'bytes', size: 64 * 1024, contentType: 'application/zip' }
					: { kind: 'png' });
		const extension =
			content.kind === 'png' ? 'png' : (content.contentType ?? 'video/mp4').split('/')[1];
		const seed = this.contentSeed++;
		const deliveryPath = `${randomId(4)}/${randomId(40)}/${plan.fileName ?? `output_${seed}_0.${extension}`}`;
		this.addContent(deliveryPath, content, seed);
		this.predictions.set(id, {
			id,
			model,
			input,
			createdAt: Date.now(),
			plan: { startingMs: 0, processingMs: 0, outcome: 'succeeded', ...plan },
			deliveryPath,
			statusChecks: 0,
		});
		return { id, getUrl: `${this.baseUrl}/v1/predictions/status/${id}` };
	}

	/** Serves `spec` at `/v1/predictions/delivery/{path}`; returns its absolute URL. */
	addContent(path: string, spec: ContentSpec, seed = this.contentSeed++): string {
		const fileName = path.split('/').pop() ?? 'output';
		const content: Content =
			spec.kind === 'png'
				? (() => {
						const bytes = makePng(spec.width ?? 64, spec.height ?? 48, seed);
						return { contentType: 'image/png', size: bytes.length, fileName, bytes, seed };
					})()
				: {
						contentType: spec.contentType ?? 'application/octet-stream',
						size: spec.size,
						fileName,
						seed,
					};
		this.contents.set(path, content);
		return `${this.baseUrl}/v1/predictions/delivery/${path}`;
	}

	/** The delivery path of a prediction's output, e.g. `abcd/…/output_3_0.png`. */
	deliveryPathOf(predictionId: string): string {
		const prediction = this.predictions.get(predictionId);
		if (!prediction) throw new Error(`No prediction ${predictionId}`);
		return prediction.deliveryPath;
	}

	/** The bytes served at a delivery path (whole: use only for small content). */
	contentBytes(path: string): Buffer {
		const content = this.contents.get(path);
		if (!content) throw new Error(`No content at ${path}`);
		if (content.bytes) return content.bytes;
		const block = patternBlock(content.seed);
		const whole = Buffer.alloc(content.size);
		for (let offset = 0; offset < content.size; offset += block.length) block.copy(whole, offset);
		return whole;
	}

	expireFile(id: string): void {
		const file = this.files.get(id);
		if (file) file.expiresAt = Date.now() - 1;
	}

	expireContent(path: string): void {
		const content = this.contents.get(path);
		if (content) content.expiresAt = Date.now() - 1;
	}

	/**
	 * Makes the simulator serve a model as Pruna defines it now: one the catalog does not list yet, or
	 * a newer definition of one it lists (as Pruna adds models and widens ranges).
	 */
	defineModel(model: PrunaModel): void {
		this.extraModels.set(model.name, model);
	}

	private findModel(name: string): PrunaModel | undefined {
		return this.extraModels.get(name) ?? findModel(name);
	}

	/** The timetable of a create whose input has this prompt (else `defaultPlan`). */
	planByPrompt(prompt: string, plan: PredictionPlan): void {
		this.plansByPrompt.set(prompt, plan);
	}

	injectFault(rule: FaultRule): void {
		this.faults.push({ ...rule });
	}

	clearFaults(): void {
		this.faults.length = 0;
	}

	/** Forgets recorded requests, faults and a changed default plan; predictions and content stay. */
	reset(): void {
		this.requests.length = 0;
		this.clearFaults();
		this.defaultPlan = this.options.defaultPlan ?? {};
	}

	requestsTo(pathPrefix: string): RecordedRequest[] {
		return this.requests.filter((request) => request.path.startsWith(pathPrefix));
	}

	/**
	 * Resolves once `count` requests under `pathPrefix` have arrived: a test acts at a point in the
	 * run (cancel once it polls), not after a guessed time a slow machine may not match.
	 */
	async untilRequests(pathPrefix: string, count: number): Promise<void> {
		while (this.requestsTo(pathPrefix).length < count) await delay(10);
	}

	/** Each prediction's finish, when an answer first said so, and its status checks. */
	timeToResult(): TimeToResult[] {
		return [...this.predictions.values()].map((prediction) => ({
			id: prediction.id,
			model: prediction.model,
			prompt: typeof prediction.input.prompt === 'string' ? prediction.input.prompt : undefined,
			createdAt: prediction.createdAt,
			finishedAt: prediction.createdAt + prediction.plan.startingMs + prediction.plan.processingMs,
			reportedAt: prediction.reportedDoneAt,
			statusChecks: prediction.statusChecks,
		}));
	}

	/** Client connections open now: a stalled or abandoned request must not leave one behind. */
	get openSockets(): number {
		return this.sockets.size;
	}

	/** The most requests open at once (of any path) when one under `pathPrefix` arrived. */
	maxInFlight(pathPrefix = '/'): number {
		return Math.max(0, ...this.requestsTo(pathPrefix).map((request) => request.openAtArrival));
	}

	// ---- the HTTP side ----

	private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const record: RecordedRequest = {
			method: request.method ?? 'GET',
			path: url.pathname,
			headers: request.headers,
			bodyBytes: 0,
			receivedAt: Date.now(),
			openAtArrival: ++this.openRequests,
			remotePort: request.socket.remotePort,
		};
		this.requests.push(record);
		response.on('finish', () => (record.status = response.statusCode));
		response.on('close', () => this.openRequests--);

		try {
			const fault = this.takeFault(record);
			if (fault?.kind === 'latency') await delay(fault.ms);
			if (fault?.kind === 'stall' && fault.afterBytes === undefined) return;
			if (fault?.kind === 'reset') {
				request.socket.destroy();
				return;
			}
			if (fault?.kind === 'dropAnswer') this.answersToDrop.add(response);
			if (fault?.kind === 'redirect') {
				await this.drain(request, record);
				response.writeHead(fault.status ?? 302, {
					Location: fault.location,
					'Content-Length': '0',
				});
				response.end();
				return;
			}
			if (fault?.kind === 'status') {
				await this.drain(request, record);
				if (fault.afterMs) await delay(fault.afterMs);
				for (const [name, value] of Object.entries(fault.headers ?? {})) {
					response.setHeader(name, value);
				}
				throw new ApiFailure(
					fault.status,
					fault.code ?? (fault.status === 429 ? 'RATE_LIMIT_EXCEEDED' : 'INTERNAL_ERROR'),
					fault.message ??
						(fault.status === 429 ? 'Too many requests' : 'An unexpected error occurred'),
				);
			}
			if (this.options.requireApiKey !== false && request.headers.apikey !== this.apiKey) {
				await this.drain(request, record);
				throw new ApiFailure(
					401,
					'AUTHENTICATION_FAILED',
					'Invalid or missing API key',
					"Include your API key in the 'apikey' header",
				);
			}
			await this.route(request, response, record, url, fault);
		} catch (error) {
			if (error instanceof ApiFailure) {
				this.sendError(response, error);
				return;
			}
			this.sendError(response, new ApiFailure(500, 'INTERNAL_ERROR', String(error)));
		}
	}

	private async route(
		request: IncomingMessage,
		response: ServerResponse,
		record: RecordedRequest,
		url: URL,
		fault: Fault | undefined,
	): Promise<void> {
		const { method, path } = record;
		if (method === 'POST' && path === '/v1/files') {
			this.countRate(response, 'files', 'files');
			return await this.uploadFile(request, response, record);
		}
		if (method === 'GET' && path.startsWith('/v1/files/')) {
			return this.serveFile(response, path.slice('/v1/files/'.length));
		}
		if (method === 'POST' && path === '/v1/predictions') {
			return await this.createPrediction(request, response, record);
		}
		if (method === 'GET' && path.startsWith('/v1/predictions/status/')) {
			this.countRate(response, 'status', 'status');
			return this.predictionStatus(
				response,
				decodeURIComponent(path.slice('/v1/predictions/status/'.length)),
			);
		}
		if (method === 'GET' && path.startsWith('/v1/predictions/delivery/')) {
			this.countRate(response, 'delivery', 'delivery');
			const deliveryPath = decodeURIComponent(
				url.pathname.slice('/v1/predictions/delivery/'.length),
			);
			return this.deliver(response, deliveryPath, fault);
		}
		await this.drain(request, record);
		throw new ApiFailure(
			404,
			'NOT_FOUND',
			'The requested resource was not found',
			`No route for ${method} ${path}`,
		);
	}

	private takeFault(record: RecordedRequest): Fault | undefined {
		const index = this.faults.findIndex(
			(rule) =>
				(!rule.method || rule.method === record.method) &&
				(typeof rule.path === 'string'
					? record.path.startsWith(rule.path)
					: rule.path.test(record.path)),
		);
		if (index === -1) return undefined;
		const rule = this.faults[index];
		if (rule.times !== undefined && --rule.times <= 0) this.faults.splice(index, 1);
		return rule.fault;
	}

	private countRate(
		response: ServerResponse,
		endpoint: Endpoint,
		key: string,
		model?: string,
	): void {
		const defaults: Record<Endpoint, number> = {
			files: 10_000,
			predictions: 500,
			status: 30_000,
			delivery: 10_000,
		};
		const modelLimit =
			model === undefined
				? undefined
				: (this.options.modelRateLimits?.[model] ?? this.findModel(model)?.requestsPerMinute);
		const limit =
			model !== undefined && this.options.modelRateLimits?.[model] !== undefined
				? this.options.modelRateLimits[model]
				: (this.options.rateLimits?.[endpoint] ?? modelLimit ?? defaults[endpoint]);
		const windowMs = this.options.rateLimitWindowMs ?? 60_000;
		const { remaining, resetMs, allowed } =
			this.options.rateLimitWindow === 'sliding'
				? this.countSliding(key, limit, windowMs)
				: this.countFixed(key, limit, windowMs);
		if (this.options.rateLimitHeaders !== false) {
			response.setHeader('RateLimit-Limit', String(limit));
			response.setHeader('RateLimit-Remaining', String(remaining));
			response.setHeader('RateLimit-Reset', String(Math.max(0, Math.ceil(resetMs / 1000))));
		}
		if (!allowed) {
			throw new ApiFailure(
				429,
				'RATE_LIMIT_EXCEEDED',
				'Too many requests',
				'You have exceeded the rate limit for this endpoint. Please wait before making additional requests.',
			);
		}
	}

	/** A window that starts with its first request; refused requests count too, as they arrive. */
	private countFixed(key: string, limit: number, windowMs: number) {
		const now = Date.now();
		let window = this.rateWindows.get(key);
		if (!window || now - window.startedAt >= windowMs) {
			window = { startedAt: now, count: 0 };
			this.rateWindows.set(key, window);
		}
		window.count++;
		return {
			remaining: Math.max(0, limit - window.count),
			resetMs: window.startedAt + windowMs - now,
			allowed: window.count <= limit,
		};
	}

	/**
	 * The last `windowMs` at every moment: a request is taken while fewer than `limit` were taken in
	 * it. Only taken requests count, so a client that waits as told is never locked out. Reset is
	 * when the oldest taken request leaves the window, the moment one more fits.
	 */
	private countSliding(key: string, limit: number, windowMs: number) {
		const now = Date.now();
		let taken = this.slidingWindows.get(key);
		if (!taken) this.slidingWindows.set(key, (taken = []));
		while (taken.length && taken[0] <= now - windowMs) taken.shift();
		const allowed = taken.length < limit;
		if (allowed) taken.push(now);
		return {
			remaining: Math.max(0, limit - taken.length),
			resetMs: taken.length ? taken[0] + windowMs - now : 0,
			allowed,
		};
	}

	private sendJson(
		response: ServerResponse,
		status: number,
		body: unknown,
		headers: Record<string, string> = {},
	): void {
		if (response.headersSent || this.answersToDrop.has(response)) {
			response.destroy();
			return;
		}
		const payload = Buffer.from(JSON.stringify(body));
		response.writeHead(status, {
			'Content-Type': 'application/json',
			'Content-Length': String(payload.length),
			...headers,
		});
		response.end(payload);
	}

	private sendError(response: ServerResponse, failure: ApiFailure): void {
		this.sendJson(response, failure.status, {
			error: {
				code: failure.code,
				message: failure.message,
				...(failure.details ? { details: failure.details } : {}),
			},
			request_id: `req_${randomId(12)}`,
		});
	}

	private async drain(request: IncomingMessage, record: RecordedRequest): Promise<void> {
		for await (const chunk of request) record.bodyBytes += (chunk as Buffer).length;
	}

	private async readJson(request: IncomingMessage, record: RecordedRequest): Promise<unknown> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) {
			chunks.push(chunk as Buffer);
			record.bodyBytes += (chunk as Buffer).length;
		}
		try {
			record.json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			return record.json;
		} catch {
			throw new ApiFailure(
				400,
				'VALIDATION_ERROR',
				'Invalid request parameters',
				'The body is not valid JSON',
			);
		}
	}

	// ---- POST /v1/files: streamed to disk, then the `content` part located and hashed ----

	private async uploadFile(
		request: IncomingMessage,
		response: ServerResponse,
		record: RecordedRequest,
	): Promise<void> {
		const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(request.headers['content-type'] ?? '');
		if (!boundary) {
			await this.drain(request, record);
			throw new ApiFailure(
				400,
				'INVALID_FILE',
				'Invalid file or missing content',
				'Send the file as multipart/form-data field "content"',
			);
		}
		const rawPath = join(this.storageDir, `upload-${randomId(8)}.raw`);
		const sink = createWriteStream(rawPath);
		try {
			for await (const chunk of request) {
				record.bodyBytes += (chunk as Buffer).length;
				if (!sink.write(chunk)) await drained(sink);
			}
			await new Promise<void>((resolve, reject) =>
				sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
			);
			const part = await this.findContentPart(rawPath, boundary[1] ?? boundary[2].trim());
			if (part.end - part.start > maxUploadBytes) {
				throw new ApiFailure(
					413,
					'FILE_TOO_LARGE',
					'The uploaded file exceeds the maximum size limit',
					'Maximum file size is 100MB',
				);
			}
			if (part.end === part.start) {
				throw new ApiFailure(
					400,
					'INVALID_FILE',
					'Invalid file or missing content',
					'The file is empty',
				);
			}
			const file = await this.storeUpload(rawPath, part);
			this.files.set(file.id, file);
			this.sendJson(response, 201, this.describeFile(file, part.head));
		} finally {
			await rm(rawPath, { force: true });
		}
	}

	private async findContentPart(
		rawPath: string,
		boundary: string,
	): Promise<{ start: number; end: number; name: string; contentType: string; head: Buffer }> {
		const handle = await open(rawPath, 'r');
		try {
			const { size } = await handle.stat();
			const head = Buffer.alloc(Math.min(size, 64 * 1024));
			await handle.read(head, 0, head.length, 0);
			const delimiter = Buffer.from(`--${boundary}`);
			let offset = head.indexOf(delimiter);
			while (offset !== -1) {
				const headersStart = offset + delimiter.length + 2;
				const headersEnd = head.indexOf('\r\n\r\n', headersStart);
				if (headersEnd === -1) break;
				const headers = head.toString('utf8', headersStart, headersEnd);
				const name = /name="([^"]*)"/i.exec(headers)?.[1];
				const start = headersEnd + 4;
				if (name === 'content') {
					const end = await this.findInFile(handle, Buffer.from(`\r\n--${boundary}`), start, size);
					if (end === -1) break;
					const fileNameStar = /filename\*=UTF-8''([^;\r\n]+)/i.exec(headers)?.[1];
					const fileName = fileNameStar
						? decodeURIComponent(fileNameStar)
						: (/filename="((?:[^"\\]|\\.)*)"/i.exec(headers)?.[1] ?? 'file').replace(
								/\\(.)/g,
								'$1',
							);
					// Header lines, as a multipart parser reads them: a name before the first colon.
					const contentType =
						headers
							.split('\r\n')
							.find((line) => /^content-type\s*:/i.test(line))
							?.replace(/^[^:]*:/, '')
							.trim() ?? 'application/octet-stream';
					const firstBytes = Buffer.alloc(Math.min(64 * 1024, end - start));
					await handle.read(firstBytes, 0, firstBytes.length, start);
					return { start, end, name: fileName, contentType, head: firstBytes };
				}
				offset = head.indexOf(delimiter, start);
			}
		} finally {
			await handle.close();
		}
		throw new ApiFailure(
			400,
			'INVALID_FILE',
			'Invalid file or missing content',
			'No multipart field named "content"',
		);
	}

	/** The offset of `needle` in the file at or after `from`, read in chunks; -1 when absent. */
	private async findInFile(
		handle: Awaited<ReturnType<typeof open>>,
		needle: Buffer,
		from: number,
		size: number,
	): Promise<number> {
		const chunkBytes = 1024 * 1024;
		const buffer = Buffer.alloc(chunkBytes + needle.length);
		for (let position = from; position < size; position += chunkBytes) {
			const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
			const found = buffer.subarray(0, bytesRead).indexOf(needle);
			if (found !== -1) return position + found;
		}
		return -1;
	}

	private async storeUpload(
		rawPath: string,
		part: { start: number; end: number; name: string; contentType: string },
	): Promise<StoredFile> {
		const id = randomId(10);
		const path = join(this.storageDir, `file-${id}`);
		const sha256 = createHash('sha256');
		const sink = createWriteStream(path);
		for await (const chunk of createReadStream(rawPath, { start: part.start, end: part.end - 1 })) {
			sha256.update(chunk as Buffer);
			if (!sink.write(chunk)) await drained(sink);
		}
		await new Promise<void>((resolve, reject) =>
			sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
		);
		return {
			id,
			name: part.name,
			contentType: part.contentType,
			size: part.end - part.start,
			sha256: sha256.digest('hex'),
			path,
			expiresAt: Date.now() + (this.options.fileTtlSeconds ?? 1800) * 1000,
		};
	}

	private describeFile(file: StoredFile, firstBytes: Buffer): Record<string, unknown> {
		const createdAt = new Date(file.expiresAt - (this.options.fileTtlSeconds ?? 1800) * 1000);
		const dimensions = imageSize(firstBytes);
		return {
			id: file.id,
			name: file.name,
			content_type: file.contentType,
			size: file.size,
			etag: `"${file.sha256.slice(0, 32)}"`,
			checksums: { sha256: file.sha256 },
			metadata: { content_length: file.size, ...(dimensions ?? {}) },
			created_at: createdAt.toISOString(),
			expires_at: new Date(file.expiresAt).toISOString(),
			urls: { get: `${this.baseUrl}/v1/files/${file.id}` },
		};
	}

	private serveFile(response: ServerResponse, id: string): void {
		const file = this.files.get(id);
		if (!file || file.expiresAt < Date.now()) {
			throw new ApiFailure(
				404,
				'NOT_FOUND',
				'The requested resource was not found',
				'File does not exist or has expired',
			);
		}
		response.writeHead(200, {
			'Content-Type': file.contentType,
			'Content-Length': String(file.size),
		});
		createReadStream(file.path).pipe(response);
	}

	// ---- predictions ----

	private async createPrediction(
		request: IncomingMessage,
		response: ServerResponse,
		record: RecordedRequest,
	): Promise<void> {
		const model = String(request.headers.model ?? '').trim();
		const body = await this.readJson(request, record);
		if (!model)
			throw new ApiFailure(
				400,
				'VALIDATION_ERROR',
				'Invalid request parameters',
				"Field 'model' is required",
			);
		const schema = this.findModel(model);
		if (!schema)
			throw new ApiFailure(
				400,
				'VALIDATION_ERROR',
				'Invalid request parameters',
				`Unknown model '${model}'`,
			);
		this.countRate(response, 'predictions', `predictions:${model}`, model);

		const input = (body as { input?: unknown })?.input;
		if (typeof input !== 'object' || input === null || Array.isArray(input)) {
			throw new ApiFailure(
				400,
				'VALIDATION_ERROR',
				'Invalid request parameters',
				"Field 'input' is required",
			);
		}
		const invalidFields = validateInput(schema, input as Record<string, unknown>);
		if (invalidFields.length) {
			this.sendJson(response, 422, {
				detail: invalidFields.map((field) => `- ${field.field}: ${field.description}\n`).join(''),
				status: 422,
				title: 'Input validation failed',
				invalid_fields: invalidFields,
			});
			return;
		}

		const missingFile = this.missingInputFile(input as Record<string, unknown>);
		const prompt = (input as Record<string, unknown>).prompt;
		const plan = (typeof prompt === 'string' && this.plansByPrompt.get(prompt)) || this.defaultPlan;
		const { id, getUrl } = this.addPrediction(
			missingFile
				? {
						...plan,
						model,
						outcome: 'failed',
						error: `Could not fetch input ${missingFile}: the file does not exist or has expired`,
					}
				: { ...plan, model },
			input as Record<string, unknown>,
		);
		if (String(request.headers['try-sync']).toLowerCase() === 'true') {
			const prediction = this.predictions.get(id)!;
			const finishesAt =
				prediction.createdAt + prediction.plan.startingMs + prediction.plan.processingMs;
			const givesUpAt = Date.now() + (this.options.syncWaitMs ?? 60_000);
			// Timers may fire a millisecond early by Date.now(), so wait until the clock agrees.
			while (Date.now() < Math.min(finishesAt, givesUpAt)) {
				await delay(Math.min(finishesAt, givesUpAt) - Date.now() + 1);
			}
			const status = this.statusOf(prediction);
			if (status.status === 'succeeded') {
				if (!this.answersToDrop.has(response)) prediction.reportedDoneAt ??= Date.now();
				this.sendJson(response, 201, {
					status: 'succeeded',
					generation_url: status.generation_url,
				});
				return;
			}
		}
		this.sendJson(response, 201, { id, model, input, get_url: getUrl });
	}

	/** An input URL of an upload on this server that no longer exists, as Pruna fails to fetch it. */
	private missingInputFile(input: Record<string, unknown>): string | undefined {
		const filesPrefix = `${this.baseUrl}/v1/files/`;
		const urls = Object.values(input).flatMap((value) => (Array.isArray(value) ? value : [value]));
		return urls.find((url): url is string => {
			if (typeof url !== 'string' || !url.startsWith(filesPrefix)) return false;
			const file = this.files.get(url.slice(filesPrefix.length));
			return !file || file.expiresAt < Date.now();
		});
	}

	private statusOf(prediction: SimulatedPrediction): Record<string, string> {
		const elapsed = Date.now() - prediction.createdAt;
		const { startingMs, processingMs, outcome } = prediction.plan;
		if (elapsed < startingMs) return { status: 'starting', message: 'Prediction is starting' };
		if (elapsed < startingMs + processingMs)
			return { status: 'processing', message: 'Generation in progress' };
		if (outcome === 'failed') {
			return {
				status: 'failed',
				message: 'Prediction failed',
				error: prediction.plan.error ?? 'Generation failed',
			};
		}
		if (outcome === 'canceled') return { status: 'canceled', message: 'Prediction was canceled' };

		const content = this.contents.get(prediction.deliveryPath);
		if (content && content.expiresAt === undefined) {
			content.expiresAt = Date.now() + (this.options.contentTtlSeconds ?? 24 * 3600) * 1000;
		}
		const relative = `/v1/predictions/delivery/${prediction.deliveryPath}`;
		const style = prediction.plan.generationUrl ?? 'absolute';
		const generationUrl =
			style === 'relative'
				? relative
				: style === 'absolute'
					? `${this.baseUrl}${relative}`
					: style.url;
		return { status: 'succeeded', generation_url: generationUrl };
	}

	private predictionStatus(response: ServerResponse, id: string): void {
		const prediction = this.predictions.get(id);
		if (!prediction) {
			throw new ApiFailure(
				404,
				'NOT_FOUND',
				'The requested resource was not found',
				'Prediction ID does not exist or has expired',
			);
		}
		const headers: Record<string, string> = {};
		if (this.options.pollIntervalHeaderSeconds !== undefined) {
			headers['X-Poll-Interval'] = String(this.options.pollIntervalHeaderSeconds);
		}
		const status = this.statusOf(prediction);
		prediction.statusChecks++;
		if (['succeeded', 'failed', 'canceled'].includes(status.status)) {
			prediction.reportedDoneAt ??= Date.now();
		}
		this.sendJson(response, 200, status, headers);
	}

	private deliver(response: ServerResponse, path: string, fault: Fault | undefined): void {
		const content = this.contents.get(path);
		if (!content) {
			throw new ApiFailure(
				404,
				'NOT_FOUND',
				'The requested resource was not found',
				'No content at this path',
			);
		}
		if (content.expiresAt !== undefined && content.expiresAt < Date.now()) {
			throw new ApiFailure(
				410,
				'CONTENT_EXPIRED',
				'Content expired or no longer available',
				'Generated content is kept for 24 hours',
			);
		}
		response.writeHead(200, {
			'Content-Type': content.contentType,
			'Content-Length': String(content.size),
			'Content-Disposition': `attachment; filename="${content.fileName}"`,
			'Cache-Control': 'public, max-age=3600',
		});
		const cutAt =
			fault?.kind === 'truncate' || fault?.kind === 'stall' ? fault.afterBytes : undefined;
		const stopAfter = cutAt === undefined ? content.size : Math.min(cutAt, content.size);
		void this.writeContent(response, content, stopAfter, fault?.kind === 'stall');
	}

	/** Writes the body with backpressure, so GiB-sized content costs no memory here. */
	private async writeContent(
		response: ServerResponse,
		content: Content,
		stopAfter: number,
		stallThere = false,
	): Promise<void> {
		const source = content.bytes ?? patternBlock(content.seed);
		let written = 0;
		while (written < stopAfter && !response.destroyed) {
			const slice = source.subarray(0, Math.min(source.length, stopAfter - written));
			written += slice.length;
			if (!response.write(slice)) await drained(response);
			if (content.bytes && written >= content.bytes.length) break;
		}
		if (stallThere) return;
		if (stopAfter < content.size) response.destroy();
		else response.end();
	}
}
