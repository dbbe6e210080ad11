/**
 * A forward HTTP proxy on 127.0.0.1, for tests of the nodes' Request Options → Proxy. It forwards
 * plain HTTP requests given with an absolute URI and tunnels anything else through CONNECT (HTTPS),
 * like a corporate proxy. It reaches only the hosts in `routes`: a name no DNS resolves (such as
 * `pruna-sim.invalid:1234`) mapped to a port on 127.0.0.1, so a request that goes around the proxy
 * cannot reach the server. It records what it forwarded, and the local port of each connection it
 * opened, so a server that records its clients' ports can tell proxied requests from others.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

export interface ProxiedRequest {
	/** `http`: forwarded by the proxy; `connect`: a tunnel (its requests are the server's to see). */
	kind: 'http' | 'connect';
	/** `host:port` as the client named it. */
	target: string;
	/** The absolute URI of a forwarded request; the target of a tunnel. */
	url: string;
	/** The Proxy-Authorization header as received (its absence is undefined). */
	proxyAuthorization?: string;
	/** Whether the proxy let it through. */
	allowed: boolean;
}

export interface ForwardProxyOptions {
	/** `host:port` the client names → the port on 127.0.0.1 it reaches. */
	routes: Record<string, number>;
	/** When set, requests without these credentials get 407. */
	credentials?: { username: string; password: string };
}

export interface ForwardProxy {
	/** The proxy's URL, with user and password when it requires them. */
	url: string;
	port: number;
	readonly requests: ProxiedRequest[];
	/** The local ports of the connections the proxy opened to the servers it routes to. */
	readonly upstreamPorts: Set<number>;
	/** Routes `host:port` to a port on 127.0.0.1 from now on. */
	route(target: string, port: number): void;
	reset(): void;
	close(): Promise<void>;
}

const hopByHopHeaders = ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive'];

export async function startForwardProxy(options: ForwardProxyOptions): Promise<ForwardProxy> {
	const routes = new Map(Object.entries(options.routes));
	const requests: ProxiedRequest[] = [];
	const upstreamPorts = new Set<number>();
	const sockets = new Set<Socket>();
	const expectedAuthorization = options.credentials
		? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`
		: undefined;

	const track = (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	};
	const record = (entry: Omit<ProxiedRequest, 'allowed'>): ProxiedRequest => {
		const allowed =
			(!expectedAuthorization || entry.proxyAuthorization === expectedAuthorization) &&
			routes.has(entry.target);
		const recorded = { ...entry, allowed };
		requests.push(recorded);
		return recorded;
	};
	const refusal = (entry: ProxiedRequest) =>
		expectedAuthorization && entry.proxyAuthorization !== expectedAuthorization
			? { status: 407, text: 'Proxy Authentication Required' }
			: { status: 502, text: `No route to ${entry.target}` };

	const forward = (request: IncomingMessage, response: ServerResponse) => {
		const url = URL.canParse(request.url ?? '') ? new URL(request.url ?? '') : undefined;
		const target = url ? `${url.hostname}:${url.port || 80}` : '';
		const entry = record({
			kind: 'http',
			target,
			url: request.url ?? '',
			proxyAuthorization: request.headers['proxy-authorization'],
		});
		if (!entry.allowed || !url) {
			const { status, text } = refusal(entry);
			response.writeHead(status, { 'proxy-authenticate': 'Basic', 'content-type': 'text/plain' });
			response.end(text);
			return;
		}
		const headers = { ...request.headers };
		for (const name of hopByHopHeaders) delete headers[name];
		const upstream = httpRequest({
			host: '127.0.0.1',
			port: routes.get(target),
			method: request.method,
			path: `${url.pathname}${url.search}`,
			headers,
			agent: false,
		});
		upstream.on('socket', (socket) => {
			socket.once('connect', () => upstreamPorts.add(socket.localPort ?? -1));
		});
		upstream.on('response', (answer) => {
			response.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(response);
			answer.on('error', () => response.destroy());
			answer.on('aborted', () => response.destroy());
		});
		upstream.on('error', () => {
			if (!response.headersSent) response.writeHead(502).end('upstream failed');
			else response.destroy();
		});
		// A client that gives up closes its side: the server's side goes with it.
		response.on('close', () => upstream.destroy());
		request.pipe(upstream);
	};

	const server = createServer(forward);
	server.on('connection', track);
	server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
		track(client);
		const target = request.url ?? '';
		const entry = record({
			kind: 'connect',
			target,
			url: target,
			proxyAuthorization: request.headers['proxy-authorization'],
		});
		if (!entry.allowed) {
			const { status, text } = refusal(entry);
			client.end(`HTTP/1.1 ${status} ${text}\r\nProxy-Authenticate: Basic\r\n\r\n`);
			return;
		}
		const upstream = connect(routes.get(target) ?? 0, '127.0.0.1', () => {
			upstreamPorts.add(upstream.localPort ?? -1);
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			if (head.length > 0) upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		track(upstream);
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const userInfo = options.credentials
		? `${encodeURIComponent(options.credentials.username)}:${encodeURIComponent(options.credentials.password)}@`
		: '';
	return {
		url: `http://${userInfo}127.0.0.1:${port}`,
		port,
		requests,
		upstreamPorts,
		route: (target, upstreamPort) => routes.set(target, upstreamPort),
		reset: () => {
			requests.length = 0;
			upstreamPorts.clear();
		},
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
