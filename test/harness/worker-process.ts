/**
 * One n8n worker for the shared-quota runs: a process of its own running n8n's engine, as each
 * worker of n8n's queue mode is, with nothing shared with the other workers but the API key.
 *
 * Reads its job as JSON from argv[2], loads the engine, prints `ready`, waits for a line `go` on
 * its standard input (so that every worker starts together), runs the workflow once for each of
 * the job's executions, all at once (as a worker with `--concurrency` above 1 does, each its own
 * execution ID), and prints one JSON line with what came out (`WorkerResult`).
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
	/** The prompts of each execution: one execution per list, started together. */
	executions: string[][];
}

export interface ExecutionResult {
	/** When the run started and ended, on this machine's clock (ms since epoch). */
	startedAt: number;
	finishedAt: number;
	status: string;
	/** The last node's items: how many came out, how many without an error, how many with one. */
	items: number;
	ok: number;
	failed: number;
	/** The first few errors' messages, for a failure's message. */
	errors: string[];
}

/** The worker's executions together (the first to start, the last to end), and each of them. */
export interface WorkerResult extends ExecutionResult {
	executions: ExecutionResult[];
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

async function runExecution(prompts: string[]): Promise<ExecutionResult> {
	const startedAt = Date.now();
	// runWorkflow gives each run an execution ID of its own.
	const run = await runWorkflow(
		{ nodes: job.nodes, connections },
		{
			credentials: { prunaApi: { apiKey: job.apiKey, baseUrl: job.baseUrl } },
			input: prompts.map((prompt) => ({ json: { prompt } })),
		},
	);
	const finishedAt = Date.now();
	const last = run.nodes[job.nodes[job.nodes.length - 1].name];
	const outputs = last?.items ?? [];
	const errors = outputs
		.map((item) => item.json.error)
		.filter((error) => error !== undefined)
		.map((error) => {
			if (typeof error === 'string') return error;
			const message = (error as { message?: unknown }).message;
			return message === undefined ? JSON.stringify(error) : String(message);
		});
	if (run.error) errors.unshift(run.error.message);
	return {
		startedAt,
		finishedAt,
		status: run.status,
		items: outputs.length,
		ok: outputs.filter((item) => item.json.error === undefined).length,
		failed: errors.length,
		errors: errors.slice(0, 5),
	};
}

const executions = await Promise.all(job.executions.map(runExecution));
const result: WorkerResult = {
	startedAt: Math.min(...executions.map((execution) => execution.startedAt)),
	finishedAt: Math.max(...executions.map((execution) => execution.finishedAt)),
	status: executions.find((execution) => execution.status !== 'success')?.status ?? 'success',
	items: executions.reduce((sum, execution) => sum + execution.items, 0),
	ok: executions.reduce((sum, execution) => sum + execution.ok, 0),
	failed: executions.reduce((sum, execution) => sum + execution.failed, 0),
	errors: executions.flatMap((execution) => execution.errors).slice(0, 5),
	executions,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
