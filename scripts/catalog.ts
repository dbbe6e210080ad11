/**
 * `npm run catalog -- <spec> [--summary FILE] [--out FILE]`: reads a Pruna OpenAPI document (a file
 * or an https URL) and rewrites the model catalog (`nodes/shared/api/models.generated.ts`) from it,
 * formatted with the repository's prettier config, so the same document always gives the same bytes.
 * Prints what the document did not say and, last, every model and field that still needs words in
 * `nodes/shared/api/model-notes.ts`. `--summary` writes what changed against the catalog it replaces
 * as Markdown (the scheduled refresh puts it in its pull request); `--out` writes elsewhere (tests).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as prettier from 'prettier';
import { parse } from 'yaml';

import type { ModelFacts } from '../nodes/shared/api/model-types.ts';
import * as notes from '../nodes/shared/api/model-notes.ts';
import { readCatalog } from './catalog/read-spec.ts';
import { generatedCatalogPath, renderCatalog, renderSummary } from './catalog/render.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function option(name: string): string | undefined {
	const at = process.argv.indexOf(name);
	return at === -1 ? undefined : process.argv[at + 1];
}

function usage(message: string): never {
	console.error(`catalog: ${message}`);
	console.error(
		'usage: npm run catalog -- <openapi.yml or https URL> [--summary FILE] [--out FILE]',
	);
	process.exit(2);
}

/** The one argument that is neither an option nor an option's value. */
function sourceArgument(args: string[]): string | undefined {
	const rest: string[] = [];
	for (let index = 0; index < args.length; index++) {
		if (!args[index].startsWith('--')) rest.push(args[index]);
		else if (['--summary', '--out'].includes(args[index])) index++;
		else usage(`unknown option ${args[index]}`);
	}
	if (rest.length > 1) usage(`one document at a time, not ${rest.join(' and ')}`);
	return rest[0];
}

const source = sourceArgument(process.argv.slice(2));
if (!source) usage('give the OpenAPI document');

async function readSource(spec: string): Promise<string> {
	if (/^https:\/\//.test(spec)) {
		const response = await fetch(spec);
		if (!response.ok) throw new Error(`${spec} answered HTTP ${response.status}`);
		return await response.text();
	}
	if (/^[a-z]+:\/\//i.test(spec)) usage(`only https URLs or files: ${spec}`);
	return readFileSync(resolve(spec), 'utf8');
}

/** The catalog being replaced, to say what changed; none when the file does not exist yet. */
async function previousCatalog(
	path: string,
): Promise<{ version: string; models: readonly ModelFacts[] }> {
	if (!existsSync(path)) return { version: 'none', models: [] };
	const previous = (await import(pathToFileURL(path).href)) as {
		catalogSourceVersion: string;
		modelFacts: readonly ModelFacts[];
	};
	return { version: previous.catalogSourceVersion, models: previous.modelFacts };
}

const outPath = resolve(option('--out') ?? join(repoRoot, generatedCatalogPath));
const summaryPath = option('--summary');

const read = readCatalog(parse(await readSource(source)), notes);
const config = await prettier.resolveConfig(join(repoRoot, generatedCatalogPath));
const text = await prettier.format(renderCatalog(read), { ...config, parser: 'typescript' });
const before = summaryPath ? await previousCatalog(outPath) : undefined;
const unchanged = existsSync(outPath) && readFileSync(outPath, 'utf8') === text;
if (!unchanged) writeFileSync(outPath, text);

const shown = relative(process.cwd(), outPath) || outPath;
console.log(
	`${shown}: ${read.models.length} models from "${read.title}" ${read.version}, ${unchanged ? 'unchanged' : 'rewritten'}`,
);
const list = (title: string, entries: string[]) => {
	if (!entries.length) return;
	console.log(`\n${title} (${entries.length}):`);
	for (const entry of entries) console.log(`  ${entry}`);
};
list('Facts the document did not give', read.fallbacks);
list('Inputs with no parameter (they can go in Additional Input)', read.skippedFields);
list('Words in model-notes.ts for models or fields the document no longer has', read.unusedNotes);
list('Models without a summary in model-notes.ts (modelSummaries)', read.modelsWithoutSummary);
list(
	'Fields without a description in model-notes.ts (fieldDescriptions)',
	read.fieldsWithoutDescription,
);
if (!read.modelsWithoutSummary.length && !read.fieldsWithoutDescription.length) {
	console.log('\nEvery model and field has a description in model-notes.ts.');
}
if (summaryPath && before) {
	writeFileSync(summaryPath, renderSummary(before.models, read, before.version));
	console.log(`\nSummary of the changes: ${summaryPath}`);
}
