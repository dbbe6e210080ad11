import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError, readErrorBody, toPrunaApiError } from './errors';
import { pacingSettings } from './request-options';
import { memoForItem } from './item-memo';
import { findModel } from '../api/model-catalog';
import { pause } from './pause';
import type { Quota, QuotaGiveUp, QuotaTicket } from './quota';
import { keyTag, quotaFor, readQuotaHeaders } from './quota';
import { takeSlot } from './concurrency';
import type { RetryPolicy } from './retry';
import { isDroppedConnection, isTransientStatus, retryDelayMs, timeoutAsClearError } from './retry';
import type { Endpoint } from '../api/endpoints';
import { endpointOf } from '../api/endpoints';
import { normalizeBaseUrl, requestTarget } from '../api/urls';

export const credentialType = 'prunaApi';

/**
 * Settings shared by every node's routing and by `sendToPruna`, so a request reads the same
 * whichever path makes it. Status errors are not thrown by the HTTP client: the pipeline judges
 * every answer, and `throwUnlessHttpSuccess` turns a failure into an error that carries Pruna's
 * code and message (every node's postReceive hook is made by `readSuccess`, which calls it).
 * Redirects are never followed by the client, because n8n's client would forward the `apikey`
 * header to any host; the pipeline follows them one hop at a time, each authenticated (or not) for
 * its own origin by the credential.
 */
export const requestDefaults = {
	headers: { Accept: 'application/json' },
	ignoreHttpStatusErrors: true,
	disableFollowRedirect: true,
} satisfies Partial<IHttpRequestOptions>;

/** n8n's default for declarative requests; the node's Request Options → Timeout overrides it. */
const defaultTimeoutMs = 300_000;

/** Enough for a CDN hop or two; more means a loop. */
const maxRedirects = 5;

/** The node's Request Options → Timeout, which n8n adds to every declarative node; once per item. */
export function requestTimeoutMs(context: IExecuteSingleFunctions): number {
	return memoForItem(context, 'timeoutMs', () => {
		const timeout = Number(context.getNodeParameter('requestOptions.timeout', defaultTimeoutMs));
		return Number.isFinite(timeout) && timeout > 0 ? timeout : defaultTimeoutMs;
	});
}

interface Credential {
	baseUrl: string;
	/** The base URL's origin and path (a proxy's prefix), parsed once for every request's quota. */
	origin: string;
	pathPrefix: string;
	keyTag: string;
}

async function getCredential(context: IExecuteSingleFunctions): Promise<Credential> {
	return await memoForItem(context, 'credential', async () => {
		const credentials = await context.getCredentials(credentialType);
		const baseUrl = normalizeBaseUrl(credentials.baseUrl);
		// A base URL that does not parse matches no request: the request itself then says why.
		const base = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
		return {
			baseUrl,
			origin: base?.origin ?? '',
			pathPrefix: base?.pathname.replace(/\/+$/, '') ?? '',
			keyTag: keyTag(String(credentials.apiKey ?? '')),
		};
	});
}

/** The credential's base URL, read once per item. */
export async function getBaseUrl(context: IExecuteSingleFunctions): Promise<string> {
	return (await getCredential(context)).baseUrl;
}

/** Pruna's endpoint a request reaches, when it goes to the base URL's origin (a CDN is none). */
function endpointAt(
	method: string | undefined,
	url: string,
	credential: Credential,
): Endpoint | undefined {
	const parsed = URL.canParse(url) ? new URL(url) : undefined;
	if (parsed?.origin !== credential.origin) return undefined;
	return endpointOf(method, parsed.pathname.slice(credential.pathPrefix.length));
}

/**
 * The quota a request counts against: Pruna limits creates per model and the other endpoints each
 * on its own. Requests to other hosts count against none of Pruna's.
 */
function quotaOf(
	request: IHttpRequestOptions,
	endpoint: Endpoint | undefined,
	credential: Credential,
): Quota | undefined {
	if (!endpoint) return undefined;
	const scope = `${credential.origin}|${credential.keyTag}|${endpoint.quota}`;
	if (endpoint.quota === 'model') {
		const model = String((request.headers as IDataObject | undefined)?.Model ?? '');
		return quotaFor(`${scope}:${model}`, findModel(model)?.requestsPerMinute, {
			boundsInFlight: true,
			counts: `creates with ${model}`,
		});
	}
	// Status checks come in bursts of waiting items: spread them over the window.
	return quotaFor(scope, undefined, {
		spread: endpoint.quota === 'status',
		counts: requestsCounted[endpoint.quota],
	});
}

/** What each endpoint's quota counts, in the words of its errors (a model's creates name it). */
const requestsCounted: Record<Exclude<Endpoint['quota'], 'model'>, string> = {
	status: 'status checks',
	files: 'uploads',
	delivery: 'downloads',
};

