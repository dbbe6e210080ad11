import type {
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { readQuotaHeaders } from './quota';
import type { Parsed } from '../api/urls';

/** The parsed input, or an error that says what is wrong with this item's input and what to give. */
export function requireValidInput<T>(
	context: IExecuteSingleFunctions,
	parsed: Parsed<T>,
	whatToGive: string,
): T {
	if ('value' in parsed) return parsed.value;
	const itemIndex = context.getItemIndex();
	throw new NodeOperationError(context.getNode(), `${parsed.problem} (item ${itemIndex})`, {
		itemIndex,
		description: whatToGive,
	});
}

/** Any error as one of n8n's node errors. n8n hands back a NodeApiError it is given, unchanged. */
export function asNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeApiError(node, error as JsonObject);
}

/** The most of an error body we read: Pruna's envelopes are small, a misrouted file may not be. */
const maxErrorBodyBytes = 64 * 1024;

type AsyncByteSource = AsyncIterable<Uint8Array | string> & { destroy?: () => void };

function isAsyncByteSource(value: unknown): value is AsyncByteSource {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as AsyncByteSource)[Symbol.asyncIterator] === 'function'
	);
}

async function readLimited(source: AsyncByteSource): Promise<string> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of source) {
		const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
		chunks.push(bytes);
		length += bytes.length;
		if (length >= maxErrorBodyBytes) break;
	}
	source.destroy?.();
	return Buffer.concat(chunks).subarray(0, maxErrorBodyBytes).toString('utf8');
}

/** An error body as JSON when it is JSON, else as text; streams are read (bounded) and closed. */
export async function readErrorBody(body: unknown): Promise<JsonObject | string> {
	let text: string;
	if (isAsyncByteSource(body)) text = await readLimited(body);
	else if (Buffer.isBuffer(body)) text = body.toString('utf8');
	else if (body instanceof ArrayBuffer) text = Buffer.from(body).toString('utf8');
	else if (typeof body === 'object' && body !== null) return body as JsonObject;
	else text = typeof body === 'string' ? body : '';

	try {
		const parsed: unknown = JSON.parse(text);
		if (typeof parsed === 'object' && parsed !== null) return parsed as JsonObject;
	} catch {
		// Not JSON (a proxy's HTML page, say): the text itself is the best description.
	}
	return text.trim().slice(0, 500);
}

interface PrunaFailure {
	code?: string;
	message?: string;
	details?: string;
	requestId?: string;
	invalidFields?: Array<{ field: string; description: string; type?: string }>;
}

/** Reads both of Pruna's error shapes: the `{ error: {...}, request_id }` envelope and the 422 shape. */
function parseFailure(body: JsonObject | string): PrunaFailure {
	if (typeof body === 'string') return { message: body || undefined };
	const envelope = body.error as JsonObject | undefined;
	const failure: PrunaFailure = {};
	if (envelope && typeof envelope === 'object') {
		failure.code = envelope.code as string | undefined;
		failure.message = envelope.message as string | undefined;
		failure.details = envelope.details as string | undefined;
	} else if (typeof body.error === 'string') {
		failure.message = body.error;
	}
	if (typeof body.request_id === 'string') failure.requestId = body.request_id;
	if (typeof body.title === 'string' && !failure.message) failure.message = body.title;
	if (typeof body.detail === 'string' && !failure.details) failure.details = body.detail.trim();
	if (Array.isArray(body.invalid_fields)) {
		failure.invalidFields = (body.invalid_fields as JsonObject[]).map((field) => ({
			field: String(field.field ?? ''),
			description: String(field.description ?? ''),
			type: field.type === undefined ? undefined : String(field.type),
		}));
	}
	return failure;
}

/** What to do about each status, in the user's terms. */
const adviceByStatus: Record<number, string> = {
	400: 'Pruna rejected the request as invalid.',
	401: 'Invalid API key: Pruna rejected the key. Check the API key in the "Pruna API" credential.',
	403: 'This API key is not allowed to do this.',
	404: 'Not found: the ID or path does not exist, or it has expired.',
	410: 'The content has expired: Pruna keeps generated files for about 24 hours after generation.',
	413: 'The file is too large: Pruna accepts uploads of up to 100 MB.',
	422: 'Pruna rejected the input.',
	429: 'Rate limit reached: too many requests to Pruna. Wait, or space the requests out.',
	500: 'Pruna had an internal error. Try again later.',
	502: 'Pruna is unreachable (bad gateway). Try again later.',
	503: 'Pruna is unavailable. Try again later.',
	504: 'Pruna did not answer in time (gateway timeout). Try again later.',
};

export interface ApiErrorContext {
	/** What the request was for, e.g. `Prediction 1knpb…` or `Download of https://…`. */
	subject: string;
	itemIndex: number;
}

/** A NodeApiError that carries Pruna's code, message, details and request id. */
export async function toPrunaApiError(
	node: INode,
	response: IN8nHttpFullResponse,
	{ subject, itemIndex }: ApiErrorContext,
): Promise<NodeApiError> {
	const status = response.statusCode;
	const body = await readErrorBody(response.body);
	const failure = parseFailure(body);

	const advice = adviceByStatus[status] ?? `Pruna answered HTTP ${status}.`;
	// A 422 names the fields at fault; they are the most useful words we have.
	const reason = failure.invalidFields?.length
		? failure.invalidFields.map((field) => `${field.field}: ${field.description}`).join('; ')
		: [failure.code, failure.message].filter(Boolean).join(': ');
	const message = `${subject}: ${advice}${reason ? ` (${reason})` : ''}`;

	const descriptionParts: string[] = [];
	if (failure.invalidFields?.length) {
		descriptionParts.push(
			...failure.invalidFields.map((field) => `${field.field}: ${field.description}`),
		);
	} else if (failure.details) {
		descriptionParts.push(failure.details);
	}
	const resetSeconds = readQuotaHeaders(response.headers).resetSeconds;
	if (status === 429 && resetSeconds !== undefined) {
		descriptionParts.push(`The limit resets in ${resetSeconds} s.`);
	}
	if (failure.requestId) descriptionParts.push(`Pruna request ID: ${failure.requestId}`);

	const errorResponse: JsonObject = {
		httpCode: String(status),
		code: failure.code ?? null,
		message: failure.message ?? null,
		details: failure.details ?? null,
		requestId: failure.requestId ?? null,
	};
	if (failure.invalidFields) errorResponse.invalidFields = failure.invalidFields as JsonObject[];

	const error = new NodeApiError(node, errorResponse, {
		message,
		description: descriptionParts.join('\n') || undefined,
		httpCode: String(status),
		itemIndex,
	});
	return error;
}

/** One header of an answer, as a string (the first, when it came more than once). */
export function headerValue(response: IN8nHttpFullResponse, name: string): string | undefined {
	const value = response.headers?.[name];
	if (value === undefined || value === null) return undefined;
	return String(Array.isArray(value) ? value[0] : value);
}

/** Throws a NodeApiError naming `subject`, with Pruna's code and message, unless a 2xx answered. */
export async function throwUnlessHttpSuccess(
	context: IExecuteSingleFunctions,
	response: IN8nHttpFullResponse,
	subject: string,
): Promise<void> {
	if (response.statusCode >= 200 && response.statusCode < 300) return;
	throw await toPrunaApiError(context.getNode(), response, {
		subject,
		itemIndex: context.getItemIndex(),
	});
}
