/**
 * One n8n worker for the shared-quota runs: a process of its own running n8n's engine, as each
 * worker of n8n's queue mode is, with nothing shared with the other workers but the API key.
 *
 * Reads its job as JSON from argv[2], loads the engine, prints `ready`, waits for a line `go` on
 * its standard input (so that every worker starts together), runs the workflow once and prints one
 * JSON line with what came out (`WorkerResult`).
 */
import { createInterface } from 'node:readline';

import type { INode } from 'n8n-workflow';

import { getEngine } from './engine.ts';
import { runWorkflow } from './run.ts';

export interface WorkerJob {
	baseUrl: string;
	apiKey: string;
	/** The workflow: its first node receives one item per prompt, as `{ prompt }`. */
	nodes: INode[];
	prompts: string[];
}

export interface WorkerResult {
	/** When the run started and ended, on this machine's clock (ms since epoch). */
	startedAt: number;
	finishedAt: number;
	status: string;
	/** The last node's items: how many came out, and how many of them carry an error. */
	items: number;
	failed: number;
	/** The first few errors, for a failure's message. */
	errors: string[];
}

const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
await getEngine();
process.stdout.write('ready\n');

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
while ((await lines.next()).value !== 'go') {
	// Only `go` starts the run.
}

const connections = Object.fromEntries(
	job.nodes
		.slice(0, -1)
		.map((node, index) => [
			node.name,
			{ main: [[{ node: job.nodes[index + 1].name, type: 'main' as const, index: 0 }]] },
		]),
);
const startedAt = Date.now();
const run = await runWorkflow(
	{ nodes: job.nodes, connections },
	{
		credentials: { prunaApi: { apiKey: job.apiKey, baseUrl: job.baseUrl } },
		input: job.prompts.map((prompt) => ({ json: { prompt } })),
	},
);
const finishedAt = Date.now();
const last = run.nodes[job.nodes[job.nodes.length - 1].name];
const outputs = last?.items ?? [];
const errors = outputs
	.map((item) => item.json.error)
	.filter((error) => error !== undefined)
	.map((error) => JSON.stringify(error));
if (run.error) errors.unshift(run.error.message);
const result: WorkerResult = {
	startedAt,
	finishedAt,
	status: run.status,
	items: outputs.length,
	failed: errors.length,
	errors: errors.slice(0, 5),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
