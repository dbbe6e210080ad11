import type { IExecuteSingleFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from './errors';

/**
 * Which failures a request is sent again after. A 429 is always waited out (see quota.ts): it
 * means Pruna did nothing. The rest depends on what the request does:
 * - `paid`: creating a prediction. Nothing else is sent again: a create that reached Pruna may
 *   have started a paid job.
 * - `transient`: a safe request (a status check, an upload): a 5xx or a dropped connection is
 *   tried again after 0.5 s, 1 s and 2 s.
 * - `untilDeadline`: waiting for a prediction, or fetching a finished file: the API's bad minutes
 *   are ridden out with a capped, jittered backoff for as long as the item's time allows.
 */
export type RetryPolicy =
	| { kind: 'paid' }
	| { kind: 'transient' }
	| { kind: 'untilDeadline'; deadlineAt: number };

const transientRetries = 3;
const backoffBaseMs = 500;
/** The longest pause between tries in an outage: the item notices the API is back within it. */
const backoffCapMs = 5_000;

const transientStatuses = [500, 502, 503, 504];
/** Connections dropped or refused before an answer was complete. Timeouts are not here: see below. */
const droppedConnectionCodes = [
	'ECONNRESET',
	'EPIPE',
	'ECONNREFUSED',
	'EAI_AGAIN',
	'ERR_STREAM_PREMATURE_CLOSE',
];

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

export function isDroppedConnection(error: unknown): boolean {
	return errorCodes(error).some((code) => droppedConnectionCodes.includes(code));
}

export function isTransientStatus(status: number): boolean {
	return transientStatuses.includes(status);
}

/** Whether an error is the HTTP client giving up on a silent server (its `timeout`). */
function isTimeout(error: unknown): boolean {
	const codes = errorCodes(error);
	return codes.includes('ETIMEDOUT') || codes.includes('ECONNABORTED');
}

/**
 * The pause before try number `retry + 1` after a transient failure (a 5xx, a dropped connection,
 * a body cut off), or undefined when the policy says to give up. `random` in [0, 1) spreads the
 * pauses of many items in an outage, so they do not come back in lockstep.
 */
export function retryDelayMs(
	policy: RetryPolicy,
	retry: number,
	now: number,
	random: number,
): number | undefined {
	if (policy.kind === 'paid') return undefined;
	const exponentialMs = backoffBaseMs * 2 ** Math.min(retry - 1, 16);
	if (policy.kind === 'transient') return retry <= transientRetries ? exponentialMs : undefined;
	const ceilingMs = Math.min(exponentialMs, backoffCapMs);
	const delayMs = Math.round(ceilingMs / 2 + (random * ceilingMs) / 2);
	const leftMs = policy.deadlineAt - now;
	return leftMs > 0 ? Math.min(delayMs, leftMs) : undefined;
}

/** Codes of a server certificate Node would not trust (self-signed, unknown issuer, expired, wrong name). */
const untrustedCertificateCodes = [
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_UNTRUSTED',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'ERR_TLS_CERT_ALTNAME_INVALID',
];

/**
 * A request that got no answer, as an error that says why and what to do: a timeout, or a server
 * certificate that is not trusted. Other errors pass as they are.
 */
export function failureAsClearError(
	context: IExecuteSingleFunctions,
	error: unknown,
	timeoutMs: number,
	url: string,
): NodeApiError | NodeOperationError {
	const certificateCode = errorCodes(error).find((code) =>
		untrustedCertificateCodes.includes(code),
	);
	if (certificateCode) {
		// The request reached the server's TLS handshake: its URL parsed.
		const origin = new URL(url).origin;
		return new NodeApiError(context.getNode(), { reason: certificateCode } as JsonObject, {
			message: `The certificate of ${origin} is not trusted (${certificateCode})`,
			description:
				"n8n could not verify the server's HTTPS certificate (self-signed, from an unknown authority, expired or for another name). If you trust this server, turn on Ignore SSL Issues under the node's Request Options, or give n8n its authority's certificate (NODE_EXTRA_CA_CERTS).",
			itemIndex: context.getItemIndex(),
		});
	}
	if (!isTimeout(error)) return asNodeError(context.getNode(), error);
	return new NodeApiError(context.getNode(), { reason: 'timeout' } as JsonObject, {
		message: `Pruna did not answer within ${timeoutMs / 1000} s: the request timed out`,
		description:
			"The server stopped sending. Try again later, or raise the Timeout under the node's Request Options.",
		itemIndex: context.getItemIndex(),
	});
}
