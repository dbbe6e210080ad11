import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { getPredictionStatus, statusPathOf } from '../shared/api/endpoints';
import { parsePredictionId } from '../shared/api/urls';
import { requireValidInput } from '../shared/pipeline/errors';
import { memoForItem } from '../shared/pipeline/item-memo';
import { itemOptions } from '../shared/pipeline/request-options';
import { configureRoutedRequest, outputItem, readSuccess } from '../shared/pipeline/routing';
import { getBaseUrl } from '../shared/pipeline/credential';
import type { WaitLimits, WaitOptions } from '../shared/pruna/polling';
import {
	outageTimeoutError,
	parseStatusAnswer,
	readWaitLimits,
	statusOutput,
	throwUnlessPredictionSucceeded,
	waitForPrediction,
	waitingPolicy,
} from '../shared/pruna/polling';
import { waitProfileOf } from '../shared/pruna/poll-schedule';

/** The prediction ID preSend read for the item, for postReceive. */
function predictionIdOf(context: IExecuteSingleFunctions): string {
	return memoForItem<string>(context, 'predictionId', () => '');
}

function waitsUntilDone(context: IExecuteSingleFunctions): boolean {
	return memoForItem(
		context,
		'waitUntilDone',
		() => context.getNodeParameter('waitUntilDone', true) as boolean,
	);
}

/**
 * Pruna's status answer does not name the model. An item from Create Prediction does (`model`):
 * the schedule then suits that model; for a bare ID, one that suits images and video alike.
 */
function waitLimits(context: IExecuteSingleFunctions): WaitLimits {
	const profile = waitProfileOf(context.getInputData()?.json?.model);
	return readWaitLimits(itemOptions<WaitOptions & IDataObject>(context), profile);
}

/** When the item's wait began: Max Wait covers the first check too. */
function waitStartedAt(context: IExecuteSingleFunctions): number {
	return memoForItem(context, 'waitStartedAt', () => Date.now());
}

/**
 * Puts the checked prediction ID in the status path. Routing appended the field's value to the
 * path; the field also takes a status URL (a create answer's `get_url`), whose ID is kept, so
 * status is always asked of the credential's base URL. When waiting, the first check already
 * rides out Pruna's bad minutes.
 */
export async function putPredictionIdInPath(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const value = String(requestOptions.url ?? '').slice(getPredictionStatus.path.length);
	const predictionId = requireValidInput(
		this,
		parsePredictionId(value),
		'Give the "id" of a Pruna Create Prediction answer, or its "get_url", for example {{ $json.id }}.',
	);
	memoForItem(this, 'predictionId', () => predictionId);
	if (waitsUntilDone(this)) {
		const startedAt = waitStartedAt(this);
		const { maxWaitSeconds } = waitLimits(this);
		configureRoutedRequest(this, {
			policy: waitingPolicy(startedAt + maxWaitSeconds * 1000),
			onOutageTimeout: outageTimeoutError(this, {
				predictionId,
				baseUrl: await getBaseUrl(this),
				maxWaitSeconds,
				startedAt,
				lastStatus: 'unknown',
			}),
		});
	}
	return { ...requestOptions, url: statusPathOf(predictionId) };
}

/** Outputs the status as it is, or polls until the prediction has finished; failed and canceled end as errors then. */
export const checkOrWaitForPrediction = readSuccess(
	(context) => `Prediction ${predictionIdOf(context)}`,
	async function (this: IExecuteSingleFunctions, response: IN8nHttpFullResponse) {
		const predictionId = predictionIdOf(this);
		const baseUrl = await getBaseUrl(this);
		const first = parseStatusAnswer(this, response, predictionId);
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
			throwUnlessPredictionSucceeded(this, predictionId, prediction);
		}
		return [outputItem(this, { json: statusOutput(predictionId, prediction, baseUrl) })];
	},
);