/**
 * One node's runs in one execution: its requests share a concurrency cap, and its creates are
 * remembered together (see PrunaCreatePrediction/created.ts).
 */
export function runKey(context: IExecuteSingleFunctions): string {
	return `${context.getExecutionId?.() ?? ''}|${context.getNode().name}`;
}

/** What an outage looked like, for the error of a request that gave up during one. */
export interface Outage {
	sinceAt: number;
	failures: number;
	/** The last failure, e.g. `HTTP 503` or `ECONNRESET`. */
	last: string;
}

export interface SendSettings<T> {
	policy: RetryPolicy;
	/** Follow 3xx answers, one hop at a time (downloads). */
	followRedirects?: boolean;
	/**
	 * Reads a successful answer inside the retries, with the request's slot still held: a streamed
	 * body is part of the request. A read that fails with `markBodyCutOff` is tried again as the
	 * policy allows; any other failure ends the request.
	 */
	read?: (response: IN8nHttpFullResponse) => Promise<T>;
	/** Makes the error of an `untilDeadline` request whose time ran out while Pruna kept failing. */
	onOutageTimeout?: (outage: Outage) => NodeApiError | NodeOperationError;
}

/** The final answer, whatever its status, and what `read` made of it when it was a success. */
export interface PrunaAnswer<T> {
	response: IN8nHttpFullResponse;
	read?: T;
}

const cutOffBodies = new WeakSet<object>();

/** Marks an error as a body that ended early: the request may be sent again. */
export function markBodyCutOff<E extends object>(error: E): E {
	cutOffBodies.add(error);
	return error;
}

function describeFailure(error: unknown): string {
	const code = (error as { code?: unknown })?.code;
	return typeof code === 'string' ? code : ((error as Error)?.message ?? 'an error');
}

function canceled(context: IExecuteSingleFunctions, waitingFor: string): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		`Execution canceled while waiting for ${waitingFor}`,
		{
			itemIndex: context.getItemIndex(),
		},
	);
}

/**
 * The one way a request reaches Pruna, for every node and every step (routing's own request,
 * polls, redirect hops, uploads, downloads, creates). In this order it:
 * 1. puts a path (a routed request's `url`) on the credential's base URL, and lets the credential
 *    decide whether the key goes with it (only to the base URL's origin);
 * 2. paces it by the quota its endpoint counts against, shared by every run in this n8n process;
 * 3. takes one of the node run's slots, so only as many requests are in flight as fill the quota
 *    at the measured round trip, within the node's Max Requests at Once;
 * 4. retries as `policy` allows (a paid endpoint's never: see endpoints.ts), and waits out 429s
 *    for as long as the node's Rate Limit Wait allows;
 * 5. returns the final answer, whatever its status (`throwUnlessHttpSuccess` maps it to an error),
 *    or what `read` made of it; a request that never got an answer throws an error that says why.
 */
