/**
 * Bad input for every node, refused before anything is sent; and the API key, which goes to the
 * base URL's origin only and never shows up in an output, an error or a log line.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import {
	chain,
	credentialsFor,
	expectNodeRaisedError,
	fastPolling,
	nodeType,
	problemMessage,
	prunaNode,
	suiteSimulator,
} from './fixtures';
import { workflow as n8nWorkflow } from './harness/n8n';
import type { RunResult } from './harness/run';
import { runWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';

const simulator = suiteSimulator({ defaultPlan: { processingMs: 30 } });
/** Another origin (a CDN, or an attacker's host): records whatever it is sent. */
const otherHost = suiteSimulator({ requireApiKey: false });

async function runNode(
	type: (typeof nodeType)[keyof typeof nodeType],
	parameters: INodeParameters,
	input: INodeExecutionData[] = [{ json: {} }],
	extra = {},
): Promise<RunResult> {
	return await runWorkflow(chain(prunaNode('Node', type, parameters, extra)), {
		credentials: credentialsFor(simulator),
		input,
	});
}

const nothingSent = () => {
	expect(simulator.requests).toHaveLength(0);
	expect(otherHost.requests).toHaveLength(0);
};

describe('bad prediction IDs (Get Prediction Status)', () => {
	test.each([
		['  \t ', 'The prediction ID is empty'],
		['/', 'is neither a prediction ID nor a status URL'],
		['..', 'is not a valid prediction ID'],
		['%2e%2e', 'is not a valid prediction ID'],
		['a/../b', 'is neither a prediction ID nor a status URL'],
		['/v1/predictions/status/..%2F..%2Fv1%2Ffiles', 'is not a valid prediction ID'],
		['file:///etc/passwd', 'is neither a prediction ID nor a status URL'],
		['abc?x=1', 'is not a valid prediction ID'],
		['abc\r\nX-Injected: 1', 'is not a valid prediction ID'],
	])('%j is refused before any request', async (predictionId, problem) => {
		const result = await runNode(nodeType.status, { predictionId, waitUntilDone: false });

		expectNodeRaisedError(result.error, problemMessage(problem));
		nothingSent();
	});

	test('a status URL on another host is reduced to its ID and asked of the base URL only', async () => {
		const { id } = simulator.addPrediction();

		const result = await runNode(nodeType.status, {
			predictionId: `${otherHost.baseUrl}/v1/predictions/status/${id}`,
			waitUntilDone: false,
		});

		expect(result.nodes.Node.items[0].json).toMatchObject({ id, status: 'succeeded' });
		expect(simulator.requestsTo(`/v1/predictions/status/${id}`)).toHaveLength(1);
		expect(otherHost.requests).toHaveLength(0);
	});
});

describe('bad content URLs (Download Content)', () => {
	test.each([
		['  ', 'The content URL is empty'],
		['file:///etc/passwd', 'is not an http(s) URL'],
		['data:image/png;base64,iVBORw0KGgo=', 'is not an http(s) URL'],
		['ftp://example.com/x.png', 'is not an http(s) URL'],
		['//evil.example/x.png', 'has no scheme'],
		['..\\..\\etc\\passwd', 'contains "." or ".." path segments'],
		['out/%2E%2E/%2e%2e/v1/files', 'contains "." or ".." path segments'],
	])('%j is refused before any request', async (url, problem) => {
		const result = await runNode(nodeType.download, { url, binaryPropertyName: 'data' });

		expectNodeRaisedError(result.error, problemMessage(problem));
		nothingSent();
	});
});

test('a doubly encoded ".." stays a literal segment: sent to the base URL only, where it is not found', async () => {
	const result = await runNode(nodeType.download, {
		url: '/v1/predictions/delivery/a/%252e%252e/b',
		binaryPropertyName: 'data',
	});

	expect(result.error?.message).toMatch(/: Not found: the ID or path does not exist/);
	expect(simulator.requests.map((request) => request.path)).toEqual([
		'/v1/predictions/delivery/a/%252e%252e/b',
	]);
	expect(otherHost.requests).toHaveLength(0);
});

describe('bad model input (Create Prediction)', () => {
	test.each([
		['p-image\r\nX-Injected: 1', 'is not a model name'],
		['../v1/files', 'is not a model name'],
		['   ', 'The model name is empty'],
	])('the custom model %j is refused before any request', async (customModel, problem) => {
		const result = await runNode(nodeType.create, { model: 'custom', customModel });

		expectNodeRaisedError(result.error, problemMessage(problem));
		nothingSent();
	});

	test.each([['[1, 2]'], ['"text"'], ['{ not json']])(
		'Additional Input %j is refused before any request',
		async (additionalInput) => {
			const result = await runNode(nodeType.create, {
				model: 'p-image',
				prompt: 'x',
				additionalInput,
			});

			expectNodeRaisedError(result.error, problemMessage('Additional Input is not a JSON object'));
			nothingSent();
		},
	);
});

