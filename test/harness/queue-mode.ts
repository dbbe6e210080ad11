/**
 * n8n in queue mode, as users run it past one process: Debian's redis-server, `n8n start` (main)
 * and two `n8n worker`s sharing one user folder, everything on 127.0.0.1, each in a process group of
 * its own. A fresh Redis per instance, so no job or cache outlives a test run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import type { N8nInstance, RunningN8n } from './real-n8n.ts';
import { freePort, startN8n } from './real-n8n.ts';

export type BinaryMode = 'filesystem' | 'database';

export interface RunningRedis {
	port: number;
	stop(): Promise<void>;
}

/**
 * A fresh redis-server on a free port. A port chosen free can be taken before Redis binds it; Redis
 * then exits saying so, and starts again on another, five tries at most.
 */
export async function startRedis(): Promise<RunningRedis> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await startRedisOnce(await freePort());
		} catch (error) {
			if (attempt >= 5 || !/Address already in use/.test(String(error))) throw error;
		}
	}
}

async function startRedisOnce(port: number): Promise<RunningRedis> {
	const child = spawn(
		'redis-server',
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
		{ stdio: ['ignore', 'pipe', 'pipe'], detached: true },
	);
	let output = '';
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`redis-server did not start\n${output}`)),
			10_000,
		);
		child.once('error', reject);
		child.once('exit', () => {
			clearTimeout(timer);
			reject(new Error(`redis-server exited\n${output}`));
		});
		child.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes('Ready to accept connections')) {
				clearTimeout(timer);
				resolve();
			}
		});
	});
	const exited = new Promise((resolve) => child.once('exit', resolve));
	return {
		port,
		async stop() {
			child.kill('SIGTERM');
			await exited;
		},
	};
}

export interface QueueMode {
	main: RunningN8n;
	workers: RunningN8n[];
	stop(): Promise<void>;
}

/** The settings every process of a queue-mode instance shares. */
export function queueEnv(redisPort: number, binaryMode: BinaryMode): NodeJS.ProcessEnv {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redisPort),
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_DEFAULT_BINARY_DATA_MODE: binaryMode,
	};
}

/** Main, then two workers; workflows must be imported and published before. */
export async function startQueueMode(
	instance: N8nInstance,
	env: NodeJS.ProcessEnv,
	workerCount = 2,
): Promise<QueueMode> {
	const main = await startN8n(instance, { env });
	const workers: RunningN8n[] = [];
	try {
		for (let index = 0; index < workerCount; index++) {
			const healthPort = await freePort();
			workers.push(
				await startN8n(instance, {
					args: ['worker', '--concurrency=5'],
					env: {
						...env,
						N8N_RUNNERS_BROKER_PORT: String(await freePort()),
						QUEUE_HEALTH_CHECK_ACTIVE: 'true',
						QUEUE_HEALTH_CHECK_PORT: String(healthPort),
						N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					},
					readyUrl: `http://127.0.0.1:${healthPort}/healthz/readiness`,
				}),
			);
		}
	} catch (error) {
		await Promise.all([main, ...workers].map(async (process) => await process.stop()));
		throw error;
	}
	return {
		main,
		workers,
		async stop() {
			await Promise.all([main, ...workers].map(async (process) => await process.stop()));
		},
	};
}

/** The executions a worker says it ran ("Worker finished execution N"). */
export function executionsRunBy(worker: RunningN8n): string[] {
	return [...worker.output().matchAll(/Worker finished execution (\d+)/g)].map((match) => match[1]);
}

/** A process's resident memory now, in MiB (Linux). */
export function rssMiB(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
	return kiB / 1024;
}

/** Samples the peak RSS of `pids` every 50 ms while `task` runs. */
export async function peakRssWhile<T>(
	pids: number[],
	task: () => Promise<T>,
): Promise<{ result: T; before: number[]; peak: number[] }> {
	const before = pids.map(rssMiB);
	const peak = [...before];
	const sampler = setInterval(() => {
		pids.forEach((pid, index) => (peak[index] = Math.max(peak[index], rssMiB(pid))));
	}, 50);
	try {
		const result = await task();
		return { result, before, peak };
	} finally {
		clearInterval(sampler);
	}
}
