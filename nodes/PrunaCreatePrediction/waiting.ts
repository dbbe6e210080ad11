import type { IExecuteSingleFunctions } from 'n8n-workflow';

import { memoForItem } from '../shared/pipeline/item-memo';
import { isDroppedConnection } from '../shared/pipeline/retry';
import { wasAnswerHeld } from '../shared/pipeline/transport';
import { waitProfileOf } from '../shared/pruna/poll-schedule';

/**
 * How Create Prediction waits for its result: with Try-Sync (Pruna answers when the output is
 * ready) or by polling, on a schedule that suits the model; and what a create that never answered
 * leaves behind.
 */

/**
 * Try-Sync as the user set it (`true` or `false`, also as saved by earlier versions). Not set: on
 * when the item waits for its result anyway and the model is one of Pruna's image models (Pruna
 * advises Try-Sync for its fast image models, async polling for video), where the result is there
 * in seconds and the answer carries it, with no status check at all. Not for
 * video, training or a custom model: the request would be held up to 60 s, the longer a paid job
 * runs without the node knowing its ID.
 */
export function chooseTrySync(
	trySyncOption: unknown,
	model: string,
	waitsForResult: boolean,
): boolean {
	if (typeof trySyncOption === 'boolean') return trySyncOption;
	return waitsForResult && waitProfileOf(model) === 'image';
}

/**
 * The timeout of a Try-Sync create when the node's Request Options → Timeout is not set (n8n's
 * default is 300 s). Pruna holds such a request at most 60 s; a connection silent for longer is
 * lost anyway, so the item fails after 90 s instead of 300 s. It is not shorter than Pruna's hold:
 * a client that gave up first would itself lose the ID of a job it had started.
 */
export const trySyncTimeoutMs = 90_000;

interface CreateProgress {
	/** When the create was handed to the pipeline. */
	sentAt: number;
	/** Whether a 2xx answer reached the node: from then on the prediction's ID (or result) is known. */
	answered: boolean;
}

/** What the item's create has got to, for the wait's schedule and for its error. */
export function createProgress(context: IExecuteSingleFunctions): CreateProgress {
	return memoForItem(context, 'createProgress', () => ({
		sentAt: Date.now(),
		answered: false,
	}));
}

/**
 * Whether a failed create may have started a job anyway: its connection dropped, it timed out, the
 * run was stopped while it was in flight, or a server or gateway answered 5xx. A 4xx (a 429
 * included) means Pruna did nothing.
 */
function mayHaveStartedJob(error: unknown): boolean {
	if (isDroppedConnection(error)) return true;
	const { httpCode, message } = error as { httpCode?: unknown; message?: unknown };
	if (typeof httpCode === 'string' && /^5\d\d$/.test(httpCode)) return true;
	return (
		typeof message === 'string' &&
		/did not answer within|canceled while waiting for Pruna$/.test(message)
	);
}

/**
 * Says in the item's error that a prediction may exist and be billed, when the create failed
 * without an answer that carried its ID, and what the user can do. The create was not sent again
 * (the pipeline never repeats a paid call but after a 429).
 */
export function withPossibleJobNote(
	context: IExecuteSingleFunctions,
	model: string,
	error: unknown,
): unknown {
	const progress = createProgress(context);
	if (progress.answered || !mayHaveStartedJob(error)) return error;
	// Whether the create that failed asked Pruna to hold its answer (Try-Sync), as it was sent.
	const trySync = wasAnswerHeld(error);
	const nodeError = error as { message: string; description?: string | null };
	const subject = `Create prediction with ${model}`;
	const reason = nodeError.message.startsWith(subject)
		? nodeError.message
		: `${subject}: ${nodeError.message}`;
	nodeError.message = `${reason}. A prediction may exist and be billed: its ID never arrived`;
	const why = trySync
		? 'With Try-Sync, Pruna answers only when the output is ready (up to 60 s), so the ID comes with the answer, which was lost.'
		: 'Pruna may have started it before the answer, with its ID, was lost.';
	const whatToDo = trySync
		? 'To keep the ID even when a connection drops, set Options → Try Sync off: the create then answers at once and the node follows the prediction by its ID.'
		: '';
	nodeError.description = [
		nodeError.description,
		`${why} The node did not send the create again. Check your usage in Pruna's dashboard before running this item again. ${whatToDo}`.trim(),
	]
		.filter(Boolean)
		.join('\n');
	return error;
}
