import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { waitOptionFields, optionsCollection } from '../shared/pruna/option-fields';
import { getPredictionStatus, routingRequestOf } from '../shared/api/endpoints';
import { pacingOptionFields } from '../shared/pipeline/request-options';
import { routedNodeBase, routedThroughPipeline } from '../shared/pipeline/routing';
import { docsUrlOf } from '../shared/pruna/docs-links';
import { checkOrWaitForPrediction, putPredictionIdInPath } from './hooks';

export class PrunaPredictionStatus implements INodeType {
	description: INodeTypeDescription = {
		...routedNodeBase,
		icon: { light: 'file:../../icons/pruna.svg', dark: 'file:../../icons/pruna.dark.svg' },
		documentationUrl: docsUrlOf('pruna-get-prediction-status'),
		displayName: 'Pruna Get Prediction Status',
		name: 'prunaPredictionStatus',
		group: ['input'],
		subtitle: '={{ $parameter["waitUntilDone"] ? "Wait until done" : "Check once" }}',
		description: 'Get the status of a Pruna prediction, or wait until it has finished',
		defaults: { name: 'Pruna Get Prediction Status' },
		usableAsTool: {
			replacements: {
				description:
					'Checks a Pruna prediction by its id (the id a Pruna Create Prediction tool returned) and, by default, waits until it has finished. Returns JSON: id, status (starting, processing, succeeded, failed or canceled) and generation_url when it succeeded.',
			},
		},
		properties: [
			{
				displayName: 'Prediction ID',
				name: 'predictionId',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. 1knpbkf075rme0csjqr987hg4w',
				description: 'The prediction ID, or its status URL (the get_url of a create answer)',
				routing: {
					// GET /v1/predictions/status/{id}
					request: {
						...routingRequestOf(getPredictionStatus),
						url: `=${getPredictionStatus.path}{{ $value }}`,
					},
					send: routedThroughPipeline(putPredictionIdInPath),
					output: { postReceive: [checkOrWaitForPrediction] },
				},
			},
			{
				displayName: 'Wait Until Done',
				name: 'waitUntilDone',
				type: 'boolean',
				default: true,
				description:
					'Whether to keep checking until the prediction has succeeded, failed or been canceled. Off: check once and output the status as it is.',
			},
			optionsCollection([
				...waitOptionFields.map((field) => ({
					...field,
					displayOptions: { show: { '/waitUntilDone': [true] } },
				})),
				...pacingOptionFields,
			]),
		],
	};
}
