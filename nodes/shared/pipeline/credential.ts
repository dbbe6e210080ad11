import type { IExecuteSingleFunctions } from 'n8n-workflow';

import { memoForItem } from './item-memo';
import { keyTag } from './quota';
import { normalizeBaseUrl } from '../api/urls';

/** Who a request is for: the Pruna credential it is sent with, and the node run it belongs to. */

export const credentialType = 'prunaApi';

export interface Credential {
	baseUrl: string;
	/** The base URL's origin and path (a proxy's prefix), parsed once for every request's quota. */
	origin: string;
	pathPrefix: string;
	keyTag: string;
}

/** The item's credential, read once per item. */
export async function getCredential(context: IExecuteSingleFunctions): Promise<Credential> {
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

/**
 * One node's runs in one execution: its requests share a concurrency cap, and its creates are
 * remembered together (see PrunaCreatePrediction/created.ts).
 */
export function runKey(context: IExecuteSingleFunctions): string {
	return `${context.getExecutionId?.() ?? ''}|${context.getNode().name}`;
}
