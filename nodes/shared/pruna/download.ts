import type {
	IBinaryData,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeProperties,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sanitizeFilename, sleep } from 'n8n-workflow';

import { mimeTypeFromFileName } from './upload-body';
import { connectionOptions, itemOptions } from '../pipeline/request-options';
import type { RetryPolicy } from '../pipeline/retry';
import { isDroppedConnection } from '../pipeline/retry';
import { headerValue, throwUnlessHttpSuccess } from '../pipeline/errors';
import { markBodyCutOff, sendToPruna } from '../pipeline/transport';
import { downloadContent, routingRequestOf } from '../api/endpoints';
import { fileNameFromUrl } from '../api/urls';

/** How long a download keeps trying through 5xx answers, dropped connections and cut-off bodies. */
const defaultDownloadRetrySeconds = 180;

export const downloadRetryOption: INodeProperties = {
	displayName: 'Download Retry Time (Seconds)',
	name: 'downloadRetrySeconds',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: defaultDownloadRetrySeconds,
	description:
		'How long to keep trying when Pruna fails to deliver the file (server errors, dropped connections, a file cut off midway). Generated content stays available for about 24 hours.',
};

/** The retry policy of a download that starts now: through outages, within the option's bound. */
export function downloadRetryPolicy(context: IExecuteSingleFunctions): RetryPolicy {
	const seconds = Number(itemOptions(context).downloadRetrySeconds ?? defaultDownloadRetrySeconds);
	const boundSeconds =
		Number.isFinite(seconds) && seconds >= 0 ? seconds : defaultDownloadRetrySeconds;
	return { kind: 'untilDeadline', deadlineAt: Date.now() + boundSeconds * 1000 };
}

export interface DownloadedFile {
	json: { url: string; fileName: string; mimeType: string; fileSize?: number };
	binary: IBinaryData;
}

interface BodyStream extends AsyncIterable<Uint8Array> {
	destroy(error?: Error): void;
	on(event: string, listener: (...args: unknown[]) => void): unknown;
	/** An HTTP response's connection: its byte count shows progress without touching the body. */
	socket?: { bytesRead?: number } | null;
	constructor: { from?: (source: AsyncIterable<Uint8Array>, options: object) => unknown };
}

interface WatchedBody {
	/** What to store: the body itself, or a relay of it when its progress cannot be seen. */
	stream: unknown;
	stop(): void;
	stalled(): boolean;
	/** Whether reading the body failed (the connection), as opposed to the store refusing it. */
	bodyFailed(): boolean;
}

/**
 * Why a watchdog's sleep ends when its body has ended: one reason for all, so stopping one does not
 * build the `DOMException` an abort without a reason makes (once per download).
 */
const watchdogStopped = new Error('the download ended');

/**
 * Calls `onStall` when `progress` has not moved for `idleMs`. Wakes once per `idleMs`, with n8n's
 * `sleep`, until stopped.
 */
function stallWatchdog(progress: () => number, idleMs: number, onStall: () => void) {
	const controller = new AbortController();
	void (async () => {
		for (let seen = -1; progress() !== seen; ) {
			seen = progress();
			try {
				await sleep(idleMs, controller.signal);
			} catch {
				return; // stopped: the body ended or failed
			}
		}
		onStall();
	})();
	return () => controller.abort(watchdogStopped);
}

/**
 * Ends the body when no byte arrives for `idleMs`, so a server that stalls midway cannot hang the
 * execution: the HTTP client's timeout covers only the wait for the headers. An HTTP response is
 * handed to the store as it is, its progress read from its connection's byte count; anything else
 * is relayed through a counter (see `relayForStall`). n8n 2.41's request helper hands over axios's
 * byte-counting stream instead of the response, so there the relay runs.
 */
function watchForStall(body: unknown, idleMs: number): WatchedBody {
	const source = body as BodyStream;
	if (
		typeof source?.destroy !== 'function' ||
		typeof source.on !== 'function' ||
		typeof source.socket?.bytesRead !== 'number'
	) {
		return relayForStall(body, idleMs);
	}
	const socket = source.socket;
	let stalled = false;
	let bodyFailed = false;
	// Registered before the store's own listeners, so this is known when the store's read fails. An
	// error the store destroys the body with (a full disk) is the store's, not the connection's.
	source.on('error', (error) => {
		if (isDroppedConnection(error)) bodyFailed = true;
	});
	source.on('aborted', () => (bodyFailed = true));
	const stop = stallWatchdog(
		() => socket.bytesRead ?? 0,
		idleMs,
		() => {
			stalled = true;
			source.destroy(new Error(`no data for ${idleMs / 1000} s`));
		},
	);
	return { stream: body, stop, stalled: () => stalled, bodyFailed: () => bodyFailed };
}

