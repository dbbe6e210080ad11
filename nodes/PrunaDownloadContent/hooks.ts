import type {
	IBinaryData,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sanitizeFilename } from 'n8n-workflow';

import { mimeTypeFromFileName } from '../shared/binary';
import { readErrorBody, requireValidInput } from '../shared/errors';
import { assertSuccess, getBaseUrl, outputItem, prunaRequest } from '../shared/transport';
import { fileNameFromUrl, resolveContentUrl } from '../shared/urls';

/** Enough for a CDN hop or two; more means a loop. */
const maxRedirects = 5;

const contentRequest: Partial<IHttpRequestOptions> = {
	method: 'GET',
	encoding: 'stream',
	headers: { Accept: '*/*' },
};

async function getContentUrl(context: IExecuteSingleFunctions): Promise<string> {
	return requireValidInput(
		context,
		resolveContentUrl(context.getNodeParameter('url', ''), await getBaseUrl(context)),
		'Give the "generation_url" of Pruna Get Prediction Status, for example {{ $json.generation_url }}.',
	);
}

/** Points the request at the content: absolute URLs as they are, paths on the base URL. */
export async function requestContent(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	return {
		...requestOptions,
		...contentRequest,
		headers: { ...requestOptions.headers, ...contentRequest.headers },
		url: await getContentUrl(this),
	};
}

function headerValue(response: IN8nHttpFullResponse, name: string): string | undefined {
	const value = response.headers?.[name];
	if (value === undefined || value === null) return undefined;
	return String(Array.isArray(value) ? value[0] : value);
}

/**
 * Follows redirects one hop at a time through the transport, so each hop is authenticated (or not)
 * for its own origin: the key never travels to a CDN.
 */
async function followRedirects(
	context: IExecuteSingleFunctions,
	url: string,
	response: IN8nHttpFullResponse,
): Promise<{ url: string; response: IN8nHttpFullResponse }> {
	for (let hop = 0; response.statusCode >= 300 && response.statusCode < 400; hop++) {
		const location = headerValue(response, 'location');
		// Drain the redirect's (small) body so its connection can be reused.
		await readErrorBody(response.body);
		if (!location) break;
		const next = new URL(location, url);
		if (hop === maxRedirects || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
			throw new NodeOperationError(
				context.getNode(),
				hop === maxRedirects
					? `Download of ${url}: more than ${maxRedirects} redirects`
					: `Download of ${url}: redirected to a non-http(s) URL (${next.protocol})`,
				{ itemIndex: context.getItemIndex() },
			);
		}
		url = next.toString();
		response = await prunaRequest(context, { ...contentRequest, url });
	}
	return { url, response };
}

/** Streams the content into n8n's binary store, named after the URL and typed by Content-Type. */
export async function downloadAsBinary(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	firstResponse: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const requestedUrl = await getContentUrl(this);
	const { url, response } = await followRedirects(this, requestedUrl, firstResponse);
	await assertSuccess(this, response, `Download of ${requestedUrl}`);

	const options = this.getNodeParameter('options', {}) as { fileName?: string };
	const fileName = sanitizeFilename(
		options.fileName?.trim() || fileNameFromUrl(requestedUrl) || fileNameFromUrl(url) || 'output',
	);
	const mimeType =
		headerValue(response, 'content-type')?.split(';')[0].trim() ||
		mimeTypeFromFileName(fileName) ||
		'application/octet-stream';
	const expectedBytes = headerValue(response, 'content-length');

	const body = response.body as Parameters<typeof this.helpers.prepareBinaryData>[0];
	let binary: IBinaryData;
	try {
		binary = await this.helpers.prepareBinaryData(body, fileName, mimeType);
	} catch (error) {
		// A plain object, not the error: NodeApiError would swap our message for a generic one by its code.
		throw new NodeApiError(
			this.getNode(),
			{ reason: (error as Error).message },
			{
				message:
					`Download of ${requestedUrl} was cut off: the connection closed before the whole file arrived` +
					` (${(error as Error).message})${expectedBytes ? ` (${expectedBytes} bytes expected)` : ''}`,
				description: 'The partial file was not output. Run the node again.',
				itemIndex: this.getItemIndex(),
			},
		);
	}

	const binaryPropertyName = String(this.getNodeParameter('binaryPropertyName', 'data')).trim();
	return [
		outputItem(this, {
			json: { url: requestedUrl, fileName, mimeType, fileSize: binary.bytes },
			binary: { [binaryPropertyName]: binary },
		}),
	];
}
