/**
 * Several n8n workers sharing one API key, as in queue mode: each worker a process of its own
 * running n8n's engine (`worker-process.ts`), all against one simulator that enforces the key's
 * create quota in fixed windows and answers with `RateLimit-*` headers and 429s. A worker may run
 * several executions at once, as n8n's `--concurrency` lets it. What counts is read at the
 * simulator: 429s per window and per worker, predictions created per item, the longest time each
 * worker and execution went without a create while it had items waiting, and the wall time against
 * the least the quota allows.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { nodeType, prunaNode } from '../fixtures.ts';
import { PrunaSimulator } from '../simulator/server.ts';
import { packageRoot } from './n8n.ts';
import type { ExecutionResult, WorkerJob, WorkerResult } from './worker-process.ts';

export interface SharedQuotaSetup {
	workers: number;
	/** Items in all, split evenly between the workers, and a worker's between its executions. */
	items: number;
	/** Executions each worker runs at once, each a run of its own with its own execution ID (1). */
	executionsPerWorker?: number;
	model: string;
	/** The model's creates per window, and the window. */
	limit: number;
	windowMs: number;
	/** How long each prediction takes. */
	processingMs: number;
	/** Create Prediction's Options (Download Output on and nothing else: the node's defaults). */
	options?: IDataObject;
	/** Create Prediction's Rate Limit Wait, added to `options` (the node's default when unset). */
	rateLimitWaitSeconds?: number;
	/**
	 * The node's On Error set to continue, so that a failed item comes out with its error and the
	 * others go on (otherwise the first failure fails the run).
	 */
	continueOnFail?: boolean;
	/** The status endpoint's quota per window, when it is to be tight too. */
	statusLimit?: number;
	/** Every answer's delay, as from a server in a nearby region. */
	roundTripMs?: number;
}

/** What one execution, or one worker's executions together, made of its items, read at the simulator. */
export interface ItemsFigures {
	items: number;
	/** Items that came out without an error; the rest failed. */
	ok: number;
	failed: number;
	/** The first error, for what the failed items said. */
	firstError?: string;
	/** When it ended, ms after `go`. */
	finishedMs: number;
	/**
	 * The longest time, in windows of `windowMs`, it went without a create answered 201 while it had
	 * items not yet created: from `go` to its first, between consecutive ones, and, when some of its
	 * items were never created, from its last to its end. 429s do not end a gap.
	 */
	longestGapWindows: number;
	/** Its creates answered 429, and the most in one window. */
	refused: number;
	mostRefusedInAWindow: number;
}

export interface WorkerFigures extends ItemsFigures {
	executions: ItemsFigures[];
}

export interface SharedQuotaReport {
	setup: SharedQuotaSetup;
	workers: WorkerResult[];
	/** Each worker's figures, and each of its executions'. */
	perWorker: WorkerFigures[];
	/** The longest gap for any worker or execution, in windows. */
	longestGapWindows: number;
	/** Items that came out without an error, in all. */
	ok: number;
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
	/** Each create as it reached the simulator: when (ms after `go`), from which worker and execution, its status. */
	creates: Array<{
		atMs: number;
		worker: number | undefined;
		execution: number | undefined;
		window: number;
		status?: number;
	}>;
	/** From `go` to the last worker's end. */
	wallMs: number;
	/** The least the quota allows: the last window opens after all the full ones, then one generation. */
	quotaMinimumMs: number;
}

/** The item's prompt tells which worker and execution sent a request: `w<worker> e<execution> i<index>`. */
function promptOf(worker: number, execution: number, index: number): string {
	return `w${worker} e${execution} i${index}`;
}

function senderOfPrompt(prompt: unknown): { worker?: number; execution?: number } {
	const match = typeof prompt === 'string' ? /^w(\d+) e(\d+) i\d+$/.exec(prompt) : null;
	return match ? { worker: Number(match[1]), execution: Number(match[2]) } : {};
}

/** How `items` are split into `parts` as evenly as can be, the first parts taking the rest. */
function split(items: number, parts: number): number[] {
	return Array.from(
		{ length: parts },
		(_, part) => Math.floor(items / parts) + (part < items % parts ? 1 : 0),
	);
}

/**
 * The longest time without a create while items waited (see `ItemsFigures.longestGapWindows`), in
 * ms: `createdAtMs` are the arrivals (ms after `go`) of the creates answered 201, `items` how many
 * were to be created, `endMs` when the run ended.
 */
