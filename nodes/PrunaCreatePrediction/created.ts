import type { IDataObject, IExecuteSingleFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { runKey } from '../shared/pipeline/credential';

/**
 * Predictions are paid for, and Pruna has no endpoint that lists them: an id this node lost is a
 * result the user paid for and cannot find. So each create answer is remembered here, in this n8n
 * process, for two uses:
 * - a run that stops on an error names, in that error, every prediction it had created;
 * - n8n's Retry On Fail runs the whole node again: an item whose prediction was created by an
 *   earlier try (and then failed, say, while waiting) reuses it instead of paying again.
 */

interface CreatedPrediction {
	id: string;
	getUrl?: string;
}

interface RunRecord {
	created: CreatedPrediction[];
	/** Errors of this run's items, kept up to date as later items create predictions. */
	errors: Array<{ error: NodeApiError | NodeOperationError; description: string }>;
	touchedAt: number;
}

/**
 * How long records are kept, and how many: n8n retries a node within seconds (Wait Between Tries is
 * at most 5 s, and a try may wait up to its Max Wait); bounded for a long-lived worker.
 */
const keepMs = 60 * 60 * 1000;
const maxRecords = 5_000;

const runs = new Map<string, RunRecord>();
const answersForRetry = new Map<string, { answer: IDataObject; at: number }>();

function prune(now: number): void {
	for (const [key, run] of runs) {
		if (runs.size <= maxRecords && now - run.touchedAt < keepMs) break;
		runs.delete(key);
	}
	for (const [key, entry] of answersForRetry) {
		if (answersForRetry.size <= maxRecords && now - entry.at < keepMs) break;
		answersForRetry.delete(key);
	}
}

/**
 * An item of one run of the node. n8n's Retry On Fail runs the node again with the same run index;
 * a loop or another agent tool call gets a new one, and so creates anew.
 */
function itemKeyOf(context: IExecuteSingleFunctions, fingerprint: string): string {
	const runIndex = String(context.evaluateExpression('{{ $runIndex }}', context.getItemIndex()));
	return `${runKey(context)}|${runIndex}|${context.getItemIndex()}|${fingerprint}`;
}

function runRecord(context: IExecuteSingleFunctions): RunRecord {
	const key = runKey(context);
	let run = runs.get(key);
	if (!run) {
		prune(Date.now());
		runs.set(key, (run = { created: [], errors: [], touchedAt: Date.now() }));
	}
	run.touchedAt = Date.now();
	return run;
}

function describeCreated(run: RunRecord): string {
	if (run.created.length === 0) return '';
	const lines = run.created.map(({ id, getUrl }) => `${id}${getUrl ? ` (${getUrl})` : ''}`);
	return `\nPredictions this run created (${run.created.length}), each still running or done and paid for; follow them with Pruna Get Prediction Status:\n${lines.join('\n')}`;
}

function refreshErrors(run: RunRecord): void {
	const list = describeCreated(run);
	for (const { error, description } of run.errors) {
		error.description = `${description}${list}`.trim();
		error.context.createdPredictions = run.created.map(({ id, getUrl }) => ({ id, getUrl }));
	}
}

/** Remembers a create answer: for the run's error, and for a retry of the same item and input. */
export function rememberCreated(
	context: IExecuteSingleFunctions,
	fingerprint: string,
	answer: IDataObject,
): void {
	const now = Date.now();
	if (typeof answer.id === 'string') {
		const run = runRecord(context);
		const getUrl = typeof answer.get_url === 'string' ? answer.get_url : undefined;
		if (!run.created.some((created) => created.id === answer.id)) {
			run.created.push({ id: answer.id, getUrl });
			refreshErrors(run);
		}
	}
	prune(now);
	answersForRetry.set(itemKeyOf(context, fingerprint), { answer, at: now });
}

/** The create answer an earlier try of this node run got for this item and input. */
export function earlierAnswer(
	context: IExecuteSingleFunctions,
	fingerprint: string,
): IDataObject | undefined {
	return answersForRetry.get(itemKeyOf(context, fingerprint))?.answer;
}

/**
 * An item's error, naming every prediction the run created (and kept up to date while the other
 * items finish), unless Continue On Fail turns it into that item's output instead.
 */
export function withCreatedPredictions(context: IExecuteSingleFunctions, error: unknown): unknown {
	if (!(error instanceof NodeApiError || error instanceof NodeOperationError)) return error;
	if (context.continueOnFail()) return error;
	const run = runRecord(context);
	if (!run.errors.some((entry) => entry.error === error)) {
		run.errors.push({ error, description: error.description ?? '' });
	}
	refreshErrors(run);
	return error;
}