export async function sendToPruna<T = never>(
	context: IExecuteSingleFunctions,
	request: IHttpRequestOptions,
	settings: SendSettings<T>,
): Promise<PrunaAnswer<T>> {
	const credential = await getCredential(context);
	// Routing has set the node's timeout on its request already.
	const timeout = typeof request.timeout === 'number' ? request.timeout : requestTimeoutMs(context);
	const pacing = pacingSettings(context);
	const signal = context.getExecutionCancelSignal();
	const startedAt = Date.now();

	let url = requestTarget({ url: String(request.url), baseURL: credential.baseUrl });
	let endpoint = endpointAt(request.method, url, credential);
	const policy: RetryPolicy = endpoint?.paid ? { kind: 'paid' } : settings.policy;
	let hops = 0;
	let retry = 0;
	let outage: Outage | undefined;
	let lastRateLimited: IN8nHttpFullResponse | undefined;

	/** A transient failure: pause and return true to try again, or false to give up. */
	const afterFailure = async (what: string): Promise<boolean> => {
		const now = Date.now();
		outage = outage
			? { ...outage, failures: outage.failures + 1, last: what }
			: { sinceAt: now, failures: 1, last: what };
		const delayMs = retryDelayMs(policy, ++retry, now, Math.random());
		if (delayMs === undefined) return false;
		await pause(context, delayMs, 'a retry');
		return true;
	};
	const outageTimedOut = () =>
		policy.kind === 'untilDeadline' && outage && settings.onOutageTimeout
			? settings.onOutageTimeout(outage)
			: undefined;

	for (;;) {
		const target: IHttpRequestOptions = { ...requestDefaults, timeout, ...request, url };
		const quota = quotaOf(target, endpoint, credential);
		let ticket: QuotaTicket | undefined;
		if (quota) {
			// A request sent before (refused, or failed) goes back to the head of its run's line.
			const sentBefore = lastRateLimited !== undefined || retry > 0 || hops > 0;
			const taken = await waitForQuota(context, quota, sentBefore ? startedAt : undefined, signal);
			if ('gaveUp' in taken) {
				if (lastRateLimited) return { response: lastRateLimited };
				throw rateLimitWaitExceeded(context, taken.gaveUp, quota.counts);
			}
			ticket = taken.ticket;
		}
		const slot = await takeSlot(runKey(context), pacing.maxConcurrentRequests, quota, signal);
		if (!slot) {
			if (ticket) quota?.abandon(ticket);
			throw canceled(context, 'a free connection');
		}
		const giveSlot = () => slot.give();

		const sent = withoutHeldAnswer(target, endpoint, quota, ticket);
		// Each try of the request says anew (one sent again after a 429 may keep the header).
		if (endpoint?.holdsAnswerHeader) sendNotesOf(context).heldAnswerDropped = sent !== target;
		const connection = connectionOf(sent);
		const sentAt = Date.now();
		let response: IN8nHttpFullResponse;
		try {
			response = (await context.helpers.httpRequestWithAuthentication.call(
				context,
				credentialType,
				connection.request,
			)) as IN8nHttpFullResponse;
		} catch (error) {
			connection.close();
			slot.answered(false);
			giveSlot();
			if (ticket) quota?.abandon(ticket);
			if (signal?.aborted) throw canceled(context, 'Pruna');
			if (isDroppedConnection(error) && (await afterFailure(describeFailure(error)))) continue;
			throw outageTimedOut() ?? timeoutAsClearError(context, error, timeout);
		}
		const status = response.statusCode;
		if (ticket) quota?.observe(ticket, status, readQuotaHeaders(response.headers));
		// A 429 or a failing API measures no round trip worth sizing the run by.
		const measured = status < 500 && status !== 429;
		if (measured) quota?.recordRoundTrip(Date.now() - sentAt);
		slot.answered(measured);

		const success = status >= 200 && status < 300;
		// Only a success about to be read (a streamed body) keeps its slot until it is read.
		if (!(success && settings.read)) giveSlot();
		if (status === 429) {
			// Nothing was done: wait for the reset (the quota knows it now) and send it again.
			lastRateLimited = { ...response, body: await readErrorBody(response.body) };
			connection.close();
			continue;
		}
		if (status >= 300 && status < 400 && settings.followRedirects) {
			try {
				url = await nextHop(context, url, response, ++hops);
			} finally {
				connection.close();
			}
			endpoint = endpointAt(request.method, url, credential);
			continue;
		}
		if (isTransientStatus(status)) {
			const answered = { ...response, body: await readErrorBody(response.body) };
			connection.close();
			if (await afterFailure(`HTTP ${status}`)) continue;
			const timedOut = outageTimedOut();
			if (timedOut) throw timedOut;
			return { response: answered };
		}
		if (!(success && settings.read)) return { response };
		try {
			return { response, read: await settings.read(response) };
		} catch (error) {
			// A body given up on (stalled, refused by the store, cut off) still holds its connection,
			// and nothing else would close it. A body read to its end has closed its own.
			connection.close();
			giveSlot();
			if (!cutOffBodies.has(error as object)) throw asNodeError(context.getNode(), error);
			if (await afterFailure('a body cut off')) continue;
			throw outageTimedOut() ?? asNodeError(context.getNode(), error);
		} finally {
			giveSlot();
		}
	}
}

/**
 * One attempt's connection, and a way to close it. n8n's request helper puts the execution's stop
 * signal in place of any signal a node passes, and once the headers have arrived the HTTP client's
 * timeout no longer applies; a streamed body that stops arriving would keep its socket open until
 * the server gives up. So the signal goes where n8n passes it on untouched: the options of the
 * request's own connection agent (n8n makes one agent per request), where Node gives it to the
 * socket. Aborting it destroys that socket, and only that one. A body that is not streamed is read
 * whole by the client, within its timeout, before the answer comes back: nothing is left to close,
 * and the signal (an abort listener on every socket) is left out.
 */
function connectionOf(target: IHttpRequestOptions): {
	request: IHttpRequestOptions;
	close: () => void;
} {
	if (target.encoding !== 'stream') {
		return { request: { ...target, returnFullResponse: true }, close: () => {} };
	}
	const controller = new AbortController();
	const agentOptions = {
		...target.agentOptions,
		signal: controller.signal,
	} as IHttpRequestOptions['agentOptions'];
	return {
		request: { ...target, returnFullResponse: true, agentOptions },
		close: () => controller.abort(),
	};
}

/** What the pipeline changed in the item's requests, for its hooks. */
interface SendNotes {
	heldAnswerDropped: boolean;
}

