import { randomBytes } from 'node:crypto';

import {
	chain,
	credentialsFor,
	expectNodeRaisedError,
	nodeType,
	prunaNode,
	sha256,
	suiteSimulator,
} from './fixtures';
import type { RunOptions, WorkflowJson } from './harness/run';
import { binaryModes, runWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';

const simulator = suiteSimulator();

function uploadNode(parameters: Record<string, unknown> = {}, extra = {}) {
	return prunaNode(
		'Upload',
		nodeType.upload,
		{ binaryPropertyName: 'data', ...parameters } as never,
		extra,
	);
}

describe.each(binaryModes)('Pruna Upload File (binary mode %s)', (binaryMode) => {
	const run = async (workflow: WorkflowJson, options: RunOptions) =>
		await runWorkflow(workflow, { ...options, binaryMode });

	test('streams a 5 MB binary stored by id; Pruna receives it byte for byte', async () => {
		const content = randomBytes(5 * 1024 * 1024);
		const binary = await storeBinary(content, { fileName: 'clip.mp4', mimeType: 'video/mp4' });
		expect(binary.id).toMatch(/^filesystem/);

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { data: binary } }],
		});

		expect(result.status).toBe('success');
		const [item] = result.nodes.Upload.items;
		const [stored] = [...simulator.files.values()].slice(-1);
		expect(stored.sha256).toBe(sha256(content));
		expect(item.json).toMatchObject({
			id: stored.id,
			name: 'clip.mp4',
			content_type: 'video/mp4',
			size: content.length,
			checksums: { sha256: sha256(content) },
			urls: { get: `${simulator.baseUrl}/v1/files/${stored.id}` },
			url: `${simulator.baseUrl}/v1/files/${stored.id}`,
		});
		expect(Object.keys(item.json)).toEqual(
			expect.arrayContaining(['etag', 'metadata', 'created_at', 'expires_at']),
		);
		expect(item.pairedItem).toEqual({ item: 0 });

		const [request] = simulator.requestsTo('/v1/files');
		expect(request.headers.apikey).toBe(simulator.apiKey);
		expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
		// An exact Content-Length, not chunked: the body's size was known before the first byte.
		expect(Number(request.headers['content-length'])).toBe(request.bodyBytes);
		expect(request.headers['transfer-encoding']).toBeUndefined();
		expect(request.bodyBytes).toBeGreaterThan(content.length);
		expect(request.bodyBytes).toBeLessThan(content.length + 1024);
	});

	test('reports the image size Pruna measured for a PNG', async () => {
		const png = makePng(320, 200);
		const binary = await storeBinary(png, { fileName: 'cat.png', mimeType: 'image/png' });

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { data: binary } }],
		});

		expect(result.nodes.Upload.items[0].json).toMatchObject({
			content_type: 'image/png',
			size: png.length,
			metadata: { content_length: png.length, width: 320, height: 200 },
		});
	});

	test('uploads binary data held in the item (not stored by id) too', async () => {
		const content = Buffer.from('a small text file, kept in memory by n8n');

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [
				{
					json: {},
					binary: {
						data: {
							data: content.toString('base64'),
							mimeType: 'text/plain',
							fileName: 'note.txt',
						},
					},
				},
			],
		});

		expect(result.nodes.Upload.items[0].json).toMatchObject({
			name: 'note.txt',
			content_type: 'text/plain',
			size: content.length,
			checksums: { sha256: sha256(content) },
		});
	});

	test('a file held in the item as base64, larger than one read chunk, arrives byte for byte', async () => {
		// 3 MiB + 2 bytes: three whole chunks and a padded tail, so the chunked decoding shows.
		const content = randomBytes(3 * 1024 * 1024 + 2);

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [
				{
					json: {},
					binary: {
						data: { data: content.toString('base64'), mimeType: 'application/zip' },
					},
				},
			],
		});

		const [request] = simulator.requestsTo('/v1/files');
		expect(Number(request.headers['content-length'])).toBe(request.bodyBytes);
		expect(result.nodes.Upload.items[0].json).toMatchObject({
			size: content.length,
			checksums: { sha256: sha256(content) },
		});
	});

	test('base64 with line breaks and no padding (not sliceable) is decoded whole, intact', async () => {
		const content = randomBytes(1000);
		const wrapped = content.toString('base64').replace(/=+$/, '').replace(/.{76}/g, '$&\r\n');

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { data: { data: wrapped, mimeType: 'application/zip' } } }],
		});

		expect(result.nodes.Upload.items[0].json).toMatchObject({
			size: content.length,
			checksums: { sha256: sha256(content) },
		});
	});

	test.each(['data', '_files.data', ' _files.data '])(
		"finds the file when Input Binary Field is '%s'",
		async (typed) => {
			const content = Buffer.from(`named ${typed}`);
			const data = await storeBinary(content, { fileName: 'n.txt', mimeType: 'text/plain' });
			const other = await storeBinary(Buffer.from('other'), {
				fileName: 'o.txt',
				mimeType: 'text/plain',
			});

			const result = await run(chain(uploadNode({ binaryPropertyName: typed })), {
				credentials: credentialsFor(simulator),
				input: [{ json: {}, binary: { other, data } }],
			});

			expect(result.status).toBe('success');
			expect(result.nodes.Upload.items[0].json).toMatchObject({
				name: 'n.txt',
				checksums: { sha256: sha256(content) },
			});
		},
	);

	test('a missing file in the path form names what was typed and the files the item has', async () => {
		const image = await storeBinary(Buffer.from('x'), { fileName: 'x.png', mimeType: 'image/png' });

		const result = await run(chain(uploadNode({ binaryPropertyName: '_files.photo' })), {
			credentials: credentialsFor(simulator),
			input: [{ json: { photo: 'not a file' }, binary: { image } }],
		});

		expectNodeRaisedError(
			result.error,
			"No binary property '_files.photo' on item 0; it has: image",
		);
		expect(simulator.requestsTo('/v1/files')).toHaveLength(0);
	});

	test("File Name and MIME Type options override the binary's own, unicode included", async () => {
		const binary = await storeBinary(Buffer.from('x'.repeat(100)), {
			fileName: 'a.bin',
			mimeType: 'application/octet-stream',
		});

		const result = await run(
			chain(uploadNode({ options: { fileName: 'café "été".png', mimeType: 'image/png' } })),
			{ credentials: credentialsFor(simulator), input: [{ json: {}, binary: { data: binary } }] },
		);

		expect(result.nodes.Upload.items[0].json).toMatchObject({
			name: 'café "été".png',
			content_type: 'image/png',
		});
	});

	test('uses the binary property the user names', async () => {
		const content = Buffer.from('the image property');
		const image = await storeBinary(content, { fileName: 'img.jpg', mimeType: 'image/jpeg' });
		const other = await storeBinary(Buffer.from('other'), {
			fileName: 'other.txt',
			mimeType: 'text/plain',
		});

		const result = await run(chain(uploadNode({ binaryPropertyName: 'image' })), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { data: other, image } }],
		});

		expect(result.nodes.Upload.items[0].json).toMatchObject({
			name: 'img.jpg',
			checksums: { sha256: sha256(content) },
		});
	});

	test('a missing binary property names the item and the properties it has, before any request', async () => {
		const image = await storeBinary(Buffer.from('x'), { fileName: 'x.png', mimeType: 'image/png' });

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { image } }],
		});

		expectNodeRaisedError(result.error, "No binary property 'data' on item 0; it has: image");
		expect(result.error?.description).toBe('Set "Input Binary Field" to one of: image.');
		expect(simulator.requestsTo('/v1/files')).toHaveLength(0);
	});

	test('an item without any binary says so', async () => {
		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: { hello: 'world' } }],
		});

		expectNodeRaisedError(
			result.error,
			"No binary property 'data' on item 0; it has no binary data",
		);
	});

	test('a file over 100 MB is refused before upload, with its size in the message', async () => {
		const binary = await storeBinary(Buffer.alloc(100 * 1024 * 1024 + 1), {
			fileName: 'big.mp4',
			mimeType: 'video/mp4',
		});

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { data: binary } }],
		});

		expectNodeRaisedError(
			result.error,
			"The file in 'data' on item 0 is 100.0 MB; Pruna accepts up to 100 MB",
		);
		expect(simulator.requestsTo('/v1/files')).toHaveLength(0);
	});

	test("Pruna's 413 becomes an error that says the file is too large", async () => {
		simulator.injectFault({
			path: '/v1/files',
			times: 1,
			fault: {
				kind: 'status',
				status: 413,
				code: 'FILE_TOO_LARGE',
				message: 'The uploaded file exceeds the maximum size limit',
			},
		});
		const binary = await storeBinary(Buffer.from('x'), {
			fileName: 'x.png',
			mimeType: 'image/png',
		});

		const result = await run(chain(uploadNode()), {
			credentials: credentialsFor(simulator),
			input: [{ json: {}, binary: { data: binary } }],
		});

		expect(result.error?.message).toBe(
			"Upload of binary property 'data': The file is too large: Pruna accepts uploads of up to 100 MB. (FILE_TOO_LARGE: The uploaded file exceeds the maximum size limit)",
		);
		expect((result.error as { httpCode?: string }).httpCode).toBe('413');
	});

	test('with Continue On Fail, a bad item becomes an error item and the others upload', async () => {
		const good = await Promise.all(
			[0, 1, 2].map((index) =>
				storeBinary(Buffer.from(`file ${index}`), {
					fileName: `f${index}.txt`,
					mimeType: 'text/plain',
				}),
			),
		);

		const result = await run(chain(uploadNode({}, { onError: 'continueRegularOutput' })), {
			credentials: credentialsFor(simulator),
			input: [
				{ json: {}, binary: { data: good[0] } },
				{ json: {} },
				{ json: {}, binary: { data: good[2] } },
			],
		});

		expect(result.status).toBe('success');
		const items = result.nodes.Upload.items;
		expect(items).toHaveLength(3);
		expect(items[0].json).toMatchObject({ name: 'f0.txt' });
		expect(items[1].json).toEqual({
			error: "No binary property 'data' on item 1; it has no binary data",
		});
		expect(items[2].json).toMatchObject({ name: 'f2.txt' });
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(simulator.requestsTo('/v1/files')).toHaveLength(2);
	});
});
