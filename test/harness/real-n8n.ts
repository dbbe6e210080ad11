/**
 * The real n8n product, as users run it: n8n 2.41.1 installed once into a cache folder outside the
 * repo, our built package linked in as a community package, and the `n8n` command line on a user
 * folder of its own. Used by the end-to-end tests, `npm run dev` and the status-check benchmark.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

import { exampleFiles, exampleWorkflowId, loadExample } from './examples.ts';
import { packageRoot } from './n8n.ts';

/**
 * The n8n releases the suites run. `current` is what every e2e suite runs. `compat` is the latest
 * n8n 1.123.x, still maintained, run by the compatibility suite (`npm run test:compat`) on Node 22,
 * and `compat-node20` the same on Node 20, the oldest Node it admits (each Node has its own install:
 * sqlite3 is built for one Node's ABI).
 */
export const n8nReleases = {
	current: { version: '2.41.1', nodeMajor: 24, overrides: {}, env: {} },
	// 1.123.81 depends on an xlsx tarball from a host out of reach; 0.18.5 is the same code on npm.
	compat: { version: '1.123.81', nodeMajor: 22, overrides: { xlsx: '0.18.5' }, env: {} },
	'compat-node20': {
		version: '1.123.81',
		nodeMajor: 20,
		overrides: { xlsx: '0.18.5' },
		// n8n's default expression engine needs isolated-vm, prebuilt for Node 22 only, and the
		// install skips native builds; on Node 20 n8n's legacy engine runs instead.
		env: { N8N_EXPRESSION_ENGINE: 'legacy' },
		folderSuffix: '-node20',
	},
} as const satisfies Record<string, N8nRelease>;

export interface N8nRelease {
	version: string;
	/** The Node major it runs on here (its npm `engines` admits it). */
	nodeMajor: number;
	/** npm `overrides` for its install folder. */
	overrides: Record<string, string>;
	/** Settings every n8n process of this release gets. */
	env: Record<string, string>;
	/** Tells apart installs of one version for different Nodes. */
	folderSuffix?: string;
}

/** `PRUNA_E2E_N8N` names the release the harness runs (`compat`, `compat-node20`); default current. */
export const n8nRelease: N8nRelease =
	n8nReleases[(process.env.PRUNA_E2E_N8N ?? 'current') as keyof typeof n8nReleases] ??
	n8nReleases.current;
export const n8nVersion = n8nRelease.version;

const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n8n-nodes-pruna');

/** Where a release is installed: outside the repo, shared by every checkout on the machine. */
export const n8nFolderOf = (release: N8nRelease) =>
	join(cacheRoot, `n8n-${release.version}${release.folderSuffix ?? ''}`);
export const n8nFolder = n8nFolderOf(n8nRelease);
const n8nBin = join(n8nFolder, 'node_modules', 'n8n', 'bin', 'n8n');

/**
 * The `node` that runs a release: for the current one the running Node (24 or newer, as
 * `scripts/node24.cjs` sees to); for another, the running one when its major matches, else the one
 * `scripts/node-from-registry.cjs` keeps in the cache folder (installed there once).
 */
