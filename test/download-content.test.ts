import {
	chain,
	credentialsFor,
	expectNodeRaisedError,
	nodeType,
	problemMessage,
	prunaNode,
	sha256,
	suiteSimulator,
} from './fixtures';
import type { BinaryMode } from './harness/run';
import { binaryModes, fileOf, hashBinary, readBinary, runWorkflow } from './harness/run';

const simulator = suiteSimulator();
/** Another origin, like a CDN: it serves content without a key and records what it was sent. */
const cdn = suiteSimulator({ requireApiKey: false });

function downloadNode(parameters: Record<string, unknown>, extra = {}) {
	return prunaNode(
		'Download',
		nodeType.download,
		{ binaryPropertyName: 'data', ...parameters } as never,
		extra,
	);
}

async function downloadIn(
	binaryMode: BinaryMode,
	url: string,
	parameters: Record<string, unknown> = {},
) {
	return await runWorkflow(chain(downloadNode({ url, ...parameters })), {
		credentials: credentialsFor(simulator),
		binaryMode,
	});
}

describe.each(binaryModes)('Pruna Download Content (binary mode %s)', (binaryMode) => {
	const download = async (url: string, parameters: Record<string, unknown> = {}) =>
		await downloadIn(binaryMode, url, parameters);

	test('downloads a generated PNG byte for byte, named after the URL and typed by Content-Type', async () => {
		const path = 'xezq/52UGYRrRfqViaKmvYsEnENTh0qLDAWHptQ8jOnEHu7XC6AtKA/output_42_0.png';
		const url = simulator.addContent(path, { kind: 'png', width: 128, height: 96 });

		const result = await download(url);

		expect(result.status).toBe('success');
		const [item] = result.nodes.Download.items;
		const expected = simulator.contentBytes(path);
		// The JSON is the node's own; in combined mode the engine adds `_files` beside it.
		expect({ ...item.json, _files: undefined }).toEqual({
			url,
			fileName: 'output_42_0.png',
			mimeType: 'image/png',
			fileSize: expected.length,
		});
		expect(fileOf(item, 'data', binaryMode)).toMatchObject({
			fileName: 'output_42_0.png',
			mimeType: 'image/png',
			fileExtension: 'png',
		});
		// Stored by id in n8n's filesystem binary store, not held in the item.
		expect(fileOf(item, 'data', binaryMode).id).toMatch(/^filesystem/);
		expect(sha256(await readBinary(fileOf(item, 'data', binaryMode)))).toBe(sha256(expected));
		expect(simulator.requests[0].headers.apikey).toBe(simulator.apiKey);
	});

	test.each([
		[
			'a relative /v1/predictions/delivery/ URL',
			(path: string) => `/v1/predictions/delivery/${path}`,
		],
		['a bare delivery path', (path: string) => path],
	])('resolves %s against the base URL', async (_label, toInput) => {
		const path = 'abcd/efgh/output_7_0.png';
		const url = simulator.addContent(path, { kind: 'png' });

		const result = await download(toInput(path));

		expect(result.nodes.Download.items[0].json).toMatchObject({ url, fileName: 'output_7_0.png' });
		expect(simulator.requests[0].path).toBe(`/v1/predictions/delivery/${path}`);
	});

	test('streams a 24 MiB video intact, with its size and MIME type', async () => {
		const path = 'vid0/run/output_1_0.mp4';
		const url = simulator.addContent(path, {
			kind: 'bytes',
			size: 24 * 1024 * 1024,
			contentType: 'video/mp4',
		});

		const result = await download(url);

		const [item] = result.nodes.Download.items;
		expect(item.json).toMatchObject({
			fileName: 'output_1_0.mp4',
			mimeType: 'video/mp4',
			fileSize: 24 * 1024 * 1024,
		});
		expect(await hashBinary(fileOf(item, 'data', binaryMode))).toBe(
			sha256(simulator.contentBytes(path)),
		);
	});

	test('fetches a URL on another host without the API key', async () => {
		const url = cdn.addContent('cdn/output_3_0.png', { kind: 'png' });

		const result = await download(url);

		expect(result.status).toBe('success');
		expect(result.nodes.Download.items[0].json).toMatchObject({
			fileName: 'output_3_0.png',
			mimeType: 'image/png',
		});
		expect(cdn.requests).toHaveLength(1);
		expect(cdn.requests[0].headers.apikey).toBeUndefined();
		expect(JSON.stringify(cdn.requests[0].headers)).not.toContain(simulator.apiKey);
	});

	test('follows a redirect to another host, and the key does not follow it', async () => {
		const cdnUrl = cdn.addContent('cdn/output_9_0.png', { kind: 'png' });
		simulator.injectFault({
			path: '/v1/predictions/delivery/moved/',
			times: 1,
			fault: { kind: 'redirect', location: cdnUrl },
		});

		const result = await download('moved/output_9_0.png');

		expect(result.nodes.Download.items[0].json).toMatchObject({
			fileName: 'output_9_0.png',
			mimeType: 'image/png',
		});
		expect(simulator.requests[0].headers.apikey).toBe(simulator.apiKey);
		expect(cdn.requests).toHaveLength(1);
		expect(cdn.requests[0].headers.apikey).toBeUndefined();
	});

	test('a redirect to a non-http(s) URL is refused', async () => {
		simulator.injectFault({
			path: '/v1/predictions/delivery/moved/',
			times: 1,
			fault: { kind: 'redirect', location: 'file:///etc/passwd' },
		});

		const result = await download('moved/output_9_0.png');

		expect(result.error?.message).toMatch(/: redirected to a non-http\(s\) URL \(file:\)$/);
	});

	test('a redirect loop ends after five hops', async () => {
		simulator.injectFault({
			path: '/v1/predictions/delivery/loop/',
			fault: { kind: 'redirect', location: '/v1/predictions/delivery/loop/output.png' },
		});

		const result = await download('loop/output.png');

		expect(result.error?.message).toMatch(/: more than 5 redirects$/);
		expect(simulator.requestsTo('/v1/predictions/delivery/loop/')).toHaveLength(6);
	});

	test('the File Name option names the file; the MIME type still comes from the server', async () => {
		const url = simulator.addContent('a/b/output_0_0.png', { kind: 'png' });

		const result = await download(url, { options: { fileName: 'lion at sunset.png' } });

		expect(fileOf(result.nodes.Download.items[0], 'data', binaryMode)).toMatchObject({
			fileName: 'lion at sunset.png',
			mimeType: 'image/png',
		});
	});

	test('puts the file in the binary field the user names', async () => {
		const url = simulator.addContent('a/b/output_5_0.png', { kind: 'png' });

		const result = await download(url, { binaryPropertyName: 'image' });

		const [item] = result.nodes.Download.items;
		expect(fileOf(item, 'image', binaryMode).fileName).toBe('output_5_0.png');
		const files = binaryMode === 'combined' ? item.json._files : item.binary;
		expect(Object.keys(files ?? {})).toEqual(['image']);
	});

	test('expired content (410) says it expired, 24 hours after generation', async () => {
		const path = 'old/output_1_0.png';
		const url = simulator.addContent(path, { kind: 'png' });
		simulator.expireContent(path);

		const result = await download(url);

		expect(result.error?.message).toBe(
			`Download of ${url}: The content has expired: Pruna keeps generated files for about 24 hours after generation. (CONTENT_EXPIRED: Content expired or no longer available)`,
		);
		expect((result.error as { httpCode?: string }).httpCode).toBe('410');
	});

	test('an unknown path is a 404 error naming the URL', async () => {
		const result = await download('nope/output.png');

		expect(result.error?.message).toMatch(
			/^Download of http:\/\/127\.0\.0\.1:\d+\/v1\/predictions\/delivery\/nope\/output\.png: Not found/,
		);
	});

	test('a body cut short of its Content-Length is downloaded again; the file is whole', async () => {
		const path = 'cut-once/output_1_0.mp4';
		const url = simulator.addContent(path, {
			kind: 'bytes',
			size: 2 * 1024 * 1024,
			contentType: 'video/mp4',
		});
		simulator.injectFault({
			path: `/v1/predictions/delivery/${path}`,
			times: 1,
			fault: { kind: 'truncate', afterBytes: 300_000 },
		});

		const result = await download(url);

		expect(result.status).toBe('success');
		const [item] = result.nodes.Download.items;
		expect(sha256(await readBinary(fileOf(item, 'data', binaryMode)))).toBe(
			sha256(simulator.contentBytes(path)),
		);
		expect(simulator.requestsTo(`/v1/predictions/delivery/${path}`)).toHaveLength(2);
	});

	test('a body cut short every time is fetched again until Download Retry Time runs out; it is never stored as a good file', async () => {
		const path = 'cut/output_1_0.mp4';
		const url = simulator.addContent(path, {
			kind: 'bytes',
			size: 2 * 1024 * 1024,
			contentType: 'video/mp4',
		});
		simulator.injectFault({
			path: `/v1/predictions/delivery/${path}`,
			fault: { kind: 'truncate', afterBytes: 300_000 },
		});

		const startedAt = Date.now();
		const result = await download(url, { options: { downloadRetrySeconds: 3 } });
		const tookMs = Date.now() - startedAt;

		expect(result.status).toBe('error');
		expect(result.nodes.Download.items).toHaveLength(0);
		expect(result.error?.message).toBe(
			`Download of ${url} was cut off: the connection closed before the whole file arrived (aborted) (2097152 bytes expected)`,
		);
		// Backoff of 0.25–0.5 s, 0.5–1 s, 1–2 s, …: at least three tries within 3 s, and no more than
		// the bound allows.
		const tries = simulator.requestsTo(`/v1/predictions/delivery/${path}`).length;
		expect(tries).toBeGreaterThanOrEqual(3);
		expect(tries).toBeLessThanOrEqual(8);
		expect(tookMs).toBeGreaterThanOrEqual(3000);
	});

	test.each([
		['file:///etc/passwd', 'is not an http(s) URL'],
		['javascript:alert(1)', 'is not an http(s) URL'],
		['//evil.example/x.png', 'has no scheme'],
		['../../v1/files/abc', 'contains "." or ".." path segments'],
		['a/%2e%2e/b.png', 'contains "." or ".." path segments'],
	])('refuses %j before any request', async (url, problem) => {
		const result = await download(url);

		expectNodeRaisedError(result.error, problemMessage(problem));
		expect(simulator.requests).toHaveLength(0);
	});
});
