import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { memoForItem } from './item-memo';

/**
 * The most requests one node run keeps in flight (Max Requests at Once). Below it, a run keeps as
 * many as fill the quotas it uses at the measured round trip (concurrency.ts), so near Pruna a run
 * uses a few. 250 fills the status quota (500 a second, with half again for jitter) up to a round
 * trip of about 330 ms; a lower ceiling cost a distant user time in `npm run bench -- distance`
 * (docs/benchmarks.md).
 */
export const defaultMaxConcurrentRequests = 250;
/** How long a run may go without room in Pruna's rate limit before its waiting items fail. */
export const defaultRateLimitWaitSeconds = 600;

/** The options every node has for how it shares Pruna's quotas (in each node's Options). */
export const pacingOptionFields: INodeProperties[] = [
	{
		displayName: 'Max Requests at Once',
		name: 'maxConcurrentRequests',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: defaultMaxConcurrentRequests,
		description:
			"The most requests of this node that may be in flight at the same time, across all items. Below it, the node keeps as many as fill Pruna's rate limit at the measured round trip; the rest wait their turn.",
	},
	{
		displayName: 'Rate Limit Wait (Seconds)',
		name: 'rateLimitWaitSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: defaultRateLimitWaitSeconds,
		description:
			"How long this node's run may go without room in Pruna's rate limit (per model for creates) before its waiting items fail. While the run's requests keep being let through, every item waits its turn, however long the batch; items fail only when none was let through for this long (the quota taken by other runs or workers, or refused), or when Pruna's next reset is further away. A 429 is waited out and sent again.",
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

/** n8n's default for declarative requests; the node's Request Options → Timeout overrides it. */
const defaultTimeoutMs = 300_000;

/**
 * The node's Request Options, which n8n adds to every declarative node (Proxy, Ignore SSL Issues,
 * Timeout; Batching is n8n's own, between items). n8n applies them to the routed request only;
 * the pipeline applies them to every request of the item (see `withConnectionOptions`).
 */
export interface ConnectionOptions {
	/** The Timeout set by hand, if any. */
	userTimeoutMs?: number;
	/** The Timeout every request of the item has, unless it carries its own. */
	timeoutMs: number;
	proxy?: IHttpRequestOptions['proxy'];
	skipSslCertificateValidation: boolean;
}

/** The item's Request Options, read once per item. */
export function connectionOptions(context: IExecuteSingleFunctions): ConnectionOptions {
	return memoForItem(context, 'connectionOptions', () => {
		const options = (context.getNodeParameter('requestOptions', {}) ?? {}) as IDataObject;
		const timeout = Number(options.timeout);
		const userTimeoutMs = Number.isFinite(timeout) && timeout > 0 ? timeout : undefined;
		return {
			userTimeoutMs,
			timeoutMs: userTimeoutMs ?? defaultTimeoutMs,
			proxy: parseProxy(context, options.proxy),
			skipSslCertificateValidation: options.allowUnauthorizedCerts === true,
		};
	});
}

/**
 * The proxy as n8n's routing reads it (a URL, user and password in it) and as n8n's request helper
 * takes it. A proxy that does not parse fails the item: sending around it would bypass it.
 */
function parseProxy(
	context: IExecuteSingleFunctions,
	value: unknown,
): IHttpRequestOptions['proxy'] | undefined {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!text) return undefined;
	const url = URL.canParse(text) ? new URL(text) : undefined;
	if (!url?.hostname || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		throw new NodeOperationError(context.getNode(), 'The proxy is not valid', {
			itemIndex: context.getItemIndex(),
			description:
				"Set Request Options → Proxy to the proxy's URL with its port, such as http://user:password@proxy.example:8080.",
		});
	}
	const protocol = url.protocol.slice(0, -1);
	return {
		host: url.hostname,
		port: Number(url.port || (protocol === 'https' ? 443 : 80)),
		protocol,
		...(url.username
			? {
					auth: {
						username: decodeURIComponent(url.username),
						password: decodeURIComponent(url.password),
					},
				}
			: {}),
	};
}

/**
 * A request with the item's Request Options: the node's proxy and certificate checks for every
 * request, and its timeout unless the request has its own (a Try-Sync create). Without a proxy on
 * the node, n8n's request helper uses the instance's (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`).
 */
export function withConnectionOptions(
	request: IHttpRequestOptions,
	options: ConnectionOptions,
): IHttpRequestOptions {
	return {
		...request,
		timeout: request.timeout ?? options.timeoutMs,
		...(options.proxy ? { proxy: options.proxy } : {}),
		...(options.skipSslCertificateValidation ? { skipSslCertificateValidation: true } : {}),
	};
}
