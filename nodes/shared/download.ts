import type {
	IBinaryData,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sanitizeFilename, sleep } from 'n8n-workflow';

import { mimeTypeFromFileName } from './binary';
import { markCutOff, readErrorBody } from './errors';
import { assertSuccess, prunaRequest, requestTimeoutMs } from './transport';
import { fileNameFromUrl } from './urls';

/** Enough for a CDN hop or two; more means a loop. */
const maxRedirects = 5;

/** The request for generated content: streamed, any type. */
export const contentRequest: Partial<IHttpRequestOptions> = {
	method: 'GET',
	encoding: 'stream',
	headers: { Accept: '*/*' },
};

export interface DownloadedFile {
	json: { url: string; fileName: string; mimeType: string; fileSize?: number };
	binary: IBinaryData;
}

function headerValue(response: IN8nHttpFullResponse, name: string): string | undefined {
	const value = response.headers?.[name];
	if (value === undefined || value === null) return undefined;
	return String(Array.isArray(value) ? value[0] : value);
}

/**
 * Follows redirects one hop at a time through the transport, so each hop is authenticated (or not)
 * for its own origin: the key never travels to a CDN.
 */
async function followRedirects(
	context: IExecuteSingleFunctions,
	url: string,
	response: IN8nHttpFullResponse,
): Promise<{ url: string; response: IN8nHttpFullResponse }> {
	for (let hop = 0; response.statusCode >= 300 && response.statusCode < 400; hop++) {
		const location = headerValue(response, 'location');
		// Drain the redirect's (small) body so its connection can be reused.
		await readErrorBody(response.body);
		if (!location) break;
		const next = new URL(location, url);
		if (hop === maxRedirects || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
			throw new NodeOperationError(
				context.getNode(),
				hop === maxRedirects
					? `Download of ${url}: more than ${maxRedirects} redirects`
					: `Download of ${url}: redirected to a non-http(s) URL (${next.protocol})`,
				{ itemIndex: context.getItemIndex() },
			);
		}
		url = next.toString();
		response = await prunaRequest(context, { ...contentRequest, url });
	}
	return { url, response };
}

interface BodyStream extends AsyncIterable<Uint8Array> {
	destroy(error?: Error): void;
	constructor: { from?: (source: AsyncIterable<Uint8Array>, options: object) => unknown };
}

interface WatchedBody {
	/** What to store: the body relayed, or the body itself when it cannot be watched. */
	stream: unknown;
	stop(): void;
	stalled(): boolean;
}

/**
 * Relays the body and ends it when no byte arrives for `idleMs`, so a server that stalls midway
 * cannot hang the execution: the HTTP client's timeout covers only the wait for the headers. The
 * relay is made with the body's own class (a Node Readable), so no stream module is imported, and
 * it counts bytes for one watchdog that wakes once per `idleMs`, not per chunk.
 */
function watchForStall(body: unknown, idleMs: number): WatchedBody {
	const source = body as BodyStream;
	const makeReadable = source?.constructor?.from;
	if (typeof makeReadable !== 'function' || typeof source.destroy !== 'function') {
		return { stream: body, stop: () => {}, stalled: () => false };
	}
	let received = 0;
	let stalled = false;
	let failPending: ((error: Error) => void) | undefined;
	const iterator = source[Symbol.asyncIterator]();
	// A destroyed body does not always end a pending read, so each read can be failed from outside.
	async function* relay() {
		let ended = false;
		try {
			for (;;) {
				const next = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
					failPending = reject;
					iterator.next().then(resolve, reject);
				});
				if (next.done) {
					ended = true;
					return;
				}
				received += next.value.length;
				yield next.value;
			}
		} finally {
			// The store stopped reading early (or the read failed): release the connection.
			if (!ended) source.destroy();
		}
	}
	const controller = new AbortController();
	void (async () => {
		for (let seen = -1; received !== seen; ) {
			seen = received;
			try {
				await sleep(idleMs, controller.signal);
			} catch {
				return; // stopped: the body ended or failed
			}
		}
		stalled = true;
		const error = new Error(`no data for ${idleMs / 1000} s`);
		failPending?.(error);
		source.destroy(error);
	})();
	return {
		stream: makeReadable.call(source.constructor, relay(), { objectMode: false }),
		stop: () => controller.abort(),
		stalled: () => stalled,
	};
}

/**
 * Streams generated content into n8n's binary store, named after the URL (or `fileName`) and typed
 * by Content-Type. `firstResponse` is the answer to the first GET when routing already sent it.
 */
export async function downloadToBinary(
	context: IExecuteSingleFunctions,
	requestedUrl: string,
	options: { fileName?: string; firstResponse?: IN8nHttpFullResponse },
): Promise<DownloadedFile> {
	const first =
		options.firstResponse ??
		(await prunaRequest(context, { ...contentRequest, url: requestedUrl }));
	const { url, response } = await followRedirects(context, requestedUrl, first);
	await assertSuccess(context, response, `Download of ${requestedUrl}`);

	const fileName = sanitizeFilename(
		options.fileName?.trim() || fileNameFromUrl(requestedUrl) || fileNameFromUrl(url) || 'output',
	);
	const mimeType =
		headerValue(response, 'content-type')?.split(';')[0].trim() ||
		mimeTypeFromFileName(fileName) ||
		'application/octet-stream';
	const expectedBytes = headerValue(response, 'content-length');

	const idleMs = requestTimeoutMs(context);
	const watchdog = watchForStall(response.body, idleMs);
	let binary: IBinaryData;
	try {
		binary = await context.helpers.prepareBinaryData(
			watchdog.stream as Parameters<typeof context.helpers.prepareBinaryData>[0],
			fileName,
			mimeType,
		);
	} catch (error) {
		if (watchdog.stalled()) {
			throw new NodeApiError(
				context.getNode(),
				{ reason: 'stalled' },
				{
					message: `Download of ${requestedUrl} stalled: no data arrived for ${idleMs / 1000} s`,
					description:
						"The partial file was not output. Try again later, or raise the Timeout under the node's Request Options.",
					itemIndex: context.getItemIndex(),
				},
			);
		}
		// A plain object, not the error: NodeApiError would swap our message for a generic one by its code.
		const cutOff = new NodeApiError(
			context.getNode(),
			{ reason: (error as Error).message },
			{
				message:
					`Download of ${requestedUrl} was cut off: the connection closed before the whole file arrived` +
					` (${(error as Error).message})${expectedBytes ? ` (${expectedBytes} bytes expected)` : ''}`,
				description: 'The partial file was not output.',
				itemIndex: context.getItemIndex(),
			},
		);
		markCutOff(cutOff);
		throw cutOff;
	} finally {
		watchdog.stop();
	}
	return {
		json: { url: requestedUrl, fileName, mimeType, fileSize: binary.bytes },
		binary,
	};
}
