/** What the benchmarks share: a simulator process, timing and memory sampling, reference commands. */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

import { packageRoot } from '../test/harness/n8n.ts';

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

/** The two rows every transfer benchmark reports: wall time against curl, and peak RSS growth. */
export function transferRows(
	name: string,
	oursMs: number[],
	curl: { command: string; ms: number[] },
	growthMiB: number[],
): BenchRow[] {
	const ours = median(oursMs);
	const reference = median(curl.ms);
	const peak = Math.max(...growthMiB);
	return [
		{
			name: `${name}: wall time`,
			ours: fmt.ms(ours),
			reference: `${curl.command} ${fmt.ms(reference)}`,
			ratio: ours / reference,
			goal: '≤ 1.25× curl',
			met: ours / reference <= 1.25,
		},
		{
			name: `${name}: peak RSS growth`,
			ours: fmt.mib(peak),
			reference: '',
			ratio: undefined,
			goal: '≤ 64 MiB',
			met: peak <= 64,
		},
	];
}

/** Each run's figures and their median, for the line a benchmark prints about itself. */
export function runsOf(values: number[], format: (value: number) => string): string {
	return `${values.map(format).join(', ')} (median ${format(median(values))})`;
}
