import type {
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { contentRequest, downloadRetryPolicy, storeDownload } from '../shared/pruna/download';
import { requireValidInput } from '../shared/pipeline/errors';
import { memoForItem } from '../shared/pipeline/item-memo';
import { itemOptions } from '../shared/pipeline/request-options';
import { agentFileLink, runsAsTool } from '../shared/pruna/tool-mode';
import {
	assertSuccess,
	getBaseUrl,
	outputItem,
	setRoutedRetry,
} from '../shared/pipeline/transport';
import { resolveContentUrl } from '../shared/api/urls';

async function getContentUrl(context: IExecuteSingleFunctions): Promise<string> {
	return await memoForItem(context, 'contentUrl', async () =>
		requireValidInput(
			context,
			resolveContentUrl(context.getNodeParameter('url', ''), await getBaseUrl(context)),
			'Give the "generation_url" of Pruna Get Prediction Status, for example {{ $json.generation_url }}.',
		),
	);
}

/** Points the request at the content: absolute URLs as they are, paths on the base URL. */
export async function requestContent(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	setRoutedRetry(this, { policy: downloadRetryPolicy(this) });
	return {
		...requestOptions,
		...contentRequest,
		headers: { ...requestOptions.headers, ...contentRequest.headers },
		url: await getContentUrl(this),
	};
}

/** Streams the content into n8n's binary store, named after the URL and typed by Content-Type. */
export async function downloadAsBinary(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const options = itemOptions<{ fileName?: string }>(this);
	const url = await getContentUrl(this);
	await assertSuccess(this, response, `Download of ${url}`);
	const file = await storeDownload(this, url, response, options.fileName);
	const binaryPropertyName = String(this.getNodeParameter('binaryPropertyName', 'data')).trim();
	const json = runsAsTool(this)
		? { ...file.json, ...agentFileLink(this, file.binary, binaryPropertyName) }
		: file.json;
	return [outputItem(this, { json, binary: { [binaryPropertyName]: file.binary } })];
}
