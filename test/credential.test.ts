import { suiteSimulator } from './fixtures';
import { testCredential } from './harness/run';
import { PrunaSimulator } from './simulator/server.ts';

const simulator = suiteSimulator();

describe('Pruna API credential test', () => {
	test('a valid key passes: the probe answers 404 NOT_FOUND, which only a valid key gets', async () => {
		const result = await testCredential('prunaApi', {
			apiKey: simulator.apiKey,
			baseUrl: simulator.baseUrl,
		});

		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(simulator.requests).toHaveLength(1);
		expect(simulator.requests[0]).toMatchObject({
			method: 'GET',
			path: '/v1/predictions/status/n8n-credential-test',
			status: 404,
		});
		expect(simulator.requests[0].headers.apikey).toBe(simulator.apiKey);
	});

	test('a wrong key fails with a clear "invalid API key" message', async () => {
		const result = await testCredential('prunaApi', {
			apiKey: 'not-the-key',
			baseUrl: simulator.baseUrl,
		});

		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Invalid API key: Pruna rejected it \(HTTP 401\)/);
		expect(simulator.requests[0]).toMatchObject({ status: 401 });
		expect(simulator.requests[0].headers.apikey).toBe('not-the-key');
	});

	test('a base URL with a trailing slash still reaches the API', async () => {
		const result = await testCredential('prunaApi', {
			apiKey: simulator.apiKey,
			baseUrl: `${simulator.baseUrl}/`,
		});

		expect(result.status).toBe('OK');
		expect(simulator.requests[0].path).toBe('/v1/predictions/status/n8n-credential-test');
	});

	test('a server error is not reported as success', async () => {
		simulator.injectFault({
			path: '/v1/predictions/status/',
			fault: { kind: 'status', status: 503 },
			times: 1,
		});

		const result = await testCredential('prunaApi', {
			apiKey: simulator.apiKey,
			baseUrl: simulator.baseUrl,
		});

		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/503|Service Unavailable/);
	});

	test('an unreachable base URL fails with the network error', async () => {
		const closed = await PrunaSimulator.start();
		const deadUrl = closed.baseUrl;
		await closed.close();

		const result = await testCredential('prunaApi', { apiKey: 'any', baseUrl: deadUrl });

		expect(result).toEqual({ status: 'Error', message: 'ECONNREFUSED' });
	});
});
