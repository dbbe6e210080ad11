import type {
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { resolveContentUrl } from '../shared/api/urls';
import { requireValidInput } from '../shared/pipeline/errors';
import { memoForItem } from '../shared/pipeline/item-memo';
import { itemOptions } from '../shared/pipeline/request-options';
import { configureRoutedRequest, outputItem, readSuccess } from '../shared/pipeline/routing';
import { getBaseUrl } from '../shared/pipeline/credential';
import { downloadRetryPolicy, storeDownload } from '../shared/pruna/download';
import { agentFileLink, runsAsTool } from '../shared/pruna/tool-mode';

/** The content URL preSend resolved for the item; postReceive names the file after it. */
function contentUrlOf(context: IExecuteSingleFunctions): string {
	return memoForItem<string>(context, 'contentUrl', () => '');
}

/**
 * Resolves the URL field (routing put its value in the request): an absolute URL as it is, any
 * host; a path on the base URL; a bare delivery path under the delivery endpoint. Sets the retry
 * policy: a download keeps trying through Pruna's bad minutes for Download Retry Time.
 */
export async function resolveContentLocation(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const url = requireValidInput(
		this,
		resolveContentUrl(requestOptions.url, await getBaseUrl(this)),
		'Give the "generation_url" of Pruna Get Prediction Status, for example {{ $json.generation_url }}.',
	);
	memoForItem(this, 'contentUrl', () => url);
	configureRoutedRequest(this, { policy: downloadRetryPolicy(this) });
	return { ...requestOptions, url };
}

/** Streams the content into n8n's binary store, named after the URL and typed by Content-Type. */
export const storeContentAsBinary = readSuccess(
	(context) => `Download of ${contentUrlOf(context)}`,
	async function (this: IExecuteSingleFunctions, response: IN8nHttpFullResponse) {
		const options = itemOptions<{ fileName?: string }>(this);
		const url = contentUrlOf(this);
		const file = await storeDownload(this, url, response, options.fileName);
		const binaryPropertyName = String(this.getNodeParameter('binaryPropertyName', 'data')).trim();
		const json = runsAsTool(this)
			? { ...file.json, ...agentFileLink(this, file.binary, binaryPropertyName) }
			: file.json;
		return [outputItem(this, { json, binary: { [binaryPropertyName]: file.binary } })];
	},
);
