/**
 * `npm run dev`: the Pruna simulator and n8n's editor on 127.0.0.1, with this package loaded as a
 * community package and a "Pruna (simulator)" credential ready, rebuilding as you edit. n8n keeps
 * its data in .n8n-dev/ (git ignores it), so workflows you build survive a restart.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../test/harness/n8n.ts';
import {
	ensureN8nInstalled,
	importPrunaCredential,
	importExamples,
	prepareN8n,
	startN8n,
} from '../test/harness/real-n8n.ts';
import { makePng } from '../test/simulator/png.ts';
import { PrunaSimulator } from '../test/simulator/server.ts';

/** A local-only login for the dev instance; n8n asks for one before it opens the editor. */
const owner = {
	email: 'dev@example.com',
	firstName: 'Pruna',
	lastName: 'Developer',
	password: 'Pruna-dev-1',
};
const credential = { id: 'pruna-simulator', name: 'Pruna (simulator)' };

function runToEnd(command: string, args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd: packageRoot, stdio: 'inherit' });
		child.on('exit', (code) =>
			code === 0
				? resolve()
				: reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
		);
	});
}

/** The owner account, through n8n's own setup endpoint, the first time only. */
async function setUpOwner(url: string): Promise<void> {
	const settings = (await (await fetch(`${url}/rest/settings`)).json()) as {
		data: { userManagement: { showSetupOnFirstLoad?: boolean } };
	};
	if (!settings.data.userManagement.showSetupOnFirstLoad) return;
	const response = await fetch(`${url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': 'npm-run-dev' },
		body: JSON.stringify(owner),
	});
	if (!response.ok)
		throw new Error(`Owner setup failed: HTTP ${response.status} ${await response.text()}`);
}

ensureN8nInstalled();
await runToEnd('npm', ['run', '-s', 'build']);

const simulator = await PrunaSimulator.start({
	port: Number(process.env.PRUNA_SIMULATOR_PORT ?? 0),
	defaultPlan: { startingMs: 500, processingMs: 1500 },
});
const userFolder = join(packageRoot, '.n8n-dev');
const firstRun = !existsSync(join(userFolder, '.n8n', 'database.sqlite'));
const n8n = await prepareN8n(userFolder, {
	fresh: false,
	port: Number(process.env.N8N_PORT ?? 5678),
});
// Imported on every start: the simulator's port and key are new each time.
await importPrunaCredential(n8n, simulator, credential);
// The examples once, so later edits to them are kept.
if (firstRun) await importExamples(n8n, makePng(640, 480, 1), credential);

// n8n reloads a changed community package by itself in this mode; tsc rewrites dist/ on each save.
const compiler = spawn(
	process.execPath,
	[
		join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
		...['-p', 'tsconfig.json', '--watch', '--preserveWatchOutput'],
	],
	{ cwd: packageRoot, stdio: ['ignore', 'inherit', 'inherit'] },
);
const running = await startN8n(n8n, { env: { N8N_DEV_RELOAD: 'true' }, echo: true });

let stopping = false;
const stop = async (exitCode: number) => {
	if (stopping) return;
	stopping = true;
	compiler.kill();
	await running.stop();
	await simulator.close();
	process.exit(exitCode);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
	await setUpOwner(n8n.url);
} catch (error) {
	console.error(error);
	await stop(1);
}

console.log(`
n8n with n8n-nodes-pruna is ready: ${n8n.url}
  Log in      : ${owner.email} / ${owner.password}
  Credential  : "${credential.name}" → ${simulator.baseUrl}
  Workflows   : the examples, named "Pruna: …", in Overview
  Rebuilds    : on each save under nodes/ and credentials/; reload the browser page after it
Ctrl+C stops n8n, the compiler and the simulator.`);
