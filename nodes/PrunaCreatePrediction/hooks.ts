import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { findModel } from '../shared/api/model-catalog';
import { memoForItem } from '../shared/pipeline/item-memo';
import { itemOptions } from '../shared/pipeline/request-options';
import { configureRoutedRequest, outputItem, readSuccess } from '../shared/pipeline/routing';
import { getBaseUrl } from '../shared/pipeline/transport';
import { downloadRetryPolicy, downloadToBinary } from '../shared/pruna/download';
import type { PredictionStatus, WaitLimits } from '../shared/pruna/polling';
import {
	parsePredictionStatus,
	readWaitLimits,
	statusOutput,
	throwUnlessPredictionSucceeded,
	waitForPrediction,
} from '../shared/pruna/polling';
import { agentFileLink, generationUrlNote, runsAsTool } from '../shared/pruna/tool-mode';
import { earlierAnswer, rememberCreated, withCreatedPredictions } from './created';
import { collectModelInput, readModelName, withoutSecrets } from './input';
import { checkModelInput } from './input-check';
import { refuseRunOverSpendingLimit } from './spending-guard';

interface CreateOptions extends Partial<WaitLimits> {
	trySync?: boolean;
	waitUntilDone?: boolean;
	downloadOutput?: boolean;
	binaryPropertyName?: string;
	fileName?: string;
}

function readOptions(context: IExecuteSingleFunctions): CreateOptions {
	return itemOptions<CreateOptions & IDataObject>(context);
}

interface PredictionRequest {
	model: string;
	headers: IDataObject;
	body: IDataObject;
	/** The model, Try-Sync and input: what makes two creates of one item the same paid job. */
	fingerprint: string;
}

/**
 * What the create call carries for this item: the `Model` header, `Try-Sync` when asked, the
 * `input` body. Built once per item, in preSend; postReceive reuses its model and fingerprint.
 */
function predictionRequest(context: IExecuteSingleFunctions): PredictionRequest {
	return memoForItem(context, 'predictionRequest', () => {
		const model = readModelName(context);
		const headers: IDataObject = { Model: model };
		if (readOptions(context).trySync) headers['Try-Sync'] = 'true';
		const input = collectModelInput(context, model);
		refuseInvalidInput(context, model, input);
		const fingerprint = JSON.stringify([model, headers['Try-Sync'] ?? '', input]);
		return { model, headers, body: { input }, fingerprint };
	});
}

/** Inputs the catalog can check fail here, before the create (a paid call) is sent. */
function refuseInvalidInput(context: IExecuteSingleFunctions, model: string, input: IDataObject) {
	const catalogModel = findModel(model);
	const problems = catalogModel ? checkModelInput(catalogModel, input) : [];
	if (problems.length === 0) return;
	const itemIndex = context.getItemIndex();
	throw new NodeOperationError(
		context.getNode(),
		`Create prediction with ${model}: the input is not valid for this model (item ${itemIndex}): ${problems.join('; ')}`,
		{
			itemIndex,
			description: `Nothing was sent to Pruna. Correct these fields:\n${problems.join('\n')}`,
		},
	);
}

/**
 * Adds the model and its input to the create call. The pipeline sends it again only after a 429
 * (nothing was created then). When an earlier try of this node (n8n's Retry On Fail) already
 * created this item's prediction, that answer is used and nothing is sent. An item that fails
 * names the predictions its run created. A run over Max Predictions per Run sends nothing.
 */
export async function addModelAndInput(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	try {
		refuseRunOverSpendingLimit(this);
		const { headers, body, fingerprint } = predictionRequest(this);
		const earlier = earlierAnswer(this, fingerprint);
		configureRoutedRequest(this, {
			explainError: (error) => withCreatedPredictions(this, error),
			knownAnswer: earlier ? { statusCode: 201, headers: {}, body: earlier } : undefined,
		});
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, ...headers },
			body,
			json: true,
		};
	} catch (error) {
		throw withCreatedPredictions(this, error);
	}
}

