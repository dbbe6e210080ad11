/** URL and ID parsing: what the nodes accept from users and from Pruna, and what they refuse. */
import {
	fileNameFromUrl,
	isBaseUrlOrigin,
	normalizeBaseUrl,
	parsePredictionId,
	requestTarget,
	resolveContentUrl,
	statusUrl,
} from '../../nodes/shared/api/urls';

const base = 'https://api.pruna.ai';

describe('parsePredictionId', () => {
	test.each<[unknown, { value: string } | { problem: RegExp }]>([
		['1knpbkf075rme0csjqr987hg4w', { value: '1knpbkf075rme0csjqr987hg4w' }],
		['  abc_DEF-9  ', { value: 'abc_DEF-9' }],
		[12345, { value: '12345' }],
		[`${base}/v1/predictions/status/abc123`, { value: 'abc123' }],
		['https://proxy.example/pruna/v1/predictions/status/abc123/', { value: 'abc123' }],
		['/v1/predictions/status/abc123', { value: 'abc123' }],
		['', { problem: /^The prediction ID is empty$/ }],
		[undefined, { problem: /^The prediction ID is empty$/ }],
		[{ id: 'abc' }, { problem: /^The prediction ID is empty$/ }],
		[
			`${base}/v1/predictions/delivery/x/out.png`,
			{ problem: /neither a prediction ID nor a status URL/ },
		],
		['abc 123', { problem: /is not a valid prediction ID/ }],
		['../etc', { problem: /neither a prediction ID nor a status URL/ }],
		[`${base}/v1/predictions/status/a%2Fb`, { problem: /is not a valid prediction ID/ }],
		['x'.repeat(129), { problem: /is not a valid prediction ID/ }],
	])('%j', (input, expected) => {
		const parsed = parsePredictionId(input);
		if ('value' in expected) expect(parsed).toEqual(expected);
		else expect('problem' in parsed && parsed.problem).toMatch(expected.problem);
	});
});

describe('resolveContentUrl', () => {
	test.each<[unknown, string, { value: string } | { problem: RegExp }]>([
		['https://cdn.example/a/out.png', base, { value: 'https://cdn.example/a/out.png' }],
		['  http://127.0.0.1:9/x.mp4 ', base, { value: 'http://127.0.0.1:9/x.mp4' }],
		[
			'/v1/predictions/delivery/x/out.png',
			base,
			{ value: `${base}/v1/predictions/delivery/x/out.png` },
		],
		[
			'xezq/abc/output_42_0.jpeg',
			base,
			{ value: `${base}/v1/predictions/delivery/xezq/abc/output_42_0.jpeg` },
		],
		[
			'/v1/predictions/delivery/x.png',
			'https://proxy.example/pruna/',
			{ value: 'https://proxy.example/pruna/v1/predictions/delivery/x.png' },
		],
		['', base, { problem: /^The content URL is empty$/ }],
		[42, base, { problem: /^The content URL is empty$/ }],
		['ftp://host/file', base, { problem: /is not an http\(s\) URL/ }],
		['javascript:alert(1)', base, { problem: /is not an http\(s\) URL/ }],
		['//evil.example/x', base, { problem: /has no scheme/ }],
		['../secret', base, { problem: /"\." or "\.\." path segments/ }],
		['a/%2e%2e/b', base, { problem: /"\." or "\.\." path segments/ }],
		['a/%zz', base, { problem: /"\." or "\.\." path segments/ }],
	])('%j on %s', (input, baseUrl, expected) => {
		const resolved = resolveContentUrl(input, baseUrl);
		if ('value' in expected) expect(resolved).toEqual(expected);
		else expect('problem' in resolved && resolved.problem).toMatch(expected.problem);
	});
});

test.each([
	['', 'https://api.pruna.ai'],
	[undefined, 'https://api.pruna.ai'],
	['  http://127.0.0.1:8080//  ', 'http://127.0.0.1:8080'],
	['https://proxy.example/pruna/', 'https://proxy.example/pruna'],
])('normalizeBaseUrl(%j) is %s', (input, expected) => {
	expect(normalizeBaseUrl(input)).toBe(expected);
});

test.each([
	['abc', base, `${base}/v1/predictions/status/abc`],
	['a b', 'https://proxy.example/p/', 'https://proxy.example/p/v1/predictions/status/a%20b'],
])('statusUrl(%j, %s)', (id, baseUrl, expected) => {
	expect(statusUrl(id, baseUrl)).toBe(expected);
});

describe('which requests may carry the key', () => {
	test.each([
		[`${base}/v1/files`, base, true],
		['https://api.pruna.ai:443/v1/files', base, true],
		['https://api.pruna.ai.evil.example/v1/files', base, false],
		['http://api.pruna.ai/v1/files', base, false],
		['https://cdn.example/out.png', base, false],
		['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/', true],
		['http://127.0.0.1:8081/x', 'http://127.0.0.1:8080', false],
		['not a url', base, false],
	])('%s on base %s: %s', (url, baseUrl, expected) => {
		expect(isBaseUrlOrigin(url, baseUrl)).toBe(expected);
	});

	test.each([
		[{ url: '/v1/files', baseURL: 'http://127.0.0.1:9/' }, 'http://127.0.0.1:9/v1/files'],
		[{ url: 'v1/files', baseURL: 'http://127.0.0.1:9' }, 'http://127.0.0.1:9/v1/files'],
		[{ url: 'https://cdn.example/x', baseURL: 'http://127.0.0.1:9' }, 'https://cdn.example/x'],
		[{ uri: '/x' }, '/x'],
	])('requestTarget(%j) is %s', (options, expected) => {
		expect(requestTarget(options)).toBe(expected);
	});
});

test.each([
	[`${base}/v1/predictions/delivery/x/output_42_0.jpeg`, 'output_42_0.jpeg'],
	['https://cdn.example/a/my%20file.png?sig=1', 'my file.png'],
	['https://cdn.example/a/bad%zz.png', 'bad%zz.png'],
	['https://cdn.example/', undefined],
])('fileNameFromUrl(%s) is %j', (url, expected) => {
	expect(fileNameFromUrl(url)).toBe(expected);
});
