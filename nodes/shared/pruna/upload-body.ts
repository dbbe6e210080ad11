import { randomBytes } from 'crypto';
import type { IBinaryData, IExecuteSingleFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Pruna refuses uploads over 100 MB (HTTP 413); we refuse them before sending a byte. */
export const maxUploadBytes = 100 * 1024 * 1024;

/**
 * Chunks of 1 MiB read from the binary store: faster than 64 KiB chunks for a little more memory at
 * peak (`npm run bench -- upload`, docs/benchmarks.md).
 */
const uploadChunkBytes = 1024 * 1024;

const mimeTypeByExtension: Record<string, string> = {
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	png: 'image/png',
	webp: 'image/webp',
	gif: 'image/gif',
	mp4: 'video/mp4',
	webm: 'video/webm',
	mov: 'video/quicktime',
	mp3: 'audio/mpeg',
	wav: 'audio/wav',
	zip: 'application/zip',
};

export function mimeTypeFromFileName(fileName: string | undefined): string | undefined {
	const extension = fileName?.split('.').pop()?.toLowerCase();
	return extension ? mimeTypeByExtension[extension] : undefined;
}

/**
 * Where n8n's Execution Logic v2 (the workflow setting `binaryMode: 'combined'`) keeps an item's
 * stored files: the engine moves them from `item.binary` into `item.json._files`.
 */
const filesInJsonKey = '_files';

function isBinaryData(value: unknown): value is IBinaryData {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as IBinaryData).mimeType === 'string' &&
		typeof (value as IBinaryData).data === 'string'
	);
}

/** The item's files by name, from `item.binary` and from `item.json._files`. */
function filesOfItem(item: INodeExecutionData): Map<string, IBinaryData> {
	const files = new Map<string, IBinaryData>();
	const inJson = item.json?.[filesInJsonKey];
	for (const source of [item.binary, inJson]) {
		if (typeof source !== 'object' || source === null) continue;
		for (const [name, value] of Object.entries(source)) {
			if (isBinaryData(value) && !files.has(name)) files.set(name, value);
		}
	}
	return files;
}

/**
 * The item's file called `propertyName`, in either binary mode: `data` and n8n's path form
 * `_files.data` name the same file, whether the engine keeps it in `item.binary` (n8n 1.x, and 2.x's
 * default) or in `item.json._files` (Execution Logic v2). When it is missing, the error lists the
 * files the item does have.
 */
export function getInputBinary(
	context: IExecuteSingleFunctions,
	propertyName: string,
): IBinaryData {
	const itemIndex = context.getItemIndex();
	const typed = propertyName.trim();
	if (!typed) {
		throw new NodeOperationError(context.getNode(), 'The binary property name is empty', {
			itemIndex,
			description: 'Enter the name of the binary property that holds the file, usually "data".',
		});
	}
	const name = typed.startsWith(`${filesInJsonKey}.`)
		? typed.slice(filesInJsonKey.length + 1)
		: typed;
	const files = filesOfItem(context.getInputData());
	const binary = files.get(name);
	if (!binary) {
		const available = [...files.keys()];
		throw new NodeOperationError(
			context.getNode(),
			`No binary property '${typed}' on item ${itemIndex}` +
				(available.length ? `; it has: ${available.join(', ')}` : '; it has no binary data'),
			{
				itemIndex,
				description: available.length
					? `Set "Input Binary Field" to one of: ${available.join(', ')}.`
					: 'Connect a node that outputs a file (Read/Write Files from Disk, HTTP Request, a form upload).',
			},
		);
	}
	return binary;
}

export interface BinaryContent {
	size: number;
	/**
	 * The bytes: streamed from n8n's binary store when the data is stored by id, else decoded piece
	 * by piece from the base64 held in the item. Opened only when the HTTP client starts reading, so a
	 * refused file is never opened.
	 */
	open(): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
}

/** Base64 characters per decoded chunk: a multiple of 4, so each slice decodes on its own. */
const base64ChunkChars = Math.floor(uploadChunkBytes / 3) * 4;

/**
 * The bytes of a file held in the item as base64 (n8n 1.x's default in-memory mode keeps files so,
 * without an id), decoded a chunk at a time rather than copied whole next to the string.
 */
function inMemoryContent(base64: string): BinaryContent {
	if (base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
		// Not plain padded base64 (line breaks, URL-safe letters, no padding): slices would not decode
		// on their own, and Node's lenient decoder still reads it whole.
		const whole = Buffer.from(base64, 'base64');
		return { size: whole.length, open: async () => [whole] };
	}
	const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
	return {
		size: (base64.length / 4) * 3 - padding,
		open: async () =>
			(function* () {
				for (let start = 0; start < base64.length; start += base64ChunkChars) {
					yield Buffer.from(base64.slice(start, start + base64ChunkChars), 'base64');
				}
			})(),
	};
}

export async function inputBinaryContent(
	context: IExecuteSingleFunctions,
	binary: IBinaryData,
): Promise<BinaryContent> {
	const id = binary.id;
	if (id) {
		const { fileSize } = await context.helpers.getBinaryMetadata(id);
		return {
			size: fileSize,
			open: async () => await context.helpers.getBinaryStream(id, uploadChunkBytes),
		};
	}
	return inMemoryContent(binary.data);
}

function quoteHeaderValue(value: string): string {
	return value.replace(/[\r\n]/g, ' ').replace(/["\\]/g, (character) => `\\${character}`);
}

export interface MultipartBody {
	contentType: string;
	/**
	 * Blob-shaped so that n8n's HTTP client (axios) streams it with an exact Content-Length: it reads
	 * a Blob through its async iterator, chunk by chunk, instead of buffering it.
	 */
	body: {
		readonly size: number;
		readonly type: string;
		readonly [Symbol.toStringTag]: 'Blob';
		[Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
	};
}

/** A multipart/form-data body with one file field, streamed from `content`. */
export function multipartFileBody(
	fieldName: string,
	fileName: string,
	mimeType: string,
	content: BinaryContent,
): MultipartBody {
	// Control characters (line breaks above all) have no place in a file name or a header.
	fileName = fileName.replace(/\p{Cc}/gu, ' ');
	const boundary = `----n8n-nodes-pruna-${randomBytes(16).toString('hex')}`;
	const contentType = `multipart/form-data; boundary=${boundary}`;
	const head = Buffer.from(
		`--${boundary}\r\n` +
			`Content-Disposition: form-data; name="${fieldName}"; filename="${quoteHeaderValue(fileName)}"; ` +
			`filename*=UTF-8''${encodeURIComponent(fileName)}\r\n` +
			`Content-Type: ${quoteHeaderValue(mimeType)}\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);

	return {
		contentType,
		body: {
			size: head.length + content.size + tail.length,
			type: contentType,
			[Symbol.toStringTag]: 'Blob',
			async *[Symbol.asyncIterator]() {
				yield head;
				yield* await content.open();
				yield tail;
			},
		},
	};
}
