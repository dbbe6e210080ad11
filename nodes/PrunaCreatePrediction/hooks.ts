import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { findModel } from '../shared/api/model-catalog';
import { memoForItem } from '../shared/pipeline/item-memo';
import { connectionOptions, itemOptions } from '../shared/pipeline/request-options';
import { configureRoutedRequest, outputItem, readSuccess } from '../shared/pipeline/routing';
import { getBaseUrl } from '../shared/pipeline/credential';
import { wasAnswerHeld } from '../shared/pipeline/transport';
import { downloadRetryPolicy, downloadToBinary } from '../shared/pruna/download';
import type { PredictionStatus, WaitOptions } from '../shared/pruna/polling';
import {
	parsePredictionStatus,
	readWaitLimits,
	statusOutput,
	throwUnlessPredictionSucceeded,
	waitForPrediction,
} from '../shared/pruna/polling';
import { waitProfileOf } from '../shared/pruna/poll-schedule';
import { agentFileLink, generationUrlNote, runsAsTool } from '../shared/pruna/tool-mode';
import { earlierAnswer, rememberCreated, withCreatedPredictions } from './created';
import { collectModelInput, readModelName, withoutSecrets } from './input';
import { checkModelInput } from './input-check';
import { chooseTrySync, createProgress, trySyncTimeoutMs, withPossibleJobNote } from './waiting';
import { refuseRunOverSpendingLimit } from './spending-guard';

interface CreateOptions extends WaitOptions {
	trySync?: boolean;
	waitUntilDone?: boolean;
	downloadOutput?: boolean;
	binaryPropertyName?: string;
	fileName?: string;
	checkInputs?: boolean;
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

/** Whether the item waits for the prediction's end: asked to, downloading, or as an agent's tool. */
function waitsForResult(context: IExecuteSingleFunctions): boolean {
	const options = readOptions(context);
	// An agent cannot poll on its own: as a tool the node waits unless told not to.
	return (options.waitUntilDone ?? runsAsTool(context)) || options.downloadOutput === true;
}

/**
 * What the create call carries for this item: the `Model` header, `Try-Sync` when set or chosen
 * (see waiting.ts), the `input` body. Built once per item, in preSend; postReceive reuses its
 * model and fingerprint.
 */
function predictionRequest(context: IExecuteSingleFunctions): PredictionRequest {
	return memoForItem(context, 'predictionRequest', () => {
		const model = readModelName(context);
		const headers: IDataObject = { Model: model };
		if (chooseTrySync(readOptions(context).trySync, model, waitsForResult(context))) {
			headers['Try-Sync'] = 'true';
		}
		const input = collectModelInput(context, model);
		if (readOptions(context).checkInputs !== false) refuseInvalidInput(context, model, input);
		const fingerprint = JSON.stringify([model, headers['Try-Sync'] ?? '', input]);
		return { model, headers, body: { input }, fingerprint };
	});
}

const sendAnywayHint =
	'If Pruna accepts this value now, turn off Options → Check Inputs Before Sending';

/**
 * Inputs the catalog can check fail here, before the create (a paid call) is sent. The catalog may be
 * older than Pruna's API, so the error says how to send anyway (Options → Check Inputs Before Sending).
 */
function refuseInvalidInput(context: IExecuteSingleFunctions, model: string, input: IDataObject) {
	const catalogModel = findModel(model);
	const problems = catalogModel ? checkModelInput(catalogModel, input) : [];
	if (problems.length === 0) return;
	const itemIndex = context.getItemIndex();
	throw new NodeOperationError(
		context.getNode(),
		`Create prediction with ${model}: the input is not valid for this model (item ${itemIndex}): ${problems.join('; ')}. ${sendAnywayHint}`,
		{
			itemIndex,
			description: `Nothing was sent to Pruna. Correct these fields:\n${problems.join('\n')}\nThey were checked against the package's model catalog, which may be older than Pruna's API. ${sendAnywayHint}.`,
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
		const { model, headers, body, fingerprint } = predictionRequest(this);
		const earlier = earlierAnswer(this, fingerprint);
		const trySync = headers['Try-Sync'] === 'true';
		// Starts the item's progress: from now on the create is on its way.
		createProgress(this);
		configureRoutedRequest(this, {
			explainError: (error) =>
				withCreatedPredictions(this, withPossibleJobNote(this, model, error)),
			knownAnswer: earlier ? { statusCode: 201, headers: {}, body: earlier } : undefined,
		});
		const boundTimeout = trySync && connectionOptions(this).userTimeoutMs === undefined;
		return {
			...requestOptions,
			...(boundTimeout ? { timeout: trySyncTimeoutMs } : {}),
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
		const progress = createProgress(this);
		progress.answered = true;
		// An async answer to a create sent with Try-Sync comes after Pruna held it: the job is that
		// old already. One sent without (the pipeline may drop the header) was answered at once.
		const createdAt = wasAnswerHeld(response) ? progress.sentAt : Date.now();
		const baseUrl = await getBaseUrl(this);
		if (typeof response.body === 'object' && response.body !== null) {
			rememberCreated(this, fingerprint, response.body as IDataObject);
		}
		const answer = readCreateAnswer(this, model, response.body);
		const label = answer.id ?? `from ${model}`;

		const options = readOptions(this);
		const asTool = runsAsTool(this);
		let prediction: PredictionStatus = answer.prediction ?? { status: 'starting' };
		if (waitsForResult(this)) {
			if (answer.id && !answer.prediction) {
				prediction = await waitForPrediction(
					this,
					answer.id,
					baseUrl,
					undefined,
					readWaitLimits(options, waitProfileOf(model)),
					Date.now(),
					createdAt,
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
