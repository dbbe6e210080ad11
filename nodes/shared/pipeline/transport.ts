import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Credential } from './credential';
import { credentialType, getCredential, runKey } from './credential';
import { asNodeError, headerValue, readErrorBody } from './errors';
import type { PacingSettings } from './request-options';
import { connectionOptions, pacingSettings, withConnectionOptions } from './request-options';
import { findModel } from '../api/model-catalog';
import { pause } from './pause';
import type { Quota, QuotaGiveUp, QuotaTicket } from './quota';
import { quotaFor, readQuotaHeaders } from './quota';
import type { Slot } from './concurrency';
import { takeSlot } from './concurrency';
import type { RetryPolicy } from './retry';
import { failureAsClearError, isDroppedConnection, isTransientStatus, retryDelayMs } from './retry';
import type { Endpoint } from '../api/endpoints';
import { endpointOf } from '../api/endpoints';
import { requestTarget } from '../api/urls';

/**
 * Settings shared by every node's routing and by `sendToPruna`, so a request reads the same
 * whichever path makes it. Status errors are not thrown by the HTTP client: the pipeline judges
 * every answer, and `throwUnlessHttpSuccess` (errors.ts) turns a failure into an error that carries
 * Pruna's code and message (every node's postReceive hook is made by `readSuccess`, which calls
 * it). Redirects are never followed by the client, because n8n's client would forward the `apikey`
 * header to any host; the pipeline follows them one hop at a time, each authenticated (or not) for
 * its own origin by the credential.
 */
export const requestDefaults = {
	headers: { Accept: 'application/json' },
	ignoreHttpStatusErrors: true,
	disableFollowRedirect: true,
} satisfies Partial<IHttpRequestOptions>;

/** Enough for a CDN hop or two; more means a loop. */
const maxRedirects = 5;

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
	/** Whether Pruna was asked to hold the answer until the output was ready (Try-Sync). */
	held: boolean;
}

const cutOffBodies = new WeakSet<object>();

/** Marks an error as a body that ended early: the request may be sent again. */
export function markBodyCutOff<E extends object>(error: E): E {
	cutOffBodies.add(error);
	return error;
}

/** The answers (and the errors of requests that got none) whose request asked Pruna to hold it. */
const heldAnswers = new WeakSet<object>();

/**
 * Whether the request that gave this answer, or failed with this error, asked Pruna to hold its
 * answer until the output was ready (Try-Sync, as sent: see `withoutHeldAnswer`). For a routed
 * request's postReceive hook, which gets the answer but not the request.
 */
