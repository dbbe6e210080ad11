/**
 * The harness picks free ports for n8n, and another process can take one before n8n binds it (it
 * once failed the agent suite: "n8n's port 46615 is already in use"). Here the ports are taken on
 * purpose: n8n must still start, and `n8n execute` still run, on new ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
	executeWorkflow,
	importWorkflows,
	manualTriggerNode,
	portInUseIn,
	prepareN8n,
	startN8n,
} from '../harness/real-n8n.ts';

const workFolder = mkdtempSync(join(tmpdir(), 'pruna-e2e-ports-'));
const holders: Server[] = [];
const heldSockets: Socket[] = [];

/** A port held by a listener that accepts connections and never answers, like a busy neighbour. */
async function holdPort(): Promise<number> {
	const server = createServer((socket) => heldSockets.push(socket));
	holders.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return (server.address() as { port: number }).port;
}

afterAll(async () => {
	for (const socket of heldSockets) socket.destroy();
	for (const server of holders) await new Promise((resolve) => server.close(resolve));
	rmSync(workFolder, { recursive: true, force: true });
});

describe('ports taken before n8n binds them', () => {
	test("n8n's own messages name the port", () => {
		expect(
			portInUseIn(
				"n8n's port 46615 is already in use. Do you have another instance of n8n running already?",
			),
		).toBe(46615);
		expect(portInUseIn("n8n Task Broker's port 5679 is already in use.")).toBe(5679);
		expect(portInUseIn('Port 5680 is already in use, possibly by the n8n main process')).toBe(5680);
		expect(portInUseIn('n8n ready on 127.0.0.1, port 5678')).toBeUndefined();
	});

	test('n8n start: its editor port is taken; it starts on another and answers there', async () => {
		const taken = await holdPort();
		const n8n = await prepareN8n(join(workFolder, 'start'), { port: taken });

		const running = await startN8n(n8n);
		try {
			expect(running.output()).not.toMatch(/already in use/);
			expect(n8n.port).not.toBe(taken);
			expect(n8n.env.N8N_PORT).toBe(String(n8n.port));
			const answer = await fetch(`${n8n.url}/healthz/readiness`);
			expect(answer.status).toBe(200);
		} finally {
			await running.stop();
		}
	});

	test("n8n execute: its task broker's port is taken; the workflow runs once, on another", async () => {
		const taken = await holdPort();
		const n8n = await prepareN8n(join(workFolder, 'execute'));
		n8n.env.N8N_RUNNERS_BROKER_PORT = String(taken);
		await importWorkflows(n8n, [
			{
				id: 'portsmanualonly',
				workflow: {
					name: 'Manual only',
					nodes: [manualTriggerNode],
					connections: {},
				},
			},
		]);

		const { result, execution } = await executeWorkflow(n8n, 'portsmanualonly');

		expect({
			code: result.code,
			stdout: result.stdout.slice(-1500),
			stderr: result.stderr.slice(-1500),
		}).toMatchObject({ code: 0 });
		expect(execution).toMatchObject({ status: 'success', finished: true });
		expect(n8n.env.N8N_RUNNERS_BROKER_PORT).not.toBe(String(taken));
	});
});
