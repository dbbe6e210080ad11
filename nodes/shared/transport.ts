import type {
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { markRetriesExhausted, readErrorBody, toPrunaApiError } from './errors';
import { memoForItem } from './item-memo';
import { pause } from './pause';
import type { RetryPolicy } from './retry';
import { errorRetryDelayMs, responseRetryDelayMs, timeoutAsClearError } from './retry';
import { normalizeBaseUrl } from './urls';

export const credentialType = 'prunaApi';

/**
 * Settings shared by every node's routing and by `prunaRequest`, so a request reads the same
 * whichever path makes it. Each node's preSend hook sets an absolute URL on the credential's base
 * URL (read once per item), so n8n need not evaluate a `baseURL` expression for every item.
 * Status errors are not thrown by the HTTP client: each node's postReceive hook calls
 * `assertSuccess`, which turns them into errors that carry Pruna's code and message. Redirects are
 * never followed by the client, because n8n's client would forward the `apikey` header to any host;
 * the download follows them itself, one hop at a time.
 */
export const requestDefaults = {
	headers: { Accept: 'application/json' },
	ignoreHttpStatusErrors: true,
	disableFollowRedirect: true,
} satisfies Partial<IHttpRequestOptions>;

/** n8n's default for declarative requests; the node's Request Options → Timeout overrides it. */
const defaultTimeoutMs = 300_000;

/** The node's Request Options → Timeout, which n8n adds to every declarative node. */
export function requestTimeoutMs(context: IExecuteSingleFunctions): number {
	const timeout = Number(context.getNodeParameter('requestOptions.timeout', defaultTimeoutMs));
	return Number.isFinite(timeout) && timeout > 0 ? timeout : defaultTimeoutMs;
}

export interface PrunaRequestSettings {
	/** Which failures are retried (default `transient`; creating a prediction: `rateLimitOnly`). */
	policy?: RetryPolicy;
	/** An answer already received (from declarative routing): judged before anything is sent. */
	answered?: IN8nHttpFullResponse;
}

/**
 * The one place that sends a request to Pruna outside declarative routing (polling, redirects,
 * retries). It retries as `policy` allows and returns the last answer, whatever its status.
 */
export async function prunaRequest(
	context: IExecuteSingleFunctions,
	options: IHttpRequestOptions,
	{ policy = 'transient', answered }: PrunaRequestSettings = {},
): Promise<IN8nHttpFullResponse> {
	const timeout = requestTimeoutMs(context);
	const send = async () =>
		(await context.helpers.httpRequestWithAuthentication.call(context, credentialType, {
			...requestDefaults,
			timeout,
			...options,
			returnFullResponse: true,
		})) as IN8nHttpFullResponse;

	let response = answered;
	for (let retry = 1; ; retry++) {
		if (response === undefined) {
			try {
				response = await send();
			} catch (error) {
				const delayMs = errorRetryDelayMs(error, policy, retry);
				if (delayMs === undefined) {
					if (retry > 1) markRetriesExhausted(error);
					throw timeoutAsClearError(context, error, timeout);
				}
				await pause(context, delayMs, 'a retry');
				continue;
			}
		}
		const delayMs = responseRetryDelayMs(response, policy, retry);
		if (delayMs === undefined) {
			if (retry > 1 && (response.statusCode === 429 || response.statusCode >= 500))
				markRetriesExhausted(response);
			return response;
		}
		// Read the small error body, so the connection is free for the next attempt.
		await readErrorBody(response.body);
		await pause(context, delayMs, 'a retry');
		response = undefined;
	}
}

/** The credential's base URL, read once per item. */
export async function getBaseUrl(context: IExecuteSingleFunctions): Promise<string> {
	return await memoForItem(context, 'baseUrl', async () => {
		const credentials = await context.getCredentials(credentialType);
		return normalizeBaseUrl(credentials.baseUrl);
	});
}

function isSuccess(response: IN8nHttpFullResponse): boolean {
	return response.statusCode >= 200 && response.statusCode < 300;
}

/** Throws a NodeApiError naming `subject` when the response is not a success. */
export async function assertSuccess(
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

/** One output item for the current input item, paired with it. */
export function outputItem(
	context: IExecuteSingleFunctions,
	item: Pick<INodeExecutionData, 'json' | 'binary'>,
): INodeExecutionData {
	return { ...item, pairedItem: { item: context.getItemIndex() } };
}
