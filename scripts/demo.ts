/**
 * `npm run demo`: runs the text-to-image example's Pruna nodes in n8n's engine and saves the file.
 * Against the simulator on 127.0.0.1 by default; against Pruna's API when PRUNA_API_KEY is set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadExample, prunaPart } from '../test/harness/examples.ts';
import { packageRoot } from '../test/harness/n8n.ts';
import { readBinary, runWorkflow } from '../test/harness/run.ts';
import { PrunaSimulator } from '../test/simulator/server.ts';

const exampleFile = 'text-to-image.json';
const outputFolder = join(packageRoot, 'demo-output');

function newestChange(path: string): number {
	if (!existsSync(path)) return 0;
	const stats = statSync(path);
	if (!stats.isDirectory()) return stats.mtimeMs;
	return Math.max(0, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** Builds when dist/ is missing or older than a source file. */
function buildIfNeeded(): void {
	const built = join(
		packageRoot,
		'dist',
		'nodes',
		'PrunaCreatePrediction',
		'PrunaCreatePrediction.node.js',
	);
	const sources = ['nodes', 'credentials', 'icons', 'package.json'].map((path) =>
		newestChange(join(packageRoot, path)),
	);
	if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources)) return;
	console.log('Building the package (npm run build)…');
	const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: packageRoot, stdio: 'inherit' });
	if (build.status !== 0) throw new Error('The build failed');
}

function formatBytes(bytes: number): string {
	return bytes < 1024 * 1024
		? `${(bytes / 1024).toFixed(1)} KiB`
		: `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function printTable(rows: string[][]): void {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	const line = (row: string[]) =>
		row
			.map((cell, column) => cell.padEnd(widths[column]))
			.join('  ')
			.trimEnd();
	console.log(line(rows[0]));
	console.log(widths.map((width) => '-'.repeat(width)).join('  '));
	for (const row of rows.slice(1)) console.log(line(row));
}

async function main(): Promise<void> {
	buildIfNeeded();

	const apiKey = process.env.PRUNA_API_KEY?.trim();
	const simulator = apiKey
		? undefined
		: await PrunaSimulator.start({ defaultPlan: { startingMs: 300, processingMs: 900 } });
	const baseUrl = apiKey
		? process.env.PRUNA_BASE_URL?.trim() || 'https://api.pruna.ai'
		: simulator!.baseUrl;
	console.log(
		apiKey
			? `Running ${exampleFile} against the Pruna API at ${baseUrl} (PRUNA_API_KEY is set).`
			: `Running ${exampleFile} against the Pruna simulator at ${baseUrl} (set PRUNA_API_KEY to use the real API).`,
	);

	try {
		const workflow = prunaPart(loadExample(exampleFile));
		const startedAt = Date.now();
		const result = await runWorkflow(workflow, {
			credentials: { prunaApi: { apiKey: apiKey ?? simulator!.apiKey, baseUrl } },
			input: [{ json: {} }],
		});
		const wallMs = Date.now() - startedAt;

		const rows = [['Step', 'Status', 'Time', 'Result']];
		let savedTo: string | undefined;
		for (const node of workflow.nodes) {
			const task = result.run.data.resultData.runData[node.name]?.[0];
			const item = result.nodes[node.name]?.items[0];
			const json = (item?.json ?? {}) as Record<string, unknown>;
			let detail = task?.error ? task.error.message : '';
			if (!task?.error && item?.binary?.data) {
				const binary = item.binary.data;
				const bytes = await readBinary(binary);
				mkdirSync(outputFolder, { recursive: true });
				savedTo = join(outputFolder, binary.fileName ?? 'output');
				writeFileSync(savedTo, bytes);
				detail = `${binary.fileName}, ${binary.mimeType}, ${formatBytes(bytes.length)}`;
			} else if (!task?.error) {
				detail = [json.model, json.status, json.id && `id ${String(json.id)}`]
					.filter(Boolean)
					.join(', ');
			}
			rows.push([
				node.name,
				task?.executionStatus ?? 'not run',
				task ? `${task.executionTime} ms` : '-',
				detail,
			]);
		}
		console.log('');
		printTable(rows);
		console.log('');
		if (result.status !== 'success' || !savedTo) {
			console.error(`The workflow ended with status "${result.status}".`);
			process.exitCode = 1;
			return;
		}
		console.log(`Saved ${savedTo.slice(packageRoot.length + 1)} (workflow: ${wallMs} ms).`);
	} finally {
		await simulator?.close();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
