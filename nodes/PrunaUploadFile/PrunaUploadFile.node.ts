import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { routingRequestOf, uploadFile } from '../shared/api/endpoints';
import { pacingOptionFields } from '../shared/pipeline/request-options';
import { optionsCollection } from '../shared/pruna/option-fields';
import { routedNodeBase, routedThroughPipeline } from '../shared/pipeline/routing';
import { docsUrlOf } from '../shared/pruna/docs-links';
import { readUploadedFile, streamUploadBody } from './hooks';

export class PrunaUploadFile implements INodeType {
	description: INodeTypeDescription = {
		...routedNodeBase,
		icon: { light: 'file:../../icons/pruna.svg', dark: 'file:../../icons/pruna.dark.svg' },
		documentationUrl: docsUrlOf('pruna-upload-file'),
		displayName: 'Pruna Upload File',
		name: 'prunaUploadFile',
		group: ['output'],
		subtitle: '={{ "Upload " + $parameter["binaryPropertyName"] }}',
		description:
			'Upload an image, video or audio file to Pruna and get a URL to use as input of a prediction',
		defaults: { name: 'Pruna Upload File' },
		usableAsTool: {
			replacements: {
				description:
					"Uploads the file in the item's binary field to Pruna. Returns JSON with url: pass it to a Pruna model's image, video or audio input. Uploads expire (expires_at).",
			},
		},
		properties: [
			{
				displayName: 'Input Binary Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				hint: 'The name of the binary property that holds the file',
				description:
					"The file is streamed to Pruna (up to 100 MB). The output has Pruna's answer and its URL, for the next node's image, video or audio fields.",
				routing: {
					// POST /v1/files, multipart: the file streamed from n8n's binary store
					request: routingRequestOf(uploadFile),
					send: routedThroughPipeline(streamUploadBody),
					output: { postReceive: [readUploadedFile] },
				},
			},
			optionsCollection([
				{
					displayName: 'File Name',
					name: 'fileName',
					type: 'string',
					default: '',
					description: "The name Pruna stores the file under. Default: the binary data's own name.",
				},
				{
					displayName: 'MIME Type',
					name: 'mimeType',
					type: 'string',
					default: '',
					placeholder: 'image/png',
					description: "The type sent for the file. Default: the binary data's own type.",
				},
				...pacingOptionFields,
			]),
		],
	};
}