export function wasAnswerHeld(answerOrError: unknown): boolean {
	return (
		typeof answerOrError === 'object' && answerOrError !== null && heldAnswers.has(answerOrError)
	);
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

/** What is the same for every attempt of one request. */
interface Route {
	/** The request with the pipeline's defaults and the node's Request Options. */
	request: IHttpRequestOptions;
	credential: Credential;
	pacing: PacingSettings;
	policy: RetryPolicy;
	signal: AbortSignal | undefined;
	startedAt: number;
}

/** Where one attempt goes: the request's URL, or a redirect's. */
interface Hop {
	url: string;
	endpoint: Endpoint | undefined;
	/** Redirects followed to get here. */
	count: number;
}

/** What one attempt came to. */
type Outcome<T> =
	/** The final answer (a success, or a failure retrying cannot help). */
	| { kind: 'answered'; answer: PrunaAnswer<T> }
	/** Pruna answered 429: nothing was done; send again when the quota has room. */
	| { kind: 'rateLimited'; answer: PrunaAnswer<T> }
	/** The quota gave the run no room within the node's Rate Limit Wait: nothing was sent. */
	| { kind: 'noRoomInQuota'; gaveUp: QuotaGiveUp; counts: string }
	| { kind: 'redirected'; url: string }
	/** A failure the policy may retry (when `retryable`); otherwise its answer, or its error. */
	| {
			kind: 'failed';
			what: string;
			retryable: boolean;
			answer?: PrunaAnswer<T>;
			error?: unknown;
	  }
	/** An error that ends the request at once (canceled, a body read that failed for good). */
	| { kind: 'ended'; error: unknown };

/**
 * The one way a request reaches Pruna, for every node and every step (routing's own request,
 * polls, redirect hops, uploads, downloads, creates). Each attempt:
 * 1. puts a path (a routed request's `url`) on the credential's base URL, with the node's Request
 *    Options (proxy, certificate checks, timeout), and lets the credential decide whether the key
 *    goes with it (only to the base URL's origin; a proxy is not an origin);
 * 2. is paced by the quota its endpoint counts against, shared by every run in this n8n process;
 * 3. holds one of the node run's slots, so only as many requests are in flight as fill the quota
 *    at the measured round trip, within the node's Max Requests at Once.
 * Between attempts it retries as `policy` allows (a paid endpoint's never: see endpoints.ts),
 * waits out 429s for as long as the node's Rate Limit Wait allows, and follows redirects. It
 * returns the final answer, whatever its status (`throwUnlessHttpSuccess` maps it to an error), or
 * what `read` made of it; a request that never got an answer throws an error that says why.
 */
export async function sendToPruna<T = never>(
	context: IExecuteSingleFunctions,
	request: IHttpRequestOptions,
	settings: SendSettings<T>,
): Promise<PrunaAnswer<T>> {
	const { route, firstHop } = await routeOf(context, request, settings);
	const retries = retriesOf(context, route.policy, settings);
	let hop = firstHop;
	let lastRateLimited: PrunaAnswer<T> | undefined;
	// A request tried before (refused, failed, redirected) goes back to the head of its run's line.
	let waitingSince: number | undefined;
	for (;;) {
		const outcome = await attempt(context, route, hop, settings, waitingSince);
		waitingSince = route.startedAt;
		switch (outcome.kind) {
			case 'answered':
				return outcome.answer;
			case 'rateLimited':
				lastRateLimited = outcome.answer;
				continue;
			case 'noRoomInQuota':
				if (lastRateLimited) return lastRateLimited;
				throw rateLimitWaitExceeded(context, outcome.gaveUp, outcome.counts);
			case 'redirected':
				hop = {
					url: outcome.url,
					endpoint: endpointAt(request.method, outcome.url, route.credential),
					count: hop.count + 1,
				};
				continue;
			case 'failed': {
				if (outcome.retryable && (await retries.pauseBeforeRetry(outcome.what))) continue;
				const outageError = retries.outageError();
				if (outageError) throw outageError;
				if (outcome.answer) return outcome.answer;
				throw outcome.error;
			}
			case 'ended':
				throw outcome.error;
		}
	}
}

/** The request as every attempt sends it, what the item's settings say about sending it, and where it goes first. */
async function routeOf<T>(
	context: IExecuteSingleFunctions,
	request: IHttpRequestOptions,
	settings: SendSettings<T>,
): Promise<{ route: Route; firstHop: Hop }> {
	const credential = await getCredential(context);
	const connection = connectionOptions(context);
	const pacing = pacingSettings(context);
	const url = requestTarget({ url: String(request.url), baseURL: credential.baseUrl });
	const endpoint = endpointAt(request.method, url, credential);
	const startedAt = Date.now();
	const route: Route = {
		// The node's Request Options are applied here, once, for every request of every node.
		request: withConnectionOptions({ ...requestDefaults, ...request, url }, connection),
		credential,
		pacing,
		policy: endpoint?.paid ? { kind: 'paid' } : settings.policy,
		signal: context.getExecutionCancelSignal(),
		startedAt,
	};
	return { route, firstHop: { url, endpoint, count: 0 } };
}

/** A request's transient failures: the pause before each retry, and the outage they add up to. */
function retriesOf<T>(
	context: IExecuteSingleFunctions,
	policy: RetryPolicy,
	settings: SendSettings<T>,
) {
	let retry = 0;
	let outage: Outage | undefined;
	return {
		/** Records the failure; pauses and returns true to try again, or false to give up. */
		async pauseBeforeRetry(what: string): Promise<boolean> {
			const now = Date.now();
			outage = outage
				? { ...outage, failures: outage.failures + 1, last: what }
				: { sinceAt: now, failures: 1, last: what };
			const delayMs = retryDelayMs(policy, ++retry, now, Math.random());
			if (delayMs === undefined) return false;
			await pause(context, delayMs, 'a retry');
			return true;
		},
		/** The error of an `untilDeadline` request that gave up during an outage, if it did. */
		outageError() {
			return policy.kind === 'untilDeadline' && outage && settings.onOutageTimeout
				? settings.onOutageTimeout(outage)
				: undefined;
		},
	};
}

/** One attempt: room in the quota, a slot held for the whole attempt, the request sent once. */
async function attempt<T>(
	context: IExecuteSingleFunctions,
	route: Route,
	hop: Hop,
	settings: SendSettings<T>,
	waitingSince: number | undefined,
): Promise<Outcome<T>> {
	const target: IHttpRequestOptions = { ...route.request, url: hop.url };
	const quota = quotaOf(target, hop.endpoint, route.credential);
	const taken = quota ? await waitForQuota(context, quota, route, waitingSince) : undefined;
	if (quota && taken && 'gaveUp' in taken) {
		return { kind: 'noRoomInQuota', gaveUp: taken.gaveUp, counts: quota.counts };
	}
	const ticket = taken && 'ticket' in taken ? taken.ticket : undefined;
	const slot = await takeSlot(
		runKey(context),
		route.pacing.maxConcurrentRequests,
		quota,
		route.signal,
	);
	if (!slot) {
		if (ticket) quota?.abandon(ticket);
		return { kind: 'ended', error: canceled(context, 'a free connection') };
	}
	try {
		const sent = withoutHeldAnswer(target, hop.endpoint, quota, ticket);
		const header = hop.endpoint?.holdsAnswerHeader;
		const held = Boolean(header && (sent.headers as IDataObject | undefined)?.[header]);
		const outcome = await sendOnce(context, route, hop, settings, sent, { quota, ticket, slot });
		return withHeldNoted(outcome, held);
	} finally {
		slot.give();
	}
}

/** Notes on an attempt's answer, or on its error, whether its request asked Pruna to hold it. */
function withHeldNoted<T>(outcome: Outcome<T>, held: boolean): Outcome<T> {
	if ('answer' in outcome && outcome.answer) {
		outcome.answer.held = held;
		if (held) heldAnswers.add(outcome.answer.response);
	}
	if ('error' in outcome && held && typeof outcome.error === 'object' && outcome.error !== null) {
		heldAnswers.add(outcome.error);
	}
	return outcome;
}

/** The request sent once, and its answer judged: what to do next is the caller's. */
async function sendOnce<T>(
	context: IExecuteSingleFunctions,
	route: Route,
	hop: Hop,
	settings: SendSettings<T>,
	sent: IHttpRequestOptions,
	{ quota, ticket, slot }: { quota?: Quota; ticket?: QuotaTicket; slot: Slot },
): Promise<Outcome<T>> {
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
		if (ticket) quota?.abandon(ticket);
		if (route.signal?.aborted) return { kind: 'ended', error: canceled(context, 'Pruna') };
		return {
			kind: 'failed',
			what: describeFailure(error),
			retryable: isDroppedConnection(error),
			error: failureAsClearError(context, error, Number(sent.timeout), hop.url),
		};
	}
	const status = response.statusCode;
	if (ticket) quota?.observe(ticket, status, readQuotaHeaders(response.headers));
	// A 429 or a failing API measures no round trip worth sizing the run by.
	const measured = status < 500 && status !== 429;
	if (measured) quota?.recordRoundTrip(Date.now() - sentAt);
	slot.answered(measured);

	if (status === 429) {
		const body = await readErrorBody(response.body);
		connection.close();
		return { kind: 'rateLimited', answer: { response: { ...response, body }, held: false } };
	}
	if (status >= 300 && status < 400 && settings.followRedirects) {
		try {
			return { kind: 'redirected', url: await nextHop(context, hop, response) };
		} catch (error) {
			return { kind: 'ended', error };
		} finally {
			connection.close();
		}
	}
	if (isTransientStatus(status)) {
		const body = await readErrorBody(response.body);
		connection.close();
		const answer = { response: { ...response, body }, held: false };
		return { kind: 'failed', what: `HTTP ${status}`, retryable: true, answer };
	}
	const success = status >= 200 && status < 300;
	if (!(success && settings.read)) return { kind: 'answered', answer: { response, held: false } };
	try {
		const read = await settings.read(response);
		return { kind: 'answered', answer: { response, read, held: false } };
	} catch (error) {
		// A body given up on (stalled, refused by the store, cut off) still holds its connection,
		// and nothing else would close it. A body read to its end has closed its own.
		connection.close();
		const nodeError = asNodeError(context.getNode(), error);
		if (!cutOffBodies.has(error as object)) return { kind: 'ended', error: nodeError };
		return { kind: 'failed', what: 'a body cut off', retryable: true, error: nodeError };
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
	route: Route,
	waitingSince: number | undefined,
): Promise<{ ticket: QuotaTicket } | { gaveUp: QuotaGiveUp }> {
	const taken = await quota.take({
		run: runKey(context),
		budgetMs: route.pacing.rateLimitWaitMs,
		signal: route.signal,
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

/** The URL a redirect points to, checked; its (small) body is drained so the connection is reused. */
async function nextHop(
	context: IExecuteSingleFunctions,
	{ url, count }: Hop,
	response: IN8nHttpFullResponse,
): Promise<string> {
	await readErrorBody(response.body);
	const hop = count + 1;
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
