/** What the benchmarks share: a simulator process, timing and memory sampling, reference commands. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { IVersionedNodeType } from 'n8n-workflow';

import type { TimeToResult } from '../test/simulator/server.ts';

import { packageRoot } from '../test/harness/n8n.ts';
import { n8nFolder } from '../test/harness/real-n8n.ts';

export interface SimulatorProcess {
	baseUrl: string;
	apiKey: string;
	contentUrls: string[];
	waiting: string[];
	done: string[];
	startedAt: number;
	count(pathPrefix: string, span?: { fromMs: number; toMs: number }): Promise<number>;
	statuses(pathPrefix: string, method?: string): Promise<Record<string, number>>;
	maxInFlight(pathPrefix: string): Promise<number>;
	/** When the first request under `pathPrefix` arrived (ms since epoch), or undefined. */
	firstArrivalAt(pathPrefix: string, method?: string): Promise<number | undefined>;
	/** Each prediction's finish, when an answer first said so, and its status checks. */
	results(): Promise<TimeToResult[]>;
	injectFault(rule: object): Promise<void>;
	clearFaults(): Promise<void>;
	stop(): Promise<void>;
}

export async function startSimulatorProcess(setup: object): Promise<SimulatorProcess> {
	const child = spawn(
		process.execPath,
		[
			'--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
			join(packageRoot, 'bench', 'simulator-process.ts'),
			JSON.stringify(setup),
		],
		{ stdio: ['pipe', 'pipe', 'inherit'] },
	);
	const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
	const first = await lines.next();
	const info = JSON.parse(String(first.value));
	const ask = async (line: string) => {
		child.stdin.write(`${line}\n`);
		return String((await lines.next()).value);
	};
	return {
		...info,
		async count(pathPrefix: string, span?: { fromMs: number; toMs: number }) {
			const within = span ? ` ${span.fromMs} ${span.toMs}` : '';
			return Number(await ask(`count ${pathPrefix}${within}`));
		},
		async statuses(pathPrefix: string, method = '') {
			return JSON.parse(await ask(`statuses ${pathPrefix} ${method}`.trim())) as Record<
				string,
				number
			>;
		},
		async maxInFlight(pathPrefix: string) {
			return Number(await ask(`inflight ${pathPrefix}`));
		},
		async firstArrivalAt(pathPrefix: string, method = '') {
			const at = Number(await ask(`first ${pathPrefix} ${method}`.trim()));
			return at < 0 ? undefined : at;
		},
		async results() {
			return JSON.parse(await ask('results')) as TimeToResult[];
		},
		async injectFault(rule: object) {
			await ask(`fault ${JSON.stringify(rule)}`);
		},
		async clearFaults() {
			await ask('clear');
		},
		async stop() {
			child.stdin.end();
			await new Promise((resolve) => child.once('exit', resolve));
		},
	};
}

/**
 * Runs a benchmark script again in a process of its own with `job` as its argument, and returns
 * the JSON of the last line it printed. Fails, naming `what`, on a non-zero exit or no JSON line.
 */
export async function runScriptInChild<T>(
	scriptUrl: string,
	job: object,
	what: string,
	nodeFlags: string[] = [],
): Promise<T> {
	const child = spawn(
		process.execPath,
		[
			...nodeFlags,
			'--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
			fileURLToPath(scriptUrl),
			JSON.stringify(job),
		],
		{ stdio: ['ignore', 'pipe', 'inherit'] },
	);
	let output = '';
	child.stdout.on('data', (chunk) => (output += String(chunk)));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	const line = output.trim().split('\n').at(-1) ?? '';
	if (code !== 0 || !line.startsWith('{')) throw new Error(`${what} failed: ${output}`);
	return JSON.parse(line) as T;
}

export interface Measured<T> {
	result: T;
	wallMs: number;
	/** Peak RSS during the run minus RSS just before it. */
	peakRssGrowthMiB: number;
}

/** Runs `task`, sampling RSS every 2 ms; collects garbage first when node runs with --expose-gc. */
export async function measure<T>(task: () => Promise<T>): Promise<Measured<T>> {
	(globalThis as { gc?: () => void }).gc?.();
	const baseline = process.memoryUsage.rss();
	let peak = baseline;
	const sampler = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage.rss());
	}, 2);
	const startedAt = performance.now();
	try {
		const result = await task();
		const wallMs = performance.now() - startedAt;
		peak = Math.max(peak, process.memoryUsage.rss());
		return { result, wallMs, peakRssGrowthMiB: (peak - baseline) / 1024 / 1024 };
	} finally {
		clearInterval(sampler);
	}
}

