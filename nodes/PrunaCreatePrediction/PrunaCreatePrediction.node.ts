import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { createPrediction, routingRequestOf } from '../shared/api/endpoints';
import { fileNameOption, waitOptionFields, optionsCollection } from '../shared/pruna/option-fields';
import { downloadRetryOption } from '../shared/pruna/download';
import { pacingOptionFields } from '../shared/pipeline/request-options';
import { routedNodeBase, routedThroughPipeline } from '../shared/pipeline/routing';
import { docsUrlOf } from '../shared/pruna/docs-links';
import { addModelAndInput, readCreatedPrediction } from './hooks';
import { maxPredictionsPerRunOption } from './spending-guard';
import {
	customModel,
	modelInputProperties,
	modelOptions,
	toolDescriptionProperty,
} from './properties';

export class PrunaCreatePrediction implements INodeType {
	description: INodeTypeDescription = {
		...routedNodeBase,
		icon: { light: 'file:../../icons/pruna.svg', dark: 'file:../../icons/pruna.dark.svg' },
		documentationUrl: docsUrlOf('pruna-create-prediction'),
		displayName: 'Pruna Create Prediction',
		name: 'prunaCreatePrediction',
		group: ['transform'],
		subtitle:
			'={{ $parameter["model"] === "custom" ? $parameter["customModel"] : $parameter["model"] }}',
		description: 'Generate an image or video with a Pruna model, optionally waiting for the file',
		defaults: { name: 'Pruna Create Prediction' },
		usableAsTool: {
			replacements: {
				description:
					'Generates an image or video with a Pruna model and waits for it. Pass the inputs the tool asks for (such as prompt). Returns JSON: id, status, model, generation_url, and with Download Output fileUrl, a link to the file that opens in a browser; a failure returns error with what to change.',
			},
		},
		properties: [
			toolDescriptionProperty,
			{
				displayName: 'Model',
				name: 'model',
				type: 'options',
				default: 'p-image',
				options: modelOptions,
				description: 'The Pruna model to run, by task. Its inputs appear below.',
				routing: {
					// POST /v1/predictions, JSON { input }, headers Model and Try-Sync; paid: never resent but after a 429
					request: routingRequestOf(createPrediction),
					send: routedThroughPipeline(addModelAndInput),
					output: { postReceive: [readCreatedPrediction] },
				},
			},
			{
				displayName: 'Model Name',
				name: 'customModel',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. p-image-pro',
				description: 'The model name Pruna documents, sent as the Model header',
				displayOptions: { show: { model: [customModel] } },
			},
			...modelInputProperties,
			{
				displayName: 'Additional Input (JSON)',
				name: 'additionalInput',
				type: 'json',
				default: '{}',
				description:
					'More input fields as a JSON object, merged last: for fields not listed above or for a custom model',
			},
			optionsCollection([
				{
					displayName: 'Check Inputs Before Sending',
					name: 'checkInputs',
					type: 'boolean',
					default: true,
					description:
						"Whether to refuse, before anything is sent, inputs the package's model catalog says the model does not accept (required fields, choices, ranges, list sizes). Turn off to let Pruna decide, when its API accepts more than this package knows.",
				},
				{
					displayName: 'Download Output',
					name: 'downloadOutput',
					type: 'boolean',
					default: false,
					description:
						'Whether to wait for the prediction and put the generated file in the output item as binary data',
				},
				{ ...fileNameOption, displayOptions: { show: { downloadOutput: [true] } } },
				{
					displayName: 'Put Output File in Field',
					name: 'binaryPropertyName',
					type: 'string',
					default: 'data',
					displayOptions: { show: { downloadOutput: [true] } },
					description: 'The name of the output binary field to put the file in',
				},
				{
					displayName: 'Try Sync',
					name: 'trySync',
					type: 'boolean',
					default: false,
					description:
						"Whether to ask Pruna to answer when the output is ready (up to 60 s) instead of at once. Without this option: on for Pruna's image models when the node waits for the result, off otherwise. While Pruna holds the answer, the prediction's ID is not known: a dropped connection leaves a prediction the node cannot follow.",
				},
				{
					displayName: 'Wait Until Done',
					name: 'waitUntilDone',
					type: 'boolean',
					default: false,
					description:
						'Whether to poll until the prediction has finished; failed and canceled predictions end as errors',
				},
				...waitOptionFields,
				{ ...downloadRetryOption, displayOptions: { show: { downloadOutput: [true] } } },
				maxPredictionsPerRunOption,
				...pacingOptionFields,
			]),
		],
	};
}