describe('bad binaries (Upload File)', () => {
	test('a name with quotes, line breaks and unicode cannot break the multipart header', async () => {
		const binary = await storeBinary(makePng(8, 8, 1), {
			fileName: 'évé "x"\r\nContent-Type: text/html\r\n\r\n😀.png',
			mimeType: 'image/png',
		});

		const result = await runNode(nodeType.upload, { binaryPropertyName: 'data' }, [
			{ json: {}, binary: { data: binary } },
		]);

		expect(result.status).toBe('success');
		const [stored] = [...simulator.files.values()].slice(-1);
		expect(stored.contentType).toBe('image/png');
		expect(stored.name).toBe('évé "x"  Content-Type: text/html    😀.png');
	});

	test('an oversized file on one item, a missing property on another: both refused, the third uploads', async () => {
		const big = await storeBinary(Buffer.alloc(100 * 1024 * 1024 + 1), {
			fileName: 'big.mp4',
			mimeType: 'video/mp4',
		});
		const ok = await storeBinary(makePng(8, 8, 2), { fileName: 'ok.png', mimeType: 'image/png' });

		const result = await runNode(
			nodeType.upload,
			{ binaryPropertyName: 'data' },
			[
				{ json: {}, binary: { data: big } },
				{ json: {}, binary: { image: ok } },
				{ json: {}, binary: { data: ok } },
			],
			{ onError: 'continueRegularOutput' },
		);

		const items = result.nodes.Node.items;
		expect(String(items[0].json.error)).toBe(
			"The file in 'data' on item 0 is 100.0 MB; Pruna accepts up to 100 MB",
		);
		expect(String(items[1].json.error)).toMatch(/^No binary property 'data' on item 1.*image/);
		expect(items[2].json).toMatchObject({ name: 'ok.png' });
		expect(simulator.requestsTo('/v1/files')).toHaveLength(1);
	});
});

describe('the API key', () => {
	/** Everything n8n or our nodes print while a run goes on. */
	function captureLogs(): { lines: string[]; restore(): void } {
		const lines: string[] = [];
		const writes = [process.stdout, process.stderr].map((stream) => {
			const original = stream.write.bind(stream);
			stream.write = ((chunk: unknown, ...rest: unknown[]) => {
				lines.push(String(chunk));
				return original(chunk as string, ...(rest as []));
			}) as typeof stream.write;
			return () => (stream.write = original);
		});
		const record = (level: string) => (message: string, meta?: object) =>
			lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
		n8nWorkflow.LoggerProxy.init({
			error: record('error'),
			warn: record('warn'),
			info: record('info'),
			debug: record('debug'),
		} as never);
		return { lines, restore: () => writes.forEach((restore) => restore()) };
	}

	test('goes only to the base URL, in the apikey header, and appears in no output, error or log', async () => {
		const key = simulator.apiKey;
		const logs = captureLogs();
		const results: RunResult[] = [];
		try {
			// Success and failure on every node, a redirect and a URL to another host, a 422, a 404.
			const png = await storeBinary(makePng(8, 8, 3), { fileName: 'k.png', mimeType: 'image/png' });
			results.push(
				await runNode(nodeType.upload, { binaryPropertyName: 'data' }, [
					{ json: {}, binary: { data: png } },
				]),
			);
			results.push(
				await runNode(nodeType.create, {
					model: 'p-image',
					prompt: 'x',
					options: { downloadOutput: true, ...fastPolling },
				}),
			);
			results.push(
				await runNode(nodeType.create, {
					model: 'p-image',
					prompt: 'x',
					additionalInput: '{"bad": 1}',
				}),
			);
			results.push(await runNode(nodeType.status, { predictionId: 'does-not-exist' }));
			const cdnUrl = otherHost.addContent('cdn/output_1_0.png', { kind: 'png' });
			results.push(await runNode(nodeType.download, { url: cdnUrl, binaryPropertyName: 'data' }));
			simulator.injectFault({
				path: '/v1/predictions/delivery/moved/',
				times: 1,
				fault: { kind: 'redirect', location: cdnUrl },
			});
			results.push(
				await runNode(nodeType.download, {
					url: 'moved/output_1_0.png',
					binaryPropertyName: 'data',
				}),
			);
			otherHost.injectFault({
				path: '/v1/predictions/delivery/',
				times: 1,
				fault: { kind: 'status', status: 401 },
			});
			results.push(await runNode(nodeType.download, { url: cdnUrl, binaryPropertyName: 'data' }));
		} finally {
			logs.restore();
		}

		// The runs did what they should, so the scan below covers real outputs and real errors.
		expect(results.map((result) => result.status)).toEqual([
			'success',
			'success',
			'error',
			'error',
			'success',
			'success',
			'error',
		]);

		for (const request of simulator.requests) {
			expect(request.headers.apikey).toBe(key);
			expect(request.path).not.toContain(key);
			expect(JSON.stringify(request.json ?? null)).not.toContain(key);
		}
		expect(otherHost.requests.length).toBeGreaterThanOrEqual(3);
		for (const request of otherHost.requests) {
			expect(JSON.stringify(request)).not.toContain(key);
		}
		for (const result of results) {
			const error = result.error as
				| (Error & { description?: string; errorResponse?: unknown })
				| undefined;
			const everything = JSON.stringify({
				runData: result.run.data.resultData.runData,
				error: error && {
					message: error.message,
					description: error.description,
					response: error.errorResponse,
					stack: error.stack,
				},
			});
			expect(everything).not.toContain(key);
		}
		expect(logs.lines.join('\n')).not.toContain(key);
	});
});
