import type { IDataObject, IExecuteSingleFunctions, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { pause } from '../pipeline/pause';
import type { RetryPolicy } from '../pipeline/retry';
import type { Outage } from '../pipeline/transport';
import { throwUnlessHttpSuccess } from '../pipeline/errors';
import { sendToPruna } from '../pipeline/transport';
import { getPredictionStatus, statusPathOf } from '../api/endpoints';
import { resolveContentUrl, statusUrl } from '../api/urls';
import type { PollSchedule, WaitProfile } from './poll-schedule';
import { nextPollPauseMs, pollScheduleOf } from './poll-schedule';

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

/** The wait options as a user can set them (an option not added is absent). */
export interface WaitOptions {
	pollIntervalSeconds?: number;
	maxWaitSeconds?: number;
}

export interface WaitLimits {
	schedule: PollSchedule;
	maxWaitSeconds: number;
}

/**
 * The wait options a user set: a Poll Interval added by hand is kept as set; without one the
 * pause adapts to the time waited, as `profile` says (see poll-schedule.ts).
 */
export function readWaitLimits(options: WaitOptions, profile: WaitProfile): WaitLimits {
	return {
		schedule: pollScheduleOf(options.pollIntervalSeconds, profile),
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

/** A successful status answer: the prediction's status and the server's polling hint. */
export function parseStatusAnswer(
	context: IExecuteSingleFunctions,
	response: IN8nHttpFullResponse,
	predictionId: string,
): StatusReading {
	return {
		prediction: parsePredictionStatus(context, response.body as IDataObject, predictionId),
		serverPollIntervalSeconds: readPollIntervalHeader(response.headers),
	};
}

/** One status check while waiting: through outages, until the wait's deadline. */
async function fetchPredictionStatus(
	context: IExecuteSingleFunctions,
	predictionId: string,
	policy: RetryPolicy,
	onOutageTimeout: (outage: Outage) => NodeOperationError,
): Promise<StatusReading> {
	const { response } = await sendToPruna(
		context,
		{ method: getPredictionStatus.method, url: statusPathOf(predictionId) },
		{ policy, onOutageTimeout },
	);
	await throwUnlessHttpSuccess(context, response, `Prediction ${predictionId}`);
	return parseStatusAnswer(context, response, predictionId);
}

/** The policy for checking a prediction while waiting for it: through outages, until Max Wait. */
export function waitingPolicy(deadlineAt: number): RetryPolicy {
	return { kind: 'untilDeadline', deadlineAt };
}

export function isFinished(prediction: PredictionStatus): boolean {
	return finishedStatuses.includes(prediction.status);
}

interface WaitFacts {
	predictionId: string;
	baseUrl: string;
	maxWaitSeconds: number;
	startedAt: number;
	lastStatus: string;
}

function stillWaitingError(context: IExecuteSingleFunctions, facts: WaitFacts, why: string) {
	const waitedSeconds = Math.round((Date.now() - facts.startedAt) / 100) / 10;
	return new NodeOperationError(
		context.getNode(),
		`Prediction ${facts.predictionId} is still "${facts.lastStatus}" after waiting ${waitedSeconds} s`,
		{
			itemIndex: context.getItemIndex(),
			description: `${why} The prediction may still finish: check it later with Pruna Get Prediction Status (ID ${facts.predictionId}, status URL ${statusUrl(facts.predictionId, facts.baseUrl)}).`,
		},
	);
}

/** The error of a wait whose Max Wait ran out while Pruna's status endpoint kept failing. */
export function outageTimeoutError(context: IExecuteSingleFunctions, facts: WaitFacts) {
	return (outage: Outage) =>
		stillWaitingError(
			context,
			facts,
			`Max Wait (${facts.maxWaitSeconds} s) ran out while Pruna's status endpoint was failing: ` +
				`${outage.failures} failed checks over the last ${Math.round((Date.now() - outage.sinceAt) / 1000)} s, the last with ${outage.last}.`,
		);
}

/**
 * Polls until the prediction is succeeded, failed or canceled, or `maxWaitSeconds` have passed.
 * Without a `first` reading (a prediction just created) it pauses before the first check. Pauses
 * follow the schedule, counted from `createdAt` (when the prediction was created, if known; else
 * when the wait began), unless Pruna's `X-Poll-Interval` says otherwise. Waits with n8n's `sleep`,
 * so cancelling the execution stops the wait at once. A check that meets a 5xx, a 429 or a dropped
 * connection is tried again, with backoff, until Max Wait: a bad minute of the API is not a failure
 * of the prediction. 401, 404 and 410 end the wait at once.
 */
export async function waitForPrediction(
	context: IExecuteSingleFunctions,
	predictionId: string,
	baseUrl: string,
	first: StatusReading | undefined,
	limits: WaitLimits,
	startedAt = Date.now(),
	createdAt = startedAt,
): Promise<PredictionStatus> {
	const deadline = startedAt + limits.maxWaitSeconds * 1000;
	let reading: StatusReading = first ?? { prediction: { status: 'starting' } };
	const facts = () => ({
		predictionId,
		baseUrl,
		maxWaitSeconds: limits.maxWaitSeconds,
		startedAt,
		lastStatus: reading.prediction.status,
	});

	while (!isFinished(reading.prediction)) {
		const remainingMs = deadline - Date.now();
		if (remainingMs <= 0) {
			throw stillWaitingError(
				context,
				facts(),
				`Max Wait is ${limits.maxWaitSeconds} s: raise it if predictions of this model take longer.`,
			);
		}
		const pauseMs = nextPollPauseMs(
			limits.schedule,
			Date.now() - createdAt,
			reading.serverPollIntervalSeconds,
		);
		await pause(context, Math.min(pauseMs, remainingMs), `prediction ${predictionId}`);
		reading = await fetchPredictionStatus(
			context,
			predictionId,
			waitingPolicy(deadline),
			outageTimeoutError(context, facts()),
		);
	}
	return reading.prediction;
}

/** `failed` and `canceled` become errors that carry Pruna's own words and the id. */
export function throwUnlessPredictionSucceeded(
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
