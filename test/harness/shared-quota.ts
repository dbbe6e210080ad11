/**
 * Several n8n workers sharing one API key, as in queue mode: each worker a process of its own
 * running n8n's engine (`worker-process.ts`), all against one simulator that enforces the key's
 * create quota in fixed windows and answers with `RateLimit-*` headers and 429s. What counts is read
 * at the simulator: 429s per window and per worker, predictions created per item, and the wall time
 * against the least the quota allows.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { nodeType, prunaNode } from '../fixtures.ts';
import { PrunaSimulator } from '../simulator/server.ts';
import { packageRoot } from './n8n.ts';
import type { WorkerJob, WorkerResult } from './worker-process.ts';

export interface SharedQuotaSetup {
	workers: number;
	/** Items in all, split evenly between the workers. */
	items: number;
	model: string;
	/** The model's creates per window, and the window. */
	limit: number;
	windowMs: number;
	/** How long each prediction takes. */
	processingMs: number;
	/** Create Prediction's Options (Download Output on and nothing else: the node's defaults). */
	options?: IDataObject;
	/** The status endpoint's quota per window, when it is to be tight too. */
	statusLimit?: number;
	/** Every answer's delay, as from a server in a nearby region. */
	roundTripMs?: number;
}

export interface SharedQuotaReport {
	setup: SharedQuotaSetup;
	workers: WorkerResult[];
	/** Creates answered 201 and 429, and status checks answered 429 (in how many status windows). */
	created: number;
	createsRefused: number;
	statusRefused: number;
	statusWindows: number;

	/** The most 429s one worker got in one window. */
	mostRefusedByOneWorkerInAWindow: number;
	/** Windows the creates spanned, as the simulator opened them. */
	windows: number;
	/** Items whose prompt reached a created prediction other than exactly once. */
	notCreatedOnce: number;
	failed: number;
	/** Each create as it reached the simulator: when (ms after `go`), from which worker, its status. */
	creates: Array<{ atMs: number; worker: number | undefined; window: number; status?: number }>;
	/** From `go` to the last worker's end. */
	wallMs: number;
	/** The least the quota allows: the last window opens after all the full ones, then one generation. */
	quotaMinimumMs: number;
}

/** The item's prompt tells which worker sent a request: `w<worker> i<index>`. */
function promptOf(worker: number, index: number): string {
	return `w${worker} i${index}`;
}

function workerOfPrompt(prompt: unknown): number | undefined {
	const match = typeof prompt === 'string' ? /^w(\d+) i\d+$/.exec(prompt) : null;
	return match ? Number(match[1]) : undefined;
}

interface StartedWorker {
	go(): void;
	result: Promise<WorkerResult>;
	kill(): void;
}

async function startWorker(job: WorkerJob): Promise<StartedWorker> {
	const child = spawn(
		process.execPath,
		[
			'--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
			join(packageRoot, 'test', 'harness', 'worker-process.ts'),
			JSON.stringify(job),
		],
		{ stdio: ['pipe', 'pipe', 'inherit'] },
	);
	const exited = new Promise<never>((_, reject) =>
		child.once('exit', (code) => reject(new Error(`A worker exited with ${code}`))),
	);
	const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
	const next = async () => String((await Promise.race([lines.next(), exited])).value);
	if ((await next()) !== 'ready') throw new Error('A worker did not start');
	return {
		go: () => child.stdin.write('go\n'),
		result: next().then((line) => JSON.parse(line) as WorkerResult),
		kill: () => child.kill(),
	};
}

/** Fixed windows as the simulator opens them: each starts with the first request after the last ended. */
export function windowOf(arrivals: number[], windowMs: number): number[] {
	let startedAt = Number.NEGATIVE_INFINITY;
	let index = -1;
	return arrivals.map((at) => {
		if (at - startedAt >= windowMs) {
			startedAt = at;
			index++;
		}
		return index;
	});
}

/** How many fixed windows requests arriving at these times opened. */
export function fixedWindowsOf(arrivals: number[], windowMs: number): number {
	const windows = windowOf(arrivals, windowMs);
	return windows.length ? windows[windows.length - 1] + 1 : 0;
}

