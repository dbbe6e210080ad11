import type {
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { NodeOperationError, sleep } from 'n8n-workflow';

import { readErrorBody, toPrunaApiError } from './errors';
import { normalizeBaseUrl } from './urls';

export const credentialType = 'prunaApi';

/**
 * Settings shared by every node's routing and by `prunaRequest`, so a request reads the same
 * whichever path makes it. Status errors are not thrown by the HTTP client: each node's postReceive
 * hook calls `assertSuccess`, which turns them into errors that carry Pruna's code and message.
 * Redirects are never followed by the client, because n8n's client would forward the `apikey` header
 * to any host; the download follows them itself, one hop at a time.
 */
export const requestDefaults = {
	baseURL: '={{ $credentials.baseUrl }}',
	headers: { Accept: 'application/json' },
	ignoreHttpStatusErrors: true,
	disableFollowRedirect: true,
} satisfies Partial<IHttpRequestOptions>;

/** The one place that sends a request to Pruna outside declarative routing (polling, redirects). */
export async function prunaRequest(
	context: IExecuteSingleFunctions,
	options: IHttpRequestOptions,
): Promise<IN8nHttpFullResponse> {
	return (await context.helpers.httpRequestWithAuthentication.call(context, credentialType, {
		headers: requestDefaults.headers,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		...options,
		returnFullResponse: true,
	})) as IN8nHttpFullResponse;
}

export async function getBaseUrl(context: IExecuteSingleFunctions): Promise<string> {
	const credentials = await context.getCredentials(credentialType);
	return normalizeBaseUrl(credentials.baseUrl);
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

/** Sleeps, or ends at once with a "canceled" error when the user stops the execution. */
export async function pause(
	context: IExecuteSingleFunctions,
	ms: number,
	waitingFor: string,
): Promise<void> {
	const signal = context.getExecutionCancelSignal();
	try {
		await sleep(ms, signal);
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			signal?.aborted ? `Execution canceled while waiting for ${waitingFor}` : (error as Error),
			{ itemIndex: context.getItemIndex() },
		);
	}
}

/** How often a 429 is retried, and the longest wait for a reset we accept before giving up. */
const maxRateLimitRetries = 3;
const maxRateLimitWaitSeconds = 60;

function rateLimitResetSeconds(response: IN8nHttpFullResponse, attempt: number): number {
	const raw = response.headers?.['ratelimit-reset'];
	const seconds = Number(Array.isArray(raw) ? raw[0] : raw);
	if (raw !== undefined && raw !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds;
	return 2 ** (attempt - 1); // no header: 1 s, 2 s, 4 s
}

/**
 * A 429 means Pruna did nothing, so the request is sent again once the limit resets (RateLimit-Reset),
 * up to `maxRateLimitRetries` times. Any other answer is returned as it is.
 */
export async function resendAfterRateLimit(
	context: IExecuteSingleFunctions,
	response: IN8nHttpFullResponse,
	resend: () => Promise<IN8nHttpFullResponse>,
	what: string,
): Promise<IN8nHttpFullResponse> {
	for (let attempt = 1; response.statusCode === 429 && attempt <= maxRateLimitRetries; attempt++) {
		const waitSeconds = rateLimitResetSeconds(response, attempt);
		if (waitSeconds > maxRateLimitWaitSeconds) break;
		await readErrorBody(response.body);
		await pause(context, waitSeconds * 1000, `the rate limit of ${what} to reset`);
		response = await resend();
	}
	return response;
}
