/**
 * `npm run lint:package`: lints what npm would publish, the way n8n's community-package scanner
 * judges a package's tarball: `npm pack`, unpack, then ESLint over its JavaScript and package.json
 * with @n8n/eslint-plugin-community-nodes' recommended rules, console calls banned, the community
 * rules of eslint-plugin-n8n-nodes-base on package.json, and inline `eslint-disable` comments
 * ignored. (`npm run lint` covers the TypeScript sources with n8n's strict config.)
 *
 * It also checks that the published code runs on every Node its `engines` admits, and that those
 * include Node 20.19, the oldest a supported n8n line runs on: eslint-plugin-n's
 * `no-unsupported-features/*` rules over the JavaScript, at the packed package.json's `engines.node`
 * (the ES library itself is held to ES2022 by tsconfig's `lib`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tsParser from '@typescript-eslint/parser';
import { ESLint } from 'eslint';
import nodePlugin from 'eslint-plugin-n';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

import { packageRoot } from '../test/harness/n8n.ts';

function run(command: string, args: string[], cwd: string): string {
	const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
	if (result.status !== 0) {
		throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
	}
	return result.stdout;
}

/** Every file under a folder, relative to it. */
function filesUnder(folder: string): string[] {
	return readdirSync(folder, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => relative(folder, join(entry.parentPath, entry.name)))
		.sort();
}

/** The oldest Node a supported n8n runs on (n8n 1.123.x and 2.0–2.8 admit 20.19 and later). */
const oldestSupportedNode = '20.19.0';

/** Whether `engines.node`, written as `>=MAJOR[.MINOR[.PATCH]]`, admits `oldestSupportedNode`. */
function admitsOldestSupportedNode(range: string | undefined): boolean {
	const lowest = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range?.trim() ?? '');
	if (!lowest) return false;
	const asNumber = (parts: Array<string | undefined>) =>
		parts.reduce((sum, part) => sum * 1000 + Number(part ?? 0), 0);
	return asNumber(lowest.slice(1)) <= asNumber(oldestSupportedNode.split('.'));
}

const workFolder = mkdtempSync(join(tmpdir(), 'pruna-pack-'));
try {
	const [packed] = JSON.parse(
		run('npm', ['pack', '--json', '--pack-destination', workFolder], packageRoot),
	) as Array<{ filename: string }>;
	const unpacked = join(workFolder, 'package');
	run('tar', ['-xzf', packed.filename], workFolder);
	const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as {
		engines?: { node?: string };
	};
	const nodeRange = manifest.engines?.node;
	if (!admitsOldestSupportedNode(nodeRange)) {
		console.log(
			`package.json engines.node is ${JSON.stringify(nodeRange)}; write it as >=MAJOR.MINOR, admitting Node ${oldestSupportedNode}, which n8n 1.x and 2.0–2.8 run on`,
		);
		process.exitCode = 1;
	}

	const eslint = new ESLint({
		cwd: unpacked,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: [
			n8nCommunityNodesPlugin.configs.recommended,
			{ rules: { 'no-console': 'error' } },
			{
				files: ['**/*.js'],
				plugins: { n: nodePlugin },
				languageOptions: { sourceType: 'commonjs', ecmaVersion: 'latest' },
				settings: { node: { version: nodeRange ?? `>=${oldestSupportedNode}` } },
				rules: {
					'n/no-unsupported-features/node-builtins': 'error',
					'n/no-unsupported-features/es-builtins': 'error',
					'n/no-unsupported-features/es-syntax': 'error',
				},
			},
			{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
			{ files: ['package.json'], rules: n8nNodesBase.configs.community.rules },
			{ files: ['**/*.json'], languageOptions: { parser: tsParser } },
		],
	});
	const files = filesUnder(unpacked).filter(
		(file) => file.endsWith('.js') || file === 'package.json',
	);
	const results = await eslint.lintFiles(files);
	const formatter = await eslint.loadFormatter('stylish');
	const report = await formatter.format(results);
	const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
	const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
	if (report) console.log(report);
	console.log(
		`${packed.filename}: ${files.length} files linted (${files.length - 1} JavaScript files and package.json), ${errors} errors, ${warnings} warnings`,
	);
	if (errors > 0 || warnings > 0) process.exitCode = 1;
} finally {
	rmSync(workFolder, { recursive: true, force: true });
}