export function nodeBinaryFor(release: N8nRelease): string {
	if (release === n8nReleases.current) return process.execPath;
	if (Number(process.versions.node.split('.')[0]) === release.nodeMajor) return process.execPath;
	const fetched = spawnSync(
		process.execPath,
		[
			join(packageRoot, 'scripts', 'node-from-registry.cjs'),
			String(release.nodeMajor),
			'--bin-dir',
		],
		{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
	);
	if (fetched.status !== 0)
		throw new Error(`No Node ${release.nodeMajor} for n8n ${release.version}`);
	return join(fetched.stdout.trim(), 'node');
}

/** The `node` n8n runs on in this process's suites. */
export const n8nNode = nodeBinaryFor(n8nRelease);

/** An environment whose `node` and `npm` are `node`'s, and whose native builds use its headers. */
export function envForNode(node: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
	const nodeHome = dirname(dirname(node));
	// node-gyp cannot download headers here; the registry's Node packages ship them.
	const headers = existsSync(join(nodeHome, 'include', 'node', 'node.h'))
		? { npm_config_nodedir: nodeHome }
		: {};
	return { ...base, ...headers, PATH: `${dirname(node)}${delimiter}${base.PATH ?? ''}` };
}

function runOrThrow(
	command: string,
	args: string[],
	cwd: string,
	env: NodeJS.ProcessEnv = process.env,
): void {
	console.log(`$ ${command} ${args.join(' ')}    (in ${cwd})`);
	const result = spawnSync(command, args, { cwd, stdio: 'inherit', env });
	if (result.status !== 0) {
		throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
	}
}

/**
 * Installs a release when it is not there yet, with npm running on the release's own Node. A plain
 * install fails on a Kafka binary download, so install scripts are skipped and only sqlite3, which
 * n8n's database needs, is built (from source against that Node's headers: its prebuilt download is
 * out of reach). About 5 minutes cold.
 */
export function ensureN8nInstalled(release: N8nRelease = n8nRelease): void {
	const folder = n8nFolderOf(release);
	// Written last, so a half-finished install is done again rather than used.
	const installedMarker = join(folder, '.installed');
	if (existsSync(installedMarker)) return;
	const node = nodeBinaryFor(release);
	const env = envForNode(node);
	console.log(
		`Installing n8n ${release.version} into ${folder} on Node ${release.nodeMajor} (once; about 5 minutes)…`,
	);
	const started = Date.now();
	mkdirSync(folder, { recursive: true });
	writeFileSync(
		join(folder, 'package.json'),
		`${JSON.stringify({ name: 'n8n-nodes-pruna-n8n-cache', private: true, overrides: release.overrides }, null, 2)}\n`,
	);
	runOrThrow(
		'npm',
		['install', '--ignore-scripts', '--no-audit', '--no-fund', `n8n@${release.version}`],
		folder,
		env,
	);
	runOrThrow('npm', ['rebuild', '--ignore-scripts=false', 'sqlite3'], folder, env);
	writeFileSync(installedMarker, `${new Date().toISOString()}\n`);
	console.log(`n8n ${release.version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Installs the built package the way n8n's Community Nodes screen does
 * (`CommunityPackagesService.downloadPackage`): the tarball of `npm pack`, unpacked into
 * `nodes/node_modules/<name>`, its dev, peer and optional dependencies deleted from its package.json,
 * then `npm install` in it with n8n's flags, on the Node n8n runs on; last, the dependency recorded in
 * `nodes/package.json`. A file the `files` list leaves out of the tarball is missing here too.
 */
export function installAsN8nDoes(nodesFolder: string, packageFolder: string): void {
	const env = envForNode(n8nNode);
	const run = (command: string, args: string[], cwd: string) => {
		const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
		if (result.status !== 0) {
			throw new Error(`${command} ${args.join(' ')} failed (${result.status})\n${result.stderr}`);
		}
		return result.stdout;
	};
	const tarball = run(
		'npm',
		['pack', '--quiet', `--pack-destination=${nodesFolder}`],
		packageRoot,
	).trim();
	try {
		mkdirSync(packageFolder, { recursive: true });
		run('tar', ['-xzf', tarball, '-C', packageFolder, '--strip-components=1'], nodesFolder);
		const manifestPath = join(packageFolder, 'package.json');
		const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
		for (const key of ['devDependencies', 'peerDependencies', 'optionalDependencies'])
			delete manifest[key];
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		run(
			'npm',
			[
				'install',
				'--audit=false',
				'--fund=false',
				'--bin-links=false',
				'--install-strategy=shallow',
				'--ignore-scripts=true',
				'--package-lock=false',
			],
			packageFolder,
		);
		writeFileSync(
			join(nodesFolder, 'package.json'),
			JSON.stringify(
				{
					name: 'installed-nodes',
					private: true,
					dependencies: { [String(manifest.name)]: String(manifest.version) },
				},
				null,
				2,
			),
		);
	} finally {
		rmSync(join(nodesFolder, tarball), { force: true });
	}
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

export interface N8nInstance {
	userFolder: string;
	/** Where workflows may read files from (n8n refuses paths outside it). */
	filesFolder: string;
	env: NodeJS.ProcessEnv;
	port: number;
	url: string;
}

/**
 * How our package gets into the user folder. `link`: a symlink to this checkout (edits show after a
 * rebuild; `npm run dev` and the 2.41.1 suites). `packed`: as n8n installs a community package, from
 * the tarball `npm pack` makes (the compatibility suite).
 */
export type PackageInstall = 'link' | 'packed';

/**
 * An n8n user folder with our package as a community package, under
 * `.n8n/nodes/node_modules/n8n-nodes-pruna`, so the node types carry the real package prefix.
 * Nothing lands in `~/.n8n`: the user folder, the encryption key and every port are this run's own.
 * Tests start from an empty folder; `npm run dev` keeps its own between runs.
 */
export async function prepareN8n(
	userFolder: string,
	{
		fresh = true,
		port,
		install = n8nRelease === n8nReleases.current ? 'link' : 'packed',
	}: { fresh?: boolean; port?: number; install?: PackageInstall } = {},
): Promise<N8nInstance> {
	if (fresh) rmSync(userFolder, { recursive: true, force: true });
	const nodesFolder = join(userFolder, '.n8n', 'nodes');
	const communityNodes = join(nodesFolder, 'node_modules');
	mkdirSync(communityNodes, { recursive: true });
	const packageFolder = join(communityNodes, 'n8n-nodes-pruna');
	rmSync(packageFolder, { recursive: true, force: true });
	if (install === 'link') symlinkSync(packageRoot, packageFolder, 'dir');
	else installAsN8nDoes(nodesFolder, packageFolder);
	const filesFolder = join(userFolder, 'files');
	mkdirSync(filesFolder, { recursive: true });
	port ??= await freePort();
	const env: NodeJS.ProcessEnv = {
		...process.env,
		// As n8n's own Docker image runs it; jest's NODE_ENV=test silences n8n's output.
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'n8n-nodes-pruna-local-test-key',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		N8N_RESTRICT_FILE_ACCESS_TO: filesFolder,
		N8N_SECURE_COOKIE: 'false',
		// Nothing may reach the internet: no telemetry, version checks, templates or surveys.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		...n8nRelease.env,
	};
	return { userFolder, filesFolder, env, port, url: `http://127.0.0.1:${port}` };
}

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs one `n8n` command line to its end. When it stopped because a port chosen for it (its task
 * broker's) was taken in the meantime, before it ran anything, it runs again on a new free port.
 */
async function runN8nCli(instance: N8nInstance, args: string[]): Promise<CliResult> {
	for (let attempt = 1; ; attempt++) {
		const result = await runN8nCliOnce(instance, args);
		if (result.code === 0 || attempt >= portAttempts) return result;
		const takenPort = portInUseIn(`${result.stdout}\n${result.stderr}`);
		if (takenPort === undefined || executionIn(result.stdout) !== undefined) return result;
		const replacement = await movePort(instance, {}, takenPort);
		if (replacement === undefined) return result;
		console.log(`n8n ${args[0]}: port ${takenPort} was taken; running again on ${replacement}`);
	}
}

async function runN8nCliOnce(instance: N8nInstance, args: string[]): Promise<CliResult> {
	const child = spawn(n8nNode, [n8nBin, ...args], {
		cwd: instance.userFolder,
		env: instance.env,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	return { code, stdout, stderr };
}

async function runN8nCliOrThrow(instance: N8nInstance, args: string[]): Promise<CliResult> {
	const result = await runN8nCli(instance, args);
	if (result.code !== 0) {
		throw new Error(
			`n8n ${args.join(' ')} exited with ${result.code}\n${result.stdout}\n${result.stderr}`,
		);
	}
	return result;
}

/** Publishes (activates) an imported workflow, so its webhook answers once n8n starts. */
export async function publishWorkflow(instance: N8nInstance, id: string): Promise<void> {
	await runN8nCliOrThrow(instance, ['publish:workflow', `--id=${id}`]);
}

/** The credential the example workflows refer to. */
export const examplesCredential = { id: 'pruna-api', name: 'Pruna API' };

/**
 * A Pruna API credential pointing at a simulator, imported decrypted: n8n encrypts it with this
 * instance's key on the way in. An existing one with the same id is replaced.
 */
export async function importPrunaCredential(
	instance: N8nInstance,
	target: { apiKey: string; baseUrl: string },
	credential: { id: string; name: string } = examplesCredential,
): Promise<void> {
	await importCredential(instance, {
		...credential,
		type: 'prunaApi',
		data: { apiKey: target.apiKey, baseUrl: target.baseUrl },
	});
}

/** Any credential, imported decrypted (n8n encrypts it with the instance's key). */
export async function importCredential(
	instance: N8nInstance,
	credential: { id: string; name: string; type: string; data: Record<string, unknown> },
): Promise<void> {
	const file = join(instance.userFolder, `credential-${credential.id}.json`);
	writeFileSync(file, JSON.stringify([credential]));
	await runN8nCliOrThrow(instance, ['import:credentials', `--input=${file}`]);
	rmSync(file);
}

/** n8n's Manual Trigger, named Start: what `n8n execute` runs a workflow from. */
export const manualTriggerNode = {
	id: 'start',
	name: 'Start',
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** Imports workflows in one go, each under its id (n8n needs one; an exported workflow has none). */
export async function importWorkflows(
	instance: N8nInstance,
	workflows: Array<{ id: string; workflow: object }>,
): Promise<void> {
	const file = join(instance.userFolder, 'workflows-to-import.json');
	writeFileSync(file, JSON.stringify(workflows.map(({ id, workflow }) => ({ ...workflow, id }))));
	await runN8nCliOrThrow(instance, ['import:workflow', `--input=${file}`]);
	rmSync(file);
}

/**
 * Every example workflow, each under `exampleWorkflowId(file)`, its Pruna nodes using the given
 * credential. The edit example reads a photo from n8n's Docker files folder; here it reads `photo`
 * from this instance's own files folder.
 */
export async function importExamples(
	instance: N8nInstance,
	photo: Buffer,
	credential: { id: string; name: string } = examplesCredential,
): Promise<void> {
	const photoPath = join(instance.filesFolder, 'photo.png');
	writeFileSync(photoPath, photo);
	const workflows = exampleFiles().map((file) => {
		const workflow = loadExample(file);
		for (const node of workflow.nodes) {
			if (node.type === 'n8n-nodes-base.readWriteFile') node.parameters.fileSelector = photoPath;
			if (node.credentials?.prunaApi) node.credentials.prunaApi = credential;
		}
		return { id: exampleWorkflowId(file), workflow };
	});
	await importWorkflows(instance, workflows);
}

/**
 * `n8n execute --id=… --rawOutput`: the run's execution as JSON. n8n's logger shares its stdout, so
 * log lines (task broker, runners) can come before the JSON and, on a slow machine, after it.
 */
export async function executeWorkflow(
	instance: N8nInstance,
	id: string,
): Promise<{ result: CliResult; execution: ExecutionJson | undefined }> {
	const result = await runN8nCli(instance, ['execute', `--id=${id}`, '--rawOutput']);
	return { result, execution: executionIn(result.stdout) as ExecutionJson | undefined };
}

/**
 * The execution n8n printed among its log lines. n8n prints it in one write, indented by two, so it
 * is the lines from the first `{` alone on its line to the next `}` alone on its line.
 */
export function executionIn(stdout: string): unknown {
	const block = /^\{\n[\s\S]*?\n\}$/m.exec(stdout);
	return block ? JSON.parse(block[0]) : undefined;
}

export interface ExecutionJson {
	status: string;
	finished: boolean;
	data: {
		resultData: {
			error?: { message: string };
			lastNodeExecuted?: string;
			runData: Record<
				string,
				Array<{
					executionStatus?: string;
					error?: { message: string };
					data?: { main: Array<Array<ExecutedItem> | null> };
				}>
			>;
		};
	};
}

export interface ExecutedFile {
	/** Set when n8n stored the file (filesystem, database mode); absent in 1.x's in-memory mode. */
	id?: string;
	/** The bytes as base64 when the file is held in memory; the mode's name when stored. */
	data?: string;
	fileName?: string;
	mimeType: string;
	fileExtension?: string;
	bytes?: number;
}

export interface ExecutedItem {
	json: Record<string, unknown>;
	binary?: Record<string, ExecutedFile>;
	pairedItem?: unknown;
}

/** The items a node gave in its first run. */
export function itemsOf(execution: ExecutionJson, nodeName: string): ExecutedItem[] {
	const runs = execution.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`Node "${nodeName}" did not run`);
	return runs[0].data?.main[0] ?? [];
}

/** Where n8n's filesystem binary mode keeps a stored file (`filesystem-v2:<path>`). */
export function storedBinaryPath(instance: N8nInstance, binaryId: string): string {
	const [mode, path] = binaryId.split(/:(.*)/s);
	if (mode !== 'filesystem-v2' || !path) throw new Error(`Not a filesystem binary id: ${binaryId}`);
	return join(instance.userFolder, '.n8n', 'storage', path);
}

export interface RunningN8n {
	/** The n8n process (its task runner is a child of it). */
	pid: number;
	stop(): Promise<void>;
	/** Everything n8n printed so far, for a failing test's message. */
	output(): string;
}

/** How n8n, its task broker and its worker's health server say a port was taken. */
const portInUsePattern = /\bport (\d+) is already in use/i;

/** The port n8n's output says was already in use, if it says so. */
export function portInUseIn(output: string): number | undefined {
	const match = portInUsePattern.exec(output);
	return match ? Number(match[1]) : undefined;
}

/** A port chosen free can be taken by another process before n8n binds it; this many tries. */
const portAttempts = 5;

/**
 * Gives every setting that holds `port` a new free port, in the instance's environment and in
 * `env`; the instance's URL follows its own port. Returns the new port, or undefined when no
 * setting held that port (then the clash is not ours to fix).
 */
async function movePort(
	instance: N8nInstance,
	env: NodeJS.ProcessEnv,
	port: number,
): Promise<number | undefined> {
	const replacement = await freePort();
	let moved = false;
	for (const settings of [instance.env, env]) {
		for (const [key, value] of Object.entries(settings)) {
			if (value !== String(port)) continue;
			settings[key] = String(replacement);
			moved = true;
		}
	}
	if (instance.port === port) {
		instance.port = replacement;
		instance.url = `http://127.0.0.1:${replacement}`;
		moved = true;
	}
	return moved ? replacement : undefined;
}

class PortInUseError extends Error {
	readonly port: number;

	constructor(port: number, output: string) {
		super(`Port ${port} was taken before n8n could bind it\n${output}`);
		this.port = port;
	}
}

/**
 * `n8n start` on 127.0.0.1 (or another n8n command, such as `worker`), resolved once its readiness
 * check answers 200. When n8n exits because a port chosen for it was taken in the meantime (another
 * suite's process got it first), that setting gets a new free port and n8n starts again, a few times
 * at most; `instance.port` and `instance.url` then name the port it runs on.
 */
export async function startN8n(
	instance: N8nInstance,
	options: {
		env?: NodeJS.ProcessEnv;
		readyWithinMs?: number;
		echo?: boolean;
		args?: string[];
		/** Where readiness is checked; default `<instance.url>/healthz/readiness`. */
		readyUrl?: string;
	} = {},
): Promise<RunningN8n> {
	const env = { ...options.env };
	let readyUrl = options.readyUrl;
	for (let attempt = 1; ; attempt++) {
		try {
			return await startN8nOnce(instance, {
				...options,
				env,
				readyUrl: readyUrl ?? `${instance.url}/healthz/readiness`,
			});
		} catch (error) {
			if (!(error instanceof PortInUseError) || attempt >= portAttempts) throw error;
			const replacement = await movePort(instance, env, error.port);
			if (replacement === undefined) throw error;
			readyUrl = readyUrl?.replace(`:${error.port}/`, `:${replacement}/`);
			console.log(
				`n8n ${(options.args ?? ['start']).join(' ')}: port ${error.port} was taken; starting again on ${replacement}`,
			);
		}
	}
}

async function startN8nOnce(
	instance: N8nInstance,
	{
		env = {},
		readyWithinMs = 180_000,
		echo = false,
		args = ['start'],
		readyUrl,
	}: {
		env?: NodeJS.ProcessEnv;
		readyWithinMs?: number;
		echo?: boolean;
		args?: string[];
		readyUrl: string;
	},
): Promise<RunningN8n> {
	// A process group of its own, so stopping it also stops the task runner n8n starts.
	const child = spawn(n8nNode, [n8nBin, ...args], {
		cwd: instance.userFolder,
		env: { ...instance.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	const signalGroup = (signal: NodeJS.Signals) => {
		try {
			process.kill(-child.pid!, signal);
		} catch {
			// The group is gone already.
		}
	};
	let output = '';
	for (const stream of [child.stdout, child.stderr]) {
		stream.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (echo) process.stdout.write(chunk);
		});
	}
	const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
	const running: RunningN8n = {
		pid: child.pid!,
		output: () => output,
		async stop() {
			if (child.exitCode === null) signalGroup('SIGTERM');
			const forced = setTimeout(() => signalGroup('SIGKILL'), 20_000);
			await exited;
			clearTimeout(forced);
			signalGroup('SIGKILL');
		},
	};

	const deadline = Date.now() + readyWithinMs;
	while (Date.now() < deadline) {
		// Some of n8n's servers log the clash and keep the process up; either way it is not ready.
		const takenPort = portInUseIn(output);
		if (takenPort !== undefined) {
			await running.stop();
			throw new PortInUseError(takenPort, output);
		}
		if (child.exitCode !== null)
			throw new Error(`n8n ${args.join(' ')} exited with ${child.exitCode}\n${output}`);
		// Bounded: until n8n binds, the port may belong to something that never answers.
		const ready = await fetch(readyUrl, { signal: AbortSignal.timeout(5_000) })
			.then((response) => response.ok)
			.catch(() => false);
		if (ready) return running;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	await running.stop();
	throw new Error(`n8n did not become ready within ${readyWithinMs / 1000} s\n${output}`);
}

/**
 * Calls a published workflow's webhook. n8n answers its readiness check before it has registered
 * the active workflows' webhooks (a slow machine shows it), and until then answers 404 "… is not
 * registered" without running anything; so that answer is asked again, and any other returned.
 */
export async function callWebhook(
	instance: N8nInstance,
	path: string,
	init: RequestInit = {},
	{ timeoutMs = 60_000, registeredWithinMs = 30_000 } = {},
): Promise<Response> {
	const deadline = Date.now() + registeredWithinMs;
	for (;;) {
		const answer = await fetch(`${instance.url}/webhook/${path}`, {
			method: 'POST',
			...init,
			signal: AbortSignal.timeout(timeoutMs),
		});
		if (answer.status !== 404 || Date.now() >= deadline) return answer;
		const text = await answer.clone().text();
		if (!text.includes('is not registered')) return answer;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}