function sendNotesOf(context: IExecuteSingleFunctions): SendNotes {
	return memoForItem(context, 'sendNotes', () => ({ heldAnswerDropped: false }));
}

/**
 * Whether the pipeline sent the item's request without the header that would have had Pruna hold
 * its answer (Try-Sync): the answer then came at once, and the item follows its prediction by ID.
 */
export function heldAnswerDropped(context: IExecuteSingleFunctions): boolean {
	return sendNotesOf(context).heldAnswerDropped;
}

/**
 * The request without the header that makes Pruna hold its answer (Try-Sync), when other requests
 * wait on that answer: it opens the quota's window or measures the key's use, and a create held for
 * a whole generation would hold them all. The item then follows its prediction by its ID.
 */
function withoutHeldAnswer(
	target: IHttpRequestOptions,
	endpoint: Endpoint | undefined,
	quota: Quota | undefined,
	ticket: QuotaTicket | undefined,
): IHttpRequestOptions {
	const header = endpoint?.holdsAnswerHeader;
	const headers = target.headers as IDataObject | undefined;
	if (!header || !headers?.[header] || !ticket?.answerAwaited || !quota?.hasWaiters) return target;
	const others = { ...headers };
	delete others[header];
	return { ...target, headers: others };
}

/**
 * Waits in the run's line for the quota to let the request go (see `Quota.take`); gives up when the
 * run has been given no room for the node's Rate Limit Wait.
 */
async function waitForQuota(
	context: IExecuteSingleFunctions,
	quota: Quota,
	waitingSince: number | undefined,
	signal: AbortSignal | undefined,
): Promise<{ ticket: QuotaTicket } | { gaveUp: QuotaGiveUp }> {
	const taken = await quota.take({
		run: runKey(context),
		budgetMs: pacingSettings(context).rateLimitWaitMs,
		signal,
		since: waitingSince,
	});
	if ('canceled' in taken) throw canceled(context, "Pruna's rate limit");
	return taken;
}

function rateLimitWaitExceeded(
	context: IExecuteSingleFunctions,
	gaveUp: QuotaGiveUp,
	counted: string,
): NodeApiError {
	const waitedSeconds = Math.round(gaveUp.waitedMs / 1000);
	// When the quota said when it has room again (a reset), it was beyond the wait.
	const roomAgain =
		gaveUp.roomAt === undefined
			? ''
			: `; room again in ${Math.max(0, Math.ceil((gaveUp.roomAt - Date.now()) / 1000))} s`;
	return new NodeApiError(
		context.getNode(),
		{ reason: 'rate limit wait' },
		{
			message: `Rate limit reached: Pruna's quota for ${counted} gave this run no room for ${waitedSeconds} s (${gaveUp.ahead} of its requests were ahead of this one${roomAgain})`,
			description:
				"Other runs or workers using the same API key took this quota, or Pruna refused this run's requests, for longer than the node's Rate Limit Wait. Raise Rate Limit Wait, or run fewer items at once on this key.",
			httpCode: '429',
			itemIndex: context.getItemIndex(),
		},
	);
}

/** One header of an answer, as a string (the first, when it came more than once). */
export function headerValue(response: IN8nHttpFullResponse, name: string): string | undefined {
	const value = response.headers?.[name];
	if (value === undefined || value === null) return undefined;
	return String(Array.isArray(value) ? value[0] : value);
}

/** The URL a redirect points to, checked; its (small) body is drained so the connection is reused. */
async function nextHop(
	context: IExecuteSingleFunctions,
	url: string,
	response: IN8nHttpFullResponse,
	hop: number,
): Promise<string> {
	await readErrorBody(response.body);
	const location = headerValue(response, 'location');
	const problem = !location
		? `answered HTTP ${response.statusCode} without a Location`
		: hop > maxRedirects
			? `more than ${maxRedirects} redirects`
			: undefined;
	const next = location ? new URL(location, url) : undefined;
	const notHttp = next && next.protocol !== 'https:' && next.protocol !== 'http:';
	if (problem || !next || notHttp) {
		throw new NodeOperationError(
			context.getNode(),
			`Download of ${url}: ${problem ?? `redirected to a non-http(s) URL (${next?.protocol})`}`,
			{ itemIndex: context.getItemIndex() },
		);
	}
	return next.toString();
}

function isSuccess(response: IN8nHttpFullResponse): boolean {
	return response.statusCode >= 200 && response.statusCode < 300;
}

/** Throws a NodeApiError naming `subject`, with Pruna's code and message, unless a 2xx answered. */
export async function throwUnlessHttpSuccess(
	context: IExecuteSingleFunctions,
	response: IN8nHttpFullResponse,
	subject: string,
): Promise<void> {
	if (isSuccess(response)) return;
	throw await toPrunaApiError(context.getNode(), response, {
		subject,
		itemIndex: context.getItemIndex(),
	});
}