interface CreateAnswer {
	/** Absent when Try-Sync finished in time. */
	id?: string;
	getUrl?: string;
	input?: IDataObject;
	/** Present when Try-Sync finished in time: the prediction's final status. */
	prediction?: PredictionStatus;
}

/** Tells the two answers apart: a finished Try-Sync answer has a status, an async one an id. */
function readCreateAnswer(
	context: IExecuteSingleFunctions,
	model: string,
	body: unknown,
): CreateAnswer {
	const answer = (typeof body === 'object' && body !== null ? body : {}) as IDataObject;
	if (answer.status !== undefined) {
		return { prediction: parsePredictionStatus(context, answer, `from ${model}`) };
	}
	if (typeof answer.id !== 'string' || !answer.id) {
		throw new NodeApiError(
			context.getNode(),
			{ body: JSON.stringify(answer).slice(0, 500) },
			{
				message: `Create prediction with ${model}: Pruna's answer has neither an ID nor a status`,
				itemIndex: context.getItemIndex(),
			},
		);
	}
	return {
		id: answer.id,
		getUrl: typeof answer.get_url === 'string' ? answer.get_url : undefined,
		input:
			typeof answer.input === 'object' && answer.input !== null
				? (answer.input as IDataObject)
				: undefined,
	};
}

/**
 * Reads the create answer; with Wait Until Done or Download Output, follows the prediction to its
 * end and fetches the file.
 */
export const readCreatedPrediction = readSuccess(
	(context) => `Create prediction with ${predictionRequest(context).model}`,
	async function (this: IExecuteSingleFunctions, response: IN8nHttpFullResponse) {
		const { model, fingerprint } = predictionRequest(this);
		const baseUrl = await getBaseUrl(this);
		if (typeof response.body === 'object' && response.body !== null) {
			rememberCreated(this, fingerprint, response.body as IDataObject);
		}
		const answer = readCreateAnswer(this, model, response.body);
		const label = answer.id ?? `from ${model}`;

		const options = readOptions(this);
		const asTool = runsAsTool(this);
		// An agent cannot poll on its own: as a tool the node waits unless told not to.
		const waits = options.waitUntilDone ?? asTool;
		let prediction: PredictionStatus = answer.prediction ?? { status: 'starting' };
		if (waits || options.downloadOutput) {
			if (answer.id && !answer.prediction) {
				prediction = await waitForPrediction(
					this,
					answer.id,
					baseUrl,
					undefined,
					readWaitLimits(options),
				);
			}
			throwUnlessPredictionSucceeded(this, label, prediction);
		}

		const json: IDataObject = { ...statusOutput(answer.id, prediction, baseUrl), model };
		if (answer.getUrl) json.get_url = answer.getUrl;
		if (answer.input) json.input = withoutSecrets(answer.input, findModel(model));

		if (!options.downloadOutput) {
			if (asTool && json.generation_url) json.note = generationUrlNote;
			return [outputItem(this, { json })];
		}
		if (typeof json.generation_url !== 'string') {
			throw new NodeApiError(
				this.getNode(),
				{ status: prediction.status },
				{
					message: `Prediction ${label} succeeded but Pruna gave no generation_url to download`,
					itemIndex: this.getItemIndex(),
				},
			);
		}
		const file = await downloadToBinary(this, json.generation_url, {
			fileName: options.fileName,
			policy: downloadRetryPolicy(this),
		});
		const binaryPropertyName = options.binaryPropertyName?.trim() || 'data';
		return [
			outputItem(this, {
				json: {
					...json,
					fileName: file.json.fileName,
					mimeType: file.json.mimeType,
					fileSize: file.json.fileSize,
					...(asTool ? agentFileLink(this, file.binary, binaryPropertyName) : {}),
				},
				binary: { [binaryPropertyName]: file.binary },
			}),
		];
	},
);
