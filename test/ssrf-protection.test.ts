/**
 * n8n's SSRF protection (`N8N_SSRF_PROTECTION_ENABLED`, n8n 2.x) guards the nodes' requests as it
 * guards the HTTP Request node. In n8n 2.41 it lives in `@n8n/backend-network`'s `OutboundHttp`,
 * which n8n-core's request helpers (`httpRequestWithAuthentication` included) send every request
 * through: the URL is checked before a connection is opened, and each socket's address when it
 * connects. The pipeline follows redirects itself, one request a hop, so each hop is checked too.
 * The config is read from the environment when the engine first sends, so it is set here, before.
 */
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'node:http';

import { chain, credentialsFor, nodeType, prunaNode, suiteSimulator } from './fixtures';
import { runWorkflow } from './harness/run';
import { makePng } from './simulator/png.ts';

// Jest gives each suite its own copy of process.env, so no other suite runs with these.
process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';
// The simulator (127.0.0.1) stays reachable; the rest of 127.0.0.0/8 is in n8n's default blocklist.
process.env.N8N_SSRF_ALLOWED_IP_RANGES = '127.0.0.1/32';

const simulator = suiteSimulator();

/** A web server on `host` that counts every connection made to it and serves a PNG. */
function countingServer(host: string) {
	const png = makePng(4, 4);
	const server = createServer((_request, response) => {
		response.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
		response.end(png);
	});
	const sockets = new Set<Socket>();
	const counted = { connections: 0, url: '' };
	server.on('connection', (socket) => {
		counted.connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	beforeAll(async () => {
		server.listen(0, host);
		await once(server, 'listening');
		counted.url = `http://${host}:${(server.address() as AddressInfo).port}/secret/output.png`;
	});
	beforeEach(() => (counted.connections = 0));
	afterAll(async () => {
		for (const socket of sockets) socket.destroy();
		server.close();
		await once(server, 'close');
	});
	return counted;
}

/** An address n8n's default blocklist holds (127.0.0.0/8), other than the simulator's. */
const blocked = countingServer('127.0.0.2');
/** The same server on the allowed address: the count works. */
const allowed = countingServer('127.0.0.1');

async function download(url: string) {
	return await runWorkflow(
		chain(prunaNode('Download', nodeType.download, { url, binaryPropertyName: 'data' })),
		{ credentials: credentialsFor(simulator) },
	);
}

const ssrfMessage = 'The request was blocked because it resolves to a restricted IP address';

test('a Download Content URL naming a blocked address reaches nothing', async () => {
	const result = await download(blocked.url);

	expect(blocked.connections).toBe(0);
	expect(result.status).toBe('error');
	expect(result.nodes.Download.error?.message).toBe(ssrfMessage);
	expect(result.nodes.Download.error?.description).toContain('127.0.0.2');
});

test('a download that redirects to a blocked address reaches nothing there', async () => {
	simulator.addContent('moved/output_1_0.png', { kind: 'png' });
	simulator.injectFault({
		path: '/v1/predictions/delivery/moved/',
		times: 1,
		fault: { kind: 'redirect', location: blocked.url },
	});

	const result = await download('moved/output_1_0.png');

	expect(simulator.requestsTo('/v1/predictions/delivery/moved/')).toHaveLength(1);
	expect(blocked.connections).toBe(0);
	expect(result.status).toBe('error');
	expect(result.nodes.Download.error?.message).toBe(ssrfMessage);
});

test('an allowed address is reached, through the same path and the same redirect', async () => {
	simulator.injectFault({
		path: '/v1/predictions/delivery/moved/',
		times: 1,
		fault: { kind: 'redirect', location: allowed.url },
	});

	const result = await download('moved/output_1_0.png');

	expect(result.status).toBe('success');
	expect(allowed.connections).toBe(1);
	expect(result.nodes.Download.items[0].json.fileSize).toBe(makePng(4, 4).length);
});
