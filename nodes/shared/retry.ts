import type {
	DeclarativeRestApiSettings,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError, markRetriesExhausted, rateLimitResetSeconds, retryFacts } from './errors';
import { pause } from './pause';

/**
 * `transient`: 429 after its reset, and 5xx answers and dropped connections after a backoff; for
 * requests that are safe to repeat (GETs, uploads). `rateLimitOnly`: only 429, which means Pruna
 * did nothing; for creating a prediction, which may start a paid job whenever it reaches Pruna.
 */
export type RetryPolicy = 'transient' | 'rateLimitOnly';

/** Retries after the first attempt; with the backoff below, a failing request gives up in ~3.5 s. */
const maxRetries = 3;
const backoffBaseMs = 500;
/** A longer wait for a rate-limit reset is not worth holding the execution for. */
const maxRateLimitWaitSeconds = 60;

const transientStatuses = [500, 502, 503, 504];
/** Connections dropped or refused before an answer was complete. Timeouts are not here: see below. */
const transientNetworkCodes = [
	'ECONNRESET',
	'EPIPE',
	'ECONNREFUSED',
	'EAI_AGAIN',
	'ERR_STREAM_PREMATURE_CLOSE',
];

function backoffMs(retry: number): number {
	return backoffBaseMs * 2 ** (retry - 1);
}

/** The codes on an error and its causes: n8n wraps the HTTP client's error in a NodeApiError. */
function errorCodes(error: unknown): string[] {
	const codes: string[] = [];
	for (
		let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
		current && depth < 5;
		depth++
	) {
		if (typeof current.code === 'string') codes.push(current.code);
		current = current.cause as typeof current;
	}
	return codes;
}

/** Whether an error is the HTTP client giving up on a silent server (its `timeout`). */
function isTimeout(error: unknown): boolean {
	const codes = errorCodes(error);
	return codes.includes('ETIMEDOUT') || codes.includes('ECONNABORTED');
}

interface Failure {
	/** The HTTP status, when Pruna answered. */
	status?: number;
	rateLimitResetSeconds?: number;
	/** No answer, or a body cut off: a dropped connection rather than a refusal. */
	dropped?: boolean;
}

/** How long to wait before the next attempt after `failure`, or undefined when it is final. */
function retryDelayMs(failure: Failure, policy: RetryPolicy, retry: number): number | undefined {
	if (retry > maxRetries) return undefined;
	if (failure.status === 429) {
		const seconds = failure.rateLimitResetSeconds ?? backoffMs(retry) / 1000;
		return seconds <= maxRateLimitWaitSeconds ? seconds * 1000 : undefined;
	}
	if (policy === 'rateLimitOnly') return undefined;
	const transient =
		failure.status === undefined ? failure.dropped : transientStatuses.includes(failure.status);
	return transient ? backoffMs(retry) : undefined;
}

/** The wait before sending again after `response`, or undefined when the answer is final. */
export function responseRetryDelayMs(
	response: IN8nHttpFullResponse,
	policy: RetryPolicy,
	retry: number,
): number | undefined {
	const failure = {
		status: response.statusCode,
		rateLimitResetSeconds: rateLimitResetSeconds(response),
	};
	return retryDelayMs(failure, policy, retry);
}

/** The wait before trying again after `error`, or undefined when it must not be retried. */
export function errorRetryDelayMs(
	error: unknown,
	policy: RetryPolicy,
	retry: number,
): number | undefined {
	const facts = retryFacts(error);
	if (facts.retriesExhausted) return undefined;
	const dropped =
		facts.cutOff === true || errorCodes(error).some((code) => transientNetworkCodes.includes(code));
	return retryDelayMs({ ...facts, dropped }, policy, retry);
}

/**
 * Runs `operation`, and again after a wait while it fails in a way `policy` says is worth retrying,
 * up to `maxRetries` times. The last error is marked so that an enclosing retry leaves it alone.
 */
export async function withRetries<T>(
	context: IExecuteSingleFunctions,
	policy: RetryPolicy,
	operation: () => Promise<T>,
): Promise<T> {
	for (let retry = 1; ; retry++) {
		try {
			return await operation();
		} catch (error) {
			const delayMs = errorRetryDelayMs(error, policy, retry);
			if (delayMs === undefined) {
				if (retry > 1) markRetriesExhausted(error);
				throw asNodeError(context.getNode(), error);
			}
			await pause(context, delayMs, 'a retry');
		}
	}
}

/**
 * The declarative routing's request, with retries: n8n calls this (as the node's `pagination`
 * operation) instead of sending the request once, and each attempt runs the postReceive hooks too,
 * so a 5xx, a dropped connection or a download cut off midway is retried as a whole.
 */
export async function sendWithRetries(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	try {
		return await withRetries(
			this,
			'transient',
			async () => await this.makeRoutingRequest(requestData),
		);
	} catch (error) {
		throw timeoutAsClearError(this, error, requestData.options.timeout);
	}
}

/** A timeout becomes an error that says so; other errors pass as they are. */
export function timeoutAsClearError(
	context: IExecuteSingleFunctions,
	error: unknown,
	timeoutMs: unknown,
): NodeApiError | NodeOperationError {
	if (!isTimeout(error)) return asNodeError(context.getNode(), error);
	const seconds = typeof timeoutMs === 'number' ? `${timeoutMs / 1000} s` : 'the time allowed';
	return new NodeApiError(context.getNode(), { reason: 'timeout' } as JsonObject, {
		message: `Pruna did not answer within ${seconds}: the request timed out`,
		description:
			"The server stopped sending. Try again later, or raise the Timeout under the node's Request Options.",
		itemIndex: context.getItemIndex(),
	});
}
