/**
 * The benchmarks' figures live in docs/benchmarks.md only, each table between markers
 * (`<!-- bench:<name> -->` … `<!-- /bench -->`) that `npm run bench` rewrites with what it measured,
 * under a stamp saying at which commit, on which day and by which command. The prose around the
 * markers is written by hand.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../test/harness/n8n.ts';

export const benchmarksDocPath = join(packageRoot, 'docs', 'benchmarks.md');

/** A block's stamp: the commit (and whether the tree had changes), the day, the command. */
export const stampPattern =
	/^Measured at ([0-9a-f]{7,40})( \+ uncommitted changes)? on (\d{4}-\d{2}-\d{2}) by `npm run bench -- ([\w-]+)`\.$/m;

/** What a block holds before its benchmark first wrote it: no figures, so no stamp. */
export function notMeasuredYet(name: string): string {
	return `Not measured yet: \`npm run bench -- ${name}\` writes its table here.`;
}

export interface BenchBlock {
	name: string;
	/** What is between the markers, trimmed. */
	body: string;
}

const blockPattern = /<!-- bench:([\w-]+) -->\n([\s\S]*?)<!-- \/bench -->/g;

/** The blocks of a Markdown text; fails when an opening marker has no closing one or the reverse. */
export function benchBlocksOf(markdown: string): BenchBlock[] {
	const blocks = [...markdown.matchAll(blockPattern)].map((match) => ({
		name: match[1],
		body: match[2].trim(),
	}));
	const openings = markdown.match(/<!-- bench:/g)?.length ?? 0;
	const closings = markdown.match(/<!-- \/bench -->/g)?.length ?? 0;
	if (openings !== blocks.length || closings !== blocks.length) {
		throw new Error(
			`docs/benchmarks.md has ${openings} opening and ${closings} closing bench markers, ${blocks.length} blocks`,
		);
	}
	return blocks;
}

export function stampLine(name: string, commit: string, uncommitted: boolean, on: Date): string {
	const changes = uncommitted ? ' + uncommitted changes' : '';
	return `Measured at ${commit}${changes} on ${on.toISOString().slice(0, 10)} by \`npm run bench -- ${name}\`.`;
}

/** The block named `name` with `body` in place of what it held; fails when there is none. */
export function replaceBenchBlock(markdown: string, name: string, body: string): string {
	const opening = `<!-- bench:${name} -->\n`;
	const start = markdown.indexOf(opening);
	const end = markdown.indexOf('<!-- /bench -->', start);
	if (start < 0 || end < 0) {
		throw new Error(
			`docs/benchmarks.md has no block for ${name}: add "<!-- bench:${name} -->" and "<!-- /bench -->" where its table belongs`,
		);
	}
	return `${markdown.slice(0, start + opening.length)}\n${body.trim()}\n\n${markdown.slice(end)}`;
}

/**
 * This checkout's commit, and whether its tree differs from it: docs/benchmarks.md itself does not
 * count, so a second run after a first one wrote its tables is still stamped with the commit alone.
 * Taken when a run starts, since what was built then is what it measures.
 */
export function currentCommit(): { commit: string; uncommitted: boolean } {
	const git = (...args: string[]) =>
		execFileSync('git', args, { cwd: packageRoot, encoding: 'utf8' }).trim();
	return {
		commit: git('rev-parse', '--short', 'HEAD'),
		uncommitted: git('status', '--porcelain', '--', '.', ':!docs/benchmarks.md') !== '',
	};
}

/**
 * Writes each benchmark's table into its block of docs/benchmarks.md under a stamp (the commit as
 * the run started), then formats the file as prettier does (CI checks the format).
 */
export async function writeBenchBlocks(
	tables: Record<string, string>,
	{ commit, uncommitted }: { commit: string; uncommitted: boolean },
): Promise<void> {
	const now = new Date();
	let markdown = readFileSync(benchmarksDocPath, 'utf8');
	for (const [name, table] of Object.entries(tables)) {
		markdown = replaceBenchBlock(
			markdown,
			name,
			`${stampLine(name, commit, uncommitted, now)}\n\n${table}`,
		);
	}
	const prettier = await import('prettier');
	const options = (await prettier.resolveConfig(benchmarksDocPath)) ?? {};
	writeFileSync(
		benchmarksDocPath,
		await prettier.format(markdown, { ...options, filepath: benchmarksDocPath }),
	);
}