/** Runs a command to completion; its wall time in ms. Fails on a non-zero exit. */
export async function timeCommand(command: string, args: string[]): Promise<number> {
	const startedAt = performance.now();
	const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	if (code !== 0) throw new Error(`${command} exited with ${code}`);
	return performance.now() - startedAt;
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

export interface BenchRow {
	name: string;
	ours: string;
	reference: string;
	ratio: number | undefined;
	goal: string;
	met: boolean;
}

/**
 * What a benchmark gives back: its rows for the summary `npm run bench` prints, and, when its table
 * in docs/benchmarks.md is not those rows, that table.
 */
export interface BenchOutcome {
	rows: BenchRow[];
	markdown?: string;
}

/** A Markdown table, its columns padded to their widest cell. */
export function markdownTable(header: string[], rows: string[][]): string {
	const table = [header, ...rows];
	const widths = header.map((_, column) => Math.max(3, ...table.map((row) => row[column].length)));
	const line = (row: string[]) =>
		`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
	return [
		line(header),
		`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
		...rows.map(line),
	].join('\n');
}

/** Rows as the summary table (and a benchmark's block in docs/benchmarks.md) shows them. */
export function rowsTable(rows: BenchRow[]): string {
	return markdownTable(
		['Benchmark', 'Ours', 'Reference (same run)', 'Ratio', 'Goal', 'Met'],
		rows.map((row) => [
			row.name,
			row.ours,
			row.reference,
			row.ratio === undefined ? '' : fmt.ratio(row.ratio),
			row.goal,
			row.met ? 'yes' : 'NO',
		]),
	);
}

export const fmt = {
	ms: (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`),
	mib: (mib: number) => `${mib.toFixed(1)} MiB`,
	ratio: (ratio: number) => ratio.toFixed(2),
};

/**
 * Writes dirty pages out before a timed run, so one run's 1 GiB does not throttle the next run's
 * writes (the kernel's write-back would otherwise charge it to whoever writes next).
 */
export function settleDisk(): void {
	spawnSync('sync');
}

/** A run's figures as "min / median / max". */
export function spread(values: number[], format: (value: number) => string): string {
	return `${format(Math.min(...values))} / ${format(median(values))} / ${format(Math.max(...values))}`;
}

export interface TransferTimes {
	ours: number[];
	/** n8n's HTTP Request node doing the same transfer in the same engine, when n8n is installed. */
	httpRequestNode?: number[];
	/** Node's own client, no n8n: the floor for anything that runs in n8n. */
	nodeClient: number[];
	curl: { command: string; ms: number[] };
}

/**
 * The rows every transfer benchmark reports: wall time against what a user would pick instead in
 * n8n (the HTTP Request node), against Node's own client and curl, and peak RSS growth.
 */
export function transferRows(name: string, times: TransferTimes, growthMiB: number[]): BenchRow[] {
	const ours = median(times.ours);
	const row = (reference: string, values: number[], goal: string, limit?: number): BenchRow => ({
		name: `${name}: wall time vs ${reference}`,
		ours: spread(times.ours, fmt.ms),
		reference: spread(values, fmt.ms),
		ratio: ours / median(values),
		goal: limit === undefined ? 'information' : `≤ ${limit.toFixed(2)}×`,
		met: limit === undefined || ours / median(values) <= limit,
	});
	const peak = Math.max(...growthMiB);
	return [
		times.httpRequestNode
			? row('HTTP Request node', times.httpRequestNode, '', 1.0)
			: {
					name: `${name}: wall time vs HTTP Request node`,
					ours: spread(times.ours, fmt.ms),
					reference: 'n8n not installed',
					ratio: undefined,
					goal: '≤ 1.00×',
					met: false,
				},
		row("Node's own client", times.nodeClient, '', 1.15),
		row(times.curl.command, times.curl.ms, ''),
		{
			name: `${name}: peak RSS growth, worst of ${growthMiB.length}`,
			ours: fmt.mib(peak),
			reference: '',
			ratio: undefined,
			goal: '≤ 48 MiB',
			met: peak <= 48,
		},
	];
}

/** n8n's HTTP Request node from the n8n the end-to-end suite installs, or undefined without it. */
export function loadHttpRequestNode(): IVersionedNodeType | undefined {
	const entry = join(
		n8nFolder,
		'node_modules',
		'n8n-nodes-base',
		'dist',
		'nodes',
		'HttpRequest',
		'HttpRequest.node.js',
	);
	if (!existsSync(entry)) return undefined;
	const { HttpRequest } = createRequire(entry)(entry) as {
		HttpRequest: new () => IVersionedNodeType;
	};
	return new HttpRequest();
}

export const httpRequestType = 'n8n-nodes-base.httpRequest';

/** Each run's figures and their median, for the line a benchmark prints about itself. */
export function runsOf(values: number[], format: (value: number) => string): string {
	return `${values.map(format).join(', ')} (median ${format(median(values))})`;
}
