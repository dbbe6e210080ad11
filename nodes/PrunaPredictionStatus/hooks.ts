import type {
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { requireValidInput } from '../shared/errors';
import type { WaitLimits } from '../shared/polling';
import {
	assertSucceeded,
	readStatusResponse,
	readWaitLimits,
	statusOutput,
	waitForPrediction,
} from '../shared/polling';
import { getBaseUrl, outputItem } from '../shared/transport';
import { parsePredictionId, statusUrl } from '../shared/urls';

function getPredictionId(context: IExecuteSingleFunctions): string {
	return requireValidInput(
		context,
		parsePredictionId(context.getNodeParameter('predictionId', '')),
		'Give the "id" of a Pruna Create Prediction answer, or its "get_url", for example {{ $json.id }}.',
	);
}

/** Asks the base URL for the prediction's status, whether the user gave an id or a status URL. */
export async function requestPredictionStatus(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const predictionId = getPredictionId(this);
	return {
		...requestOptions,
		method: 'GET',
		url: statusUrl(predictionId, await getBaseUrl(this)),
	};
}

/** Checks once, or polls until the prediction has finished; failed and canceled end as errors then. */
export async function waitUntilDone(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const predictionId = getPredictionId(this);
	const baseUrl = await getBaseUrl(this);
	const first = await readStatusResponse(this, response, predictionId);

	let prediction = first.prediction;
	if (this.getNodeParameter('waitUntilDone', true) as boolean) {
		const options = this.getNodeParameter('options', {}) as Partial<WaitLimits>;
		prediction = await waitForPrediction(
			this,
			predictionId,
			baseUrl,
			first,
			readWaitLimits(options),
		);
		assertSucceeded(this, predictionId, prediction);
	}
	return [outputItem(this, { json: statusOutput(predictionId, prediction, baseUrl) })];
}
