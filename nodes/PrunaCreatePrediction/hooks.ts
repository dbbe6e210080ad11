import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { downloadToBinary } from '../shared/download';
import { findModel } from '../shared/models';
import type { PredictionStatus, WaitLimits } from '../shared/polling';
import {
	assertSucceeded,
	parsePredictionStatus,
	readWaitLimits,
	statusOutput,
	waitForPrediction,
} from '../shared/polling';
import { withRetries } from '../shared/retry';
import { assertSuccess, getBaseUrl, outputItem, prunaRequest } from '../shared/transport';
import { memoForItem } from '../shared/item-memo';
import { collectModelInput, readModelName, withoutSecrets } from './input';

interface CreateOptions extends Partial<WaitLimits> {
	trySync?: boolean;
	waitUntilDone?: boolean;
	downloadOutput?: boolean;
	binaryPropertyName?: string;
	fileName?: string;
}

const predictionsPath = '/v1/predictions';

function readOptions(context: IExecuteSingleFunctions): CreateOptions {
	return context.getNodeParameter('options', {}) as CreateOptions;
}

interface PredictionRequest {
	model: string;
	options: IHttpRequestOptions;
}

/**
 * The create call for this item: the `Model` header, `Try-Sync` when asked, the `input` body. Built
 * once per item, in preSend; postReceive reuses it for a retry after a 429.
 */
async function predictionRequest(context: IExecuteSingleFunctions): Promise<PredictionRequest> {
	return await memoForItem(context, 'predictionRequest', async () => {
		const model = readModelName(context);
		const headers: IDataObject = { Model: model, 'Content-Type': 'application/json' };
		if (readOptions(context).trySync) headers['Try-Sync'] = 'true';
		const options: IHttpRequestOptions = {
			method: 'POST',
			url: `${await getBaseUrl(context)}${predictionsPath}`,
			headers,
			body: { input: collectModelInput(context, model) },
			json: true,
		};
		return { model, options };
	});
}

export async function buildPredictionRequest(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const { options } = await predictionRequest(this);
	return {
		...requestOptions,
		...options,
		headers: { ...requestOptions.headers, ...options.headers },
	};
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
 * end and fetches the file. A 429 is sent again after the reset; nothing else is, because a create
 * call that reached Pruna may have started a paid job.
 */
export async function toPredictionOutput(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	firstResponse: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const { model, options: request } = await predictionRequest(this);
	const baseUrl = await getBaseUrl(this);
	// Only a 429 is sent again: any other failure may have started a paid job.
	const response = await prunaRequest(this, request, {
		policy: 'rateLimitOnly',
		answered: firstResponse,
	});
	await assertSuccess(this, response, `Create prediction with ${model}`);
	const answer = readCreateAnswer(this, model, response.body);
	const label = answer.id ?? `from ${model}`;

	const options = readOptions(this);
	let prediction: PredictionStatus = answer.prediction ?? { status: 'starting' };
	if (options.waitUntilDone || options.downloadOutput) {
		if (answer.id && !answer.prediction) {
			prediction = await waitForPrediction(
				this,
				answer.id,
				baseUrl,
				undefined,
				readWaitLimits(options),
			);
		}
		assertSucceeded(this, label, prediction);
	}

	const json: IDataObject = { ...statusOutput(answer.id, prediction, baseUrl), model };
	if (answer.getUrl) json.get_url = answer.getUrl;
	if (answer.input) json.input = withoutSecrets(answer.input, findModel(model));

	if (!options.downloadOutput) return [outputItem(this, { json })];
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
	const contentUrl = json.generation_url;
	const file = await withRetries(
		this,
		'transient',
		async () => await downloadToBinary(this, contentUrl, { fileName: options.fileName }),
	);
	const binaryPropertyName = options.binaryPropertyName?.trim() || 'data';
	return [
		outputItem(this, {
			json: {
				...json,
				fileName: file.json.fileName,
				mimeType: file.json.mimeType,
				fileSize: file.json.fileSize,
			},
			binary: { [binaryPropertyName]: file.binary },
		}),
	];
}
