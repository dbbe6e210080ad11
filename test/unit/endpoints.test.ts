/** Pruna's endpoints as described once: which one a request reaches, and what routing declares. */
import {
	createPrediction,
	downloadContent,
	endpointOf,
	getPredictionStatus,
	routingRequestOf,
	statusPathOf,
	uploadFile,
} from '../../nodes/shared/api/endpoints';

test.each([
	['POST', '/v1/predictions', createPrediction],
	['GET', '/v1/predictions', undefined],
	['POST', '/v1/predictions/', undefined],
	['GET', '/v1/predictions/status/abc', getPredictionStatus],
	[undefined, '/v1/predictions/status/abc', getPredictionStatus],
	['POST', '/v1/predictions/status/abc', undefined],
	['POST', '/v1/files', uploadFile],
	['POST', '/v1/files/abc', undefined],
	['GET', '/v1/predictions/delivery/x/out.png', downloadContent],
	['GET', '/v2/predictions/status/abc', undefined],
])('%s %s reaches %j', (method, path, expected) => {
	expect(endpointOf(method, path)).toBe(expected);
});

test('only creating a prediction is paid', () => {
	const paid = [createPrediction, getPredictionStatus, uploadFile, downloadContent].filter(
		(endpoint) => 'paid' in endpoint && endpoint.paid,
	);
	expect(paid).toEqual([createPrediction]);
});

test.each([
	[
		createPrediction,
		{ method: 'POST', url: '/v1/predictions', headers: { 'Content-Type': 'application/json' } },
	],
	[getPredictionStatus, { method: 'GET', url: '/v1/predictions/status/' }],
	[uploadFile, { method: 'POST', url: '/v1/files' }],
	[
		downloadContent,
		{
			method: 'GET',
			url: '/v1/predictions/delivery/',
			headers: { Accept: '*/*' },
			encoding: 'stream',
		},
	],
])('routingRequestOf(%j)', (endpoint, expected) => {
	expect(routingRequestOf(endpoint)).toEqual(expected);
});

test.each([
	['abc', '/v1/predictions/status/abc'],
	['a/b c', '/v1/predictions/status/a%2Fb%20c'],
])('statusPathOf(%j) is %s', (id, expected) => {
	expect(statusPathOf(id)).toBe(expected);
});
