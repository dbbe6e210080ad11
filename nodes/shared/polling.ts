import type { IDataObject, IExecuteSingleFunctions, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { pause } from './pause';
import { assertSuccess, prunaRequest } from './transport';
import { resolveContentUrl, statusUrl } from './urls';

export const predictionStatuses = [
	'starting',
	'processing',
	'succeeded',
	'failed',
	'canceled',
] as const;
export type PredictionStatusName = (typeof predictionStatuses)[number];

const finishedStatuses: readonly string[] = ['succeeded', 'failed', 'canceled'];

export interface PredictionStatus {
	status: PredictionStatusName;
	generation_url?: string;
	message?: string;
	error?: string;
}

export interface StatusReading {
	prediction: PredictionStatus;
	/** From the `X-Poll-Interval` header: how long the server asks us to wait before asking again. */
	serverPollIntervalSeconds?: number;
}

export interface WaitLimits {
	pollIntervalSeconds: number;
	maxWaitSeconds: number;
}

/** The wait options a user set, with the defaults the option fields show. */
export function readWaitLimits(options: Partial<WaitLimits>): WaitLimits {
	return {
		pollIntervalSeconds: options.pollIntervalSeconds ?? 2,
		maxWaitSeconds: options.maxWaitSeconds ?? 600,
	};
}

/** Bounds on a server's polling hint, so a bad header can neither hammer the API nor stall us. */
const minServerPollIntervalSeconds = 0.05;
const maxServerPollIntervalSeconds = 60;

function readPollIntervalHeader(headers: IDataObject | undefined): number | undefined {
	const raw = headers?.['x-poll-interval'];
	const seconds = Number(Array.isArray(raw) ? raw[0] : raw);
	if (raw === undefined || raw === '' || !Number.isFinite(seconds) || seconds <= 0)
		return undefined;
	return Math.min(Math.max(seconds, minServerPollIntervalSeconds), maxServerPollIntervalSeconds);
}

/** Checks a status answer's shape, so a proxy's page or a changed API fails loudly, not as "undefined". */
export function parsePredictionStatus(
	context: IExecuteSingleFunctions,
	body: IDataObject | undefined,
	predictionLabel: string,
): PredictionStatus {
	const status = body?.status;
	if (typeof status !== 'string' || !predictionStatuses.includes(status as PredictionStatusName)) {
		throw new NodeApiError(
			context.getNode(),
			{ body: JSON.stringify(body ?? null).slice(0, 500) },
			{
				message: `Prediction ${predictionLabel}: Pruna's status answer has no known status`,
				description: `Expected one of ${predictionStatuses.join(', ')}; got ${JSON.stringify(status)}.`,
				itemIndex: context.getItemIndex(),
			},
		);
	}
	const prediction: PredictionStatus = { status: status as PredictionStatusName };
	for (const key of ['generation_url', 'message', 'error'] as const) {
		if (typeof body?.[key] === 'string') prediction[key] = body[key] as string;
	}
	return prediction;
}

export async function readStatusResponse(
	context: IExecuteSingleFunctions,
	response: IN8nHttpFullResponse,
	predictionId: string,
): Promise<StatusReading> {
	await assertSuccess(context, response, `Prediction ${predictionId}`);
	return {
		prediction: parsePredictionStatus(context, response.body as IDataObject, predictionId),
		serverPollIntervalSeconds: readPollIntervalHeader(response.headers),
	};
}

export async function fetchPredictionStatus(
	context: IExecuteSingleFunctions,
	predictionId: string,
	baseUrl: string,
): Promise<StatusReading> {
	const response = await prunaRequest(context, {
		method: 'GET',
		url: statusUrl(predictionId, baseUrl),
	});
	return await readStatusResponse(context, response, predictionId);
}

export function isFinished(prediction: PredictionStatus): boolean {
	return finishedStatuses.includes(prediction.status);
}

/**
 * Polls until the prediction is succeeded, failed or canceled, or `maxWaitSeconds` have passed.
 * Without a `first` reading (a prediction just created) it waits one interval before the first check.
 * Waits with n8n's `sleep`, so cancelling the execution stops the wait at once.
 */
export async function waitForPrediction(
	context: IExecuteSingleFunctions,
	predictionId: string,
	baseUrl: string,
	first: StatusReading | undefined,
	limits: WaitLimits,
): Promise<PredictionStatus> {
	const startedAt = Date.now();
	const deadline = startedAt + limits.maxWaitSeconds * 1000;
	let reading: StatusReading = first ?? { prediction: { status: 'starting' } };

	while (!isFinished(reading.prediction)) {
		const remainingMs = deadline - Date.now();
		if (remainingMs <= 0) {
			const waitedSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
			throw new NodeOperationError(
				context.getNode(),
				`Prediction ${predictionId} is still "${reading.prediction.status}" after waiting ${waitedSeconds} s`,
				{
					itemIndex: context.getItemIndex(),
					description: `Max Wait is ${limits.maxWaitSeconds} s. Raise it, or check the prediction again later with Wait Until Done off.`,
				},
			);
		}
		const intervalMs = (reading.serverPollIntervalSeconds ?? limits.pollIntervalSeconds) * 1000;
		await pause(context, Math.min(intervalMs, remainingMs), `prediction ${predictionId}`);
		reading = await fetchPredictionStatus(context, predictionId, baseUrl);
	}
	return reading.prediction;
}

/** `failed` and `canceled` become errors that carry Pruna's own words and the id. */
export function assertSucceeded(
	context: IExecuteSingleFunctions,
	predictionId: string,
	prediction: PredictionStatus,
): void {
	if (prediction.status === 'succeeded') return;
	const reason = prediction.error ?? prediction.message ?? 'Pruna gave no reason';
	throw new NodeOperationError(
		context.getNode(),
		`Prediction ${predictionId} ${prediction.status === 'canceled' ? 'was canceled' : 'failed'}: ${reason}`,
		{
			itemIndex: context.getItemIndex(),
			description:
				prediction.status === 'canceled'
					? 'The prediction was canceled before it finished; nothing was generated.'
					: 'Pruna could not generate the content. Check the prediction input.',
		},
	);
}

/** The status as the nodes output it: the id (a Try-Sync answer has none), `generation_url` absolute. */
export function statusOutput(
	predictionId: string | undefined,
	prediction: PredictionStatus,
	baseUrl: string,
): IDataObject {
	const output: IDataObject = predictionId ? { id: predictionId } : {};
	output.status = prediction.status;
	if (prediction.generation_url) {
		const resolved = resolveContentUrl(prediction.generation_url, baseUrl);
		output.generation_url = 'value' in resolved ? resolved.value : prediction.generation_url;
	}
	if (prediction.message !== undefined) output.message = prediction.message;
	if (prediction.error !== undefined) output.error = prediction.error;
	return output;
}