export async function runSharedQuota(setup: SharedQuotaSetup): Promise<SharedQuotaReport> {
	const simulator = await PrunaSimulator.start({
		rateLimitWindowMs: setup.windowMs,
		modelRateLimits: { [setup.model]: setup.limit },
		rateLimits: setup.statusLimit === undefined ? {} : { status: setup.statusLimit },
		defaultPlan: { startingMs: 0, processingMs: setup.processingMs },
	});
	const started: StartedWorker[] = [];
	try {
		if (setup.roundTripMs) {
			simulator.injectFault({ path: '/', fault: { kind: 'latency', ms: setup.roundTripMs } });
		}
		const node = prunaNode('Create', nodeType.create, {
			model: setup.model,
			prompt: '={{ $json.prompt }}',
			options: (setup.options ?? { downloadOutput: true }) as INodeParameters,
		});
		const perWorker = Math.ceil(setup.items / setup.workers);
		for (let worker = 0; worker < setup.workers; worker++) {
			const count = Math.min(perWorker, setup.items - worker * perWorker);
			const prompts = Array.from({ length: count }, (_, index) => promptOf(worker, index));
			started.push(
				await startWorker({
					baseUrl: simulator.baseUrl,
					apiKey: simulator.apiKey,
					nodes: [node],
					prompts,
				}),
			);
		}
		const goAt = Date.now();
		for (const worker of started) worker.go();
		const workers = await Promise.all(started.map((worker) => worker.result));
		const wallMs = Math.max(...workers.map((worker) => worker.finishedAt)) - goAt;

		const creates = simulator
			.requestsTo('/v1/predictions')
			.filter((request) => request.method === 'POST');
		const windowIndex = windowOf(
			creates.map((request) => request.receivedAt),
			setup.windowMs,
		);
		const refusedBy = new Map<string, number>();
		creates.forEach((request, index) => {
			if (request.status !== 429) return;
			const worker = workerOfPrompt((request.json as { input?: IDataObject })?.input?.prompt);
			const key = `${worker}|${windowIndex[index]}`;
			refusedBy.set(key, (refusedBy.get(key) ?? 0) + 1);
		});
		const statusChecks = simulator.requestsTo('/v1/predictions/status/');
		const statusWindow = windowOf(
			statusChecks.map((request) => request.receivedAt),
			setup.windowMs,
		);
		const createdPerPrompt = new Map<string, number>();
		for (const prediction of simulator.timeToResult()) {
			const prompt = prediction.prompt ?? '';
			createdPerPrompt.set(prompt, (createdPerPrompt.get(prompt) ?? 0) + 1);
		}
		let notCreatedOnce = 0;
		started.forEach((_, worker) => {
			for (let index = 0; index < perWorker && worker * perWorker + index < setup.items; index++) {
				if (createdPerPrompt.get(promptOf(worker, index)) !== 1) notCreatedOnce++;
			}
		});
		const windows = Math.ceil(setup.items / setup.limit);
		return {
			setup,
			workers,
			created: creates.filter((request) => request.status === 201).length,
			createsRefused: creates.filter((request) => request.status === 429).length,
			statusRefused: statusChecks.filter((request) => request.status === 429).length,
			statusWindows: statusWindow.length ? statusWindow[statusWindow.length - 1] + 1 : 0,
			mostRefusedByOneWorkerInAWindow: Math.max(0, ...refusedBy.values()),
			windows: windowIndex.length ? windowIndex[windowIndex.length - 1] + 1 : 0,
			notCreatedOnce,
			failed: workers.reduce((sum, worker) => sum + worker.failed, 0),
			creates: creates.map((request, index) => ({
				atMs: request.receivedAt - goAt,
				worker: workerOfPrompt((request.json as { input?: IDataObject })?.input?.prompt),
				window: windowIndex[index],
				status: request.status,
			})),
			wallMs,
			quotaMinimumMs: (windows - 1) * setup.windowMs + setup.processingMs,
		};
	} finally {
		for (const worker of started) worker.kill();
		await simulator.close();
	}
}

/** One line a run: what a person compares across runs. */
export function describeSharedQuota(report: SharedQuotaReport): string {
	const { setup } = report;
	const startedAt = Math.min(...report.workers.map((worker) => worker.startedAt));
	const trySync = setup.options?.trySync === false ? 'Try Sync off' : 'defaults';
	return [
		`${setup.workers} worker(s), ${setup.items} ${setup.model} items, ${setup.limit} per ${setup.windowMs / 1000} s, ${setup.processingMs} ms each, ${trySync}:`,
		`${report.createsRefused} creates refused (429) in ${report.windows} windows`,
		`(at most ${report.mostRefusedByOneWorkerInAWindow} for one worker in one window),`,
		`${report.statusRefused} status checks refused in ${report.statusWindows} windows,`,
		`${report.created} created, ${report.notCreatedOnce} items not created exactly once, ${report.failed} failed;`,
		`wall ${(report.wallMs / 1000).toFixed(1)} s, ${(report.wallMs / report.quotaMinimumMs).toFixed(2)}× the quota's least (${(report.quotaMinimumMs / 1000).toFixed(1)} s);`,
		`workers finished after ${report.workers.map((worker) => ((worker.finishedAt - startedAt) / 1000).toFixed(1)).join(', ')} s`,
	].join(' ');
}
