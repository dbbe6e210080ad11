import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { requireValidInput } from '../shared/pipeline/errors';
import { memoForItem } from '../shared/pipeline/item-memo';
import type { WaitLimits } from '../shared/pruna/polling';
import {
	assertSucceeded,
	readStatusResponse,
	readWaitLimits,
	statusOutput,
	outageTimeoutError,
	waitForPrediction,
	waitingPolicy,
} from '../shared/pruna/polling';
import { itemOptions } from '../shared/pipeline/request-options';
import { getBaseUrl, outputItem, setRoutedRetry } from '../shared/pipeline/transport';
import { parsePredictionId, statusUrl } from '../shared/api/urls';

/** The item's prediction ID: as routing handed it to preSend, else read from the parameter. */
function getPredictionId(context: IExecuteSingleFunctions, routed?: unknown): string {
	return memoForItem(context, 'predictionId', () =>
		requireValidInput(
			context,
			parsePredictionId(routed ?? context.getNodeParameter('predictionId', '')),
			'Give the "id" of a Pruna Create Prediction answer, or its "get_url", for example {{ $json.id }}.',
		),
	);
}

function waitsUntilDone(context: IExecuteSingleFunctions): boolean {
	return memoForItem(
		context,
		'waitUntilDone',
		() => context.getNodeParameter('waitUntilDone', true) as boolean,
	);
}

function waitLimits(context: IExecuteSingleFunctions): WaitLimits {
	return readWaitLimits(itemOptions<Partial<WaitLimits> & IDataObject>(context));
}

/** When the item's wait began: Max Wait covers the first check too. */
function waitStartedAt(context: IExecuteSingleFunctions): number {
	return memoForItem(context, 'waitStartedAt', () => Date.now());
}

/** Asks the base URL for the prediction's status, whether the user gave an id or a status URL. */
export async function requestPredictionStatus(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	// Routing has already evaluated the parameter into the query (see the node's `send`): take it
	// from there rather than evaluate the expression again, and ask for the status path instead.
	const { predictionId: routed, ...qs } = requestOptions.qs ?? {};
	const predictionId = getPredictionId(this, routed);
	if (waitsUntilDone(this)) {
		// Waiting rides out the API's bad minutes from the first check on.
		const startedAt = waitStartedAt(this);
		const { maxWaitSeconds } = waitLimits(this);
		const baseUrl = await getBaseUrl(this);
		setRoutedRetry(this, {
			policy: waitingPolicy(startedAt + maxWaitSeconds * 1000),
			onOutageTimeout: outageTimeoutError(this, {
				predictionId,
				baseUrl,
				maxWaitSeconds,
				startedAt,
				lastStatus: 'unknown',
			}),
		});
	}
	return {
		...requestOptions,
		qs,
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
	if (waitsUntilDone(this)) {
		prediction = await waitForPrediction(
			this,
			predictionId,
			baseUrl,
			first,
			waitLimits(this),
			waitStartedAt(this),
		);
		assertSucceeded(this, predictionId, prediction);
	}
	return [outputItem(this, { json: statusOutput(predictionId, prediction, baseUrl) })];
}
