import type { IDataObject, IExecuteSingleFunctions, INodeProperties } from 'n8n-workflow';

import { memoForItem } from './item-memo';

/**
 * Requests one node run keeps in flight. Measured with `npm run bench -- status` (1,000 status
 * checks, medians of 7): 8 in flight 667 ms, 32: 647 ms, 64: 593 ms, 128: 572 ms, 256: 607 ms, no
 * cap: 474 ms. Past 32 the gain is small next to what 100 open uploads or downloads would cost.
 */
export const defaultMaxConcurrentRequests = 32;
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

function numberOption(options: IDataObject, name: string, fallback: number): number {
	const value = Number(options[name] ?? fallback);
	return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export interface PacingSettings {
	maxConcurrentRequests: number;
	rateLimitWaitMs: number;
}

/**
 * The node's Options collection for this item, read once: every hook and request of the item uses
 * it, and each read of a parameter costs n8n an evaluation.
 */
export function itemOptions<T extends IDataObject = IDataObject>(
	context: IExecuteSingleFunctions,
): T {
	return memoForItem(context, 'options', () => context.getNodeParameter('options', {}) as T);
}

/** The item's pacing options (every request of the item uses them). */
export function pacingSettings(context: IExecuteSingleFunctions): PacingSettings {
	return memoForItem(context, 'pacingSettings', () => {
		const options = itemOptions(context);
		return {
			maxConcurrentRequests: Math.max(
				1,
				numberOption(options, 'maxConcurrentRequests', defaultMaxConcurrentRequests),
			),
			rateLimitWaitMs:
				numberOption(options, 'rateLimitWaitSeconds', defaultRateLimitWaitSeconds) * 1000,
		};
	});
}