/**
 * Relays a body whose progress cannot be seen, counting its bytes for the watchdog. Made with the
 * body's own class (a Node Readable), so no stream module is imported.
 */
function relayForStall(body: unknown, idleMs: number): WatchedBody {
	const source = body as BodyStream;
	const makeReadable = source?.constructor?.from;
	if (typeof makeReadable !== 'function' || typeof source.destroy !== 'function') {
		return { stream: body, stop: () => {}, stalled: () => false, bodyFailed: () => true };
	}
	let received = 0;
	let stalled = false;
	let bodyFailed = false;
	let failPending: ((error: Error) => void) | undefined;
	const iterator = source[Symbol.asyncIterator]();
	// A destroyed body does not always end a pending read, so each read can be failed from outside.
	async function* relay() {
		let ended = false;
		try {
			for (;;) {
				const next = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
					failPending = reject;
					iterator.next().then(resolve, (error: unknown) => {
						bodyFailed = true;
						reject(error);
					});
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
	const stop = stallWatchdog(
		() => received,
		idleMs,
		() => {
			stalled = true;
			const error = new Error(`no data for ${idleMs / 1000} s`);
			failPending?.(error);
			source.destroy(error);
		},
	);
	return {
		stream: makeReadable.call(source.constructor, relay(), { objectMode: false }),
		stop,
		stalled: () => stalled,
		bodyFailed: () => bodyFailed,
	};
}

/**
 * Streams a successful answer's body into n8n's binary store, named after the URL (or `fileName`)
 * and typed by Content-Type. A body that ends early is marked as cut off, so the request layer
 * fetches it again; an error of n8n's store (a file over its size cap) passes through as it is.
 */
export async function storeDownload(
	context: IExecuteSingleFunctions,
	requestedUrl: string,
	response: IN8nHttpFullResponse,
	fileName?: string,
): Promise<DownloadedFile> {
	const name = sanitizeFilename(fileName?.trim() || fileNameFromUrl(requestedUrl) || 'output');
	const mimeType =
		headerValue(response, 'content-type')?.split(';')[0].trim() ||
		mimeTypeFromFileName(name) ||
		'application/octet-stream';
	const expectedBytes = headerValue(response, 'content-length');

	// The node's Request Options → Timeout: how long a body may go without a byte.
	const idleMs = connectionOptions(context).timeoutMs;
	const watchdog = watchForStall(response.body, idleMs);
	let binary: IBinaryData;
	try {
		binary = await context.helpers.prepareBinaryData(
			watchdog.stream as Parameters<typeof context.helpers.prepareBinaryData>[0],
			name,
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
		if (!watchdog.bodyFailed()) {
			// n8n's binary store refused the file (its size cap in database mode, a full disk): no retry helps.
			throw new NodeOperationError(
				context.getNode(),
				`Download of ${requestedUrl}: n8n could not store the file: ${(error as Error).message}`,
				{ itemIndex: context.getItemIndex() },
			);
		}
		// A plain object, not the error: NodeApiError would swap our message for a generic one by its code.
		throw markBodyCutOff(
			new NodeApiError(
				context.getNode(),
				{ reason: (error as Error).message },
				{
					message:
						`Download of ${requestedUrl} was cut off: the connection closed before the whole file arrived` +
						` (${(error as Error).message})${expectedBytes ? ` (${expectedBytes} bytes expected)` : ''}`,
					description: 'The partial file was not output.',
					itemIndex: context.getItemIndex(),
				},
			),
		);
	} finally {
		watchdog.stop();
	}
	return {
		json: { url: requestedUrl, fileName: name, mimeType, fileSize: binary.bytes },
		binary,
	};
}

/** Downloads generated content into n8n's binary store, following redirects, retrying as `policy` allows. */
export async function downloadToBinary(
	context: IExecuteSingleFunctions,
	url: string,
	options: { fileName?: string; policy: RetryPolicy },
): Promise<DownloadedFile> {
	const answer = await sendToPruna(
		context,
		// The delivery endpoint's request, also when the URL is a CDN's.
		{ ...routingRequestOf(downloadContent), url },
		{
			policy: options.policy,
			followRedirects: true,
			read: async (response) => await storeDownload(context, url, response, options.fileName),
		},
	);
	if (answer.read) return answer.read;
	await throwUnlessHttpSuccess(context, answer.response, `Download of ${url}`);
	throw new NodeOperationError(context.getNode(), `Download of ${url}: no file was stored`, {
		itemIndex: context.getItemIndex(),
	});
}
