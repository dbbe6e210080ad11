import { randomBytes } from 'crypto';
import type { IBinaryData, IExecuteSingleFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Pruna refuses uploads over 100 MB (HTTP 413); we refuse them before sending a byte. */
export const maxUploadBytes = 100 * 1024 * 1024;

/**
 * Chunks of 1 MiB read from the binary store: measured with `npm run bench -- upload`, 64 KiB chunks
 * took 1.9× curl's time for 100 MB, 1 MiB chunks 1.3×, for about 40 MiB more memory at peak.
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

/** The item's binary property, or an error that lists the properties the item does have. */
export function getInputBinary(
	context: IExecuteSingleFunctions,
	propertyName: string,
): IBinaryData {
	const itemIndex = context.getItemIndex();
	const name = propertyName.trim();
	if (!name) {
		throw new NodeOperationError(context.getNode(), 'The binary property name is empty', {
			itemIndex,
			description: 'Enter the name of the binary property that holds the file, usually "data".',
		});
	}
	const binary = context.getInputData().binary ?? {};
	if (!binary[name]) {
		const available = Object.keys(binary);
		throw new NodeOperationError(
			context.getNode(),
			`No binary property '${name}' on item ${itemIndex}` +
				(available.length ? `; it has: ${available.join(', ')}` : '; it has no binary data'),
			{
				itemIndex,
				description: available.length
					? `Set "Input Binary Field" to one of: ${available.join(', ')}.`
					: 'Connect a node that outputs a file (Read/Write Files from Disk, HTTP Request, a form upload).',
			},
		);
	}
	return context.helpers.assertBinaryData(name);
}

export interface BinaryContent {
	size: number;
	/**
	 * The bytes: streamed from n8n's binary store when the data is stored by id, else the bytes held
	 * in the item. Opened only when the HTTP client starts reading, so a refused file is never opened.
	 */
	open(): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
}

export async function inputBinaryContent(
	context: IExecuteSingleFunctions,
	propertyName: string,
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
	const buffer = await context.helpers.getBinaryDataBuffer(propertyName.trim());
	return { size: buffer.length, open: async () => [buffer] };
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
