import type { IExecuteSingleFunctions, INodeProperties } from 'n8n-workflow';

/**
 * Requests one node run keeps in flight. Measured with `npm run bench`: more than this gains
 * nothing on status checks or waits against a local server, and a batch of uploads or downloads
 * still moves at full speed (see the README's benchmarks).
 */
export const defaultMaxConcurrentRequests = 8;
/** How long one request may wait for Pruna's rate limit before its item fails. */
export const defaultRateLimitWaitSeconds = 600;

/** The options every node has for how it shares Pruna's quotas (in each node's Options). */
export const pacingOptionFields: INodeProperties[] = [
	{
		displayName: 'Max Requests at Once',
		name: 'maxConcurrentRequests',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: defaultMaxConcurrentRequests,
		description:
			"How many of this node's requests to Pruna may be in flight at the same time, across all items. n8n starts every item together; the rest wait their turn.",
	},
	{
		displayName: 'Rate Limit Wait (Seconds)',
		name: 'rateLimitWaitSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: defaultRateLimitWaitSeconds,
		description:
			"How long a request may wait for room in Pruna's rate limit (per model for creates) before its item fails. Requests are paced by Pruna's RateLimit headers, and a 429 is waited out and sent again.",
	},
];

function numberOption(context: IExecuteSingleFunctions, name: string, fallback: number): number {
	const value = Number(context.getNodeParameter(`options.${name}`, fallback));
	return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function concurrencyFor(context: IExecuteSingleFunctions): number {
	return Math.max(1, numberOption(context, 'maxConcurrentRequests', defaultMaxConcurrentRequests));
}

export function rateLimitWaitMsFor(context: IExecuteSingleFunctions): number {
	return numberOption(context, 'rateLimitWaitSeconds', defaultRateLimitWaitSeconds) * 1000;
}
