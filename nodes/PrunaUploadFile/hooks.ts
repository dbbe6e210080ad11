import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	getInputBinary,
	inputBinaryContent,
	maxUploadBytes,
	mimeTypeFromFileName,
	multipartFileBody,
} from '../shared/pruna/upload-body';
import { itemOptions } from '../shared/pipeline/request-options';
import { outputItem, readSuccess } from '../shared/pipeline/routing';

interface UploadOptions {
	fileName?: string;
	mimeType?: string;
}

function describeUpload(context: IExecuteSingleFunctions): string {
	const propertyName = String(context.getNodeParameter('binaryPropertyName', 'data'));
	return `Upload of binary property '${propertyName.trim()}'`;
}

/** Adds the item's file as the multipart field `content`, streamed from n8n's binary store. */
export async function streamUploadBody(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const propertyName = String(this.getNodeParameter('binaryPropertyName', 'data'));
	const options = itemOptions<UploadOptions & IDataObject>(this);
	const binary = getInputBinary(this, propertyName);

	const content = await inputBinaryContent(this, binary);
	if (content.size > maxUploadBytes) {
		const sizeMb = (content.size / 1024 / 1024).toFixed(1);
		throw new NodeOperationError(
			this.getNode(),
			`The file in '${propertyName.trim()}' on item ${this.getItemIndex()} is ${sizeMb} MB; Pruna accepts up to 100 MB`,
			{
				itemIndex: this.getItemIndex(),
				description: 'Compress or shorten the file before uploading it.',
			},
		);
	}
	const fileName = options.fileName?.trim() || binary.fileName || 'file';
	const mimeType =
		options.mimeType?.trim() ||
		binary.mimeType ||
		mimeTypeFromFileName(fileName) ||
		'application/octet-stream';
	const { body, contentType } = multipartFileBody('content', fileName, mimeType, content);

	return {
		...requestOptions,
		body,
		headers: { ...requestOptions.headers, 'Content-Type': contentType },
	};
}

/** Pruna's answer as it is, plus `url` (= `urls.get`) for the next node's URL fields. */
export const readUploadedFile = readSuccess(
	describeUpload,
	async function (this: IExecuteSingleFunctions, response: IN8nHttpFullResponse) {
		const file = response.body as IDataObject;
		const urls = file.urls as IDataObject | undefined;
		return [outputItem(this, { json: { ...file, url: urls?.get } })];
	},
);