export function longestGapMs(createdAtMs: number[], items: number, endMs: number): number {
	const sorted = [...createdAtMs].sort((a, b) => a - b);
	let longest = 0;
	let previous = 0;
	for (const at of sorted) {
		longest = Math.max(longest, at - previous);
		previous = at;
	}
	if (sorted.length < items) longest = Math.max(longest, endMs - previous);
	return longest;
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
		const options: IDataObject = { ...(setup.options ?? { downloadOutput: true }) };
		if (setup.rateLimitWaitSeconds !== undefined) {
			options.rateLimitWaitSeconds = setup.rateLimitWaitSeconds;
		}
		const node = prunaNode(
			'Create',
			nodeType.create,
			{ model: setup.model, prompt: '={{ $json.prompt }}', options: options as INodeParameters },
			setup.continueOnFail ? { onError: 'continueRegularOutput' } : {},
		);
		// Each worker's prompts, by execution.
		const prompts = split(setup.items, setup.workers).map((workerItems, worker) =>
			split(workerItems, setup.executionsPerWorker ?? 1).map((count, execution) =>
				Array.from({ length: count }, (_, index) => promptOf(worker, execution, index)),
			),
		);
		for (const executions of prompts) {
			started.push(
				await startWorker({
					baseUrl: simulator.baseUrl,
					apiKey: simulator.apiKey,
					nodes: [node],
					executions,
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
		const arrivals = creates.map((request, index) => ({
			atMs: request.receivedAt - goAt,
			...senderOfPrompt((request.json as { input?: IDataObject })?.input?.prompt),
			window: windowIndex[index],
			status: request.status,
		}));
		const refusedBy = new Map<string, number>();
		for (const arrival of arrivals) {
			if (arrival.status !== 429) continue;
			const key = `${arrival.worker}|${arrival.window}`;
			refusedBy.set(key, (refusedBy.get(key) ?? 0) + 1);
		}
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
		prompts.forEach((executions) => {
			for (const prompt of executions.flat()) {
				if (createdPerPrompt.get(prompt) !== 1) notCreatedOnce++;
			}
		});
		const figuresOf = (
			result: ExecutionResult,
			items: number,
			sentBy: (arrival: (typeof arrivals)[number]) => boolean,
		): ItemsFigures => {
			const own = arrivals.filter(sentBy);
			const finishedMs = result.finishedAt - goAt;
			const refusedPerWindow = new Map<number, number>();
			for (const arrival of own.filter((arrival) => arrival.status === 429)) {
				refusedPerWindow.set(arrival.window, (refusedPerWindow.get(arrival.window) ?? 0) + 1);
			}
			const createdAt = own
				.filter((arrival) => arrival.status === 201)
				.map((arrival) => arrival.atMs);
			return {
				items,
				ok: result.ok,
				failed: items - result.ok,
				firstError: result.errors[0],
				finishedMs,
				longestGapWindows: longestGapMs(createdAt, items, finishedMs) / setup.windowMs,
				refused: own.filter((arrival) => arrival.status === 429).length,
				mostRefusedInAWindow: Math.max(0, ...refusedPerWindow.values()),
			};
		};
		const perWorker: WorkerFigures[] = workers.map((result, worker) => ({
			...figuresOf(result, prompts[worker].flat().length, (arrival) => arrival.worker === worker),
			executions: result.executions.map((execution, index) =>
				figuresOf(
					execution,
					prompts[worker][index].length,
					(arrival) => arrival.worker === worker && arrival.execution === index,
				),
			),
		}));
		const windows = Math.ceil(setup.items / setup.limit);
		return {
			setup,
			workers,
			perWorker,
			longestGapWindows: Math.max(
				...perWorker.flatMap((worker) => [
					worker.longestGapWindows,
					...worker.executions.map((execution) => execution.longestGapWindows),
				]),
			),
			ok: workers.reduce((sum, worker) => sum + worker.ok, 0),
			created: creates.filter((request) => request.status === 201).length,
			createsRefused: creates.filter((request) => request.status === 429).length,
			statusRefused: statusChecks.filter((request) => request.status === 429).length,
			statusWindows: statusWindow.length ? statusWindow[statusWindow.length - 1] + 1 : 0,
			mostRefusedByOneWorkerInAWindow: Math.max(0, ...refusedBy.values()),
			windows: windowIndex.length ? windowIndex[windowIndex.length - 1] + 1 : 0,
			notCreatedOnce,
			failed: setup.items - workers.reduce((sum, worker) => sum + worker.ok, 0),
			creates: arrivals.map((arrival) => ({
				atMs: arrival.atMs,
				worker: arrival.worker,
				execution: arrival.execution,
				window: arrival.window,
				status: arrival.status,
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
	const trySync = setup.options?.trySync === false ? 'Try Sync off' : 'defaults';
	const executions = setup.executionsPerWorker ?? 1;
	const seconds = (ms: number) => (ms / 1000).toFixed(1);
	const firstError = report.perWorker.find((worker) => worker.firstError)?.firstError;
	return [
		`${setup.workers} worker(s)${executions > 1 ? ` × ${executions} executions` : ''},`,
		`${setup.items} ${setup.model} items, ${setup.limit} per ${setup.windowMs / 1000} s, ${setup.processingMs} ms each, ${trySync}${setup.rateLimitWaitSeconds === undefined ? '' : `, Rate Limit Wait ${setup.rateLimitWaitSeconds} s`}:`,
		`${report.ok} of ${setup.items} items ok;`,
		`${report.createsRefused} creates refused (429) in ${report.windows} windows`,
		`(at most ${report.mostRefusedByOneWorkerInAWindow} for one worker in one window),`,
		`${report.statusRefused} status checks refused in ${report.statusWindows} windows,`,
		`${report.created} created, ${report.notCreatedOnce} items not created exactly once, ${report.failed} failed;`,
		`longest gap without a create ${report.longestGapWindows.toFixed(1)} windows;`,
		`wall ${seconds(report.wallMs)} s, ${(report.wallMs / report.quotaMinimumMs).toFixed(2)}× the quota's least (${seconds(report.quotaMinimumMs)} s);`,
		`workers finished after ${report.perWorker.map((worker) => seconds(worker.finishedMs)).join(', ')} s`,
		executions > 1
			? `(executions ${report.perWorker.map((worker) => worker.executions.map((execution) => seconds(execution.finishedMs)).join(' and ')).join('; ')} s)`
			: '',
		firstError ? `— first error: ${firstError}` : '',
	]
		.filter(Boolean)
		.join(' ');
}
