/**
 * The shipped code's layers, as DEVELOPERS.md's Layout describes them. Each may import only from the
 * layers below it: api (Pruna's endpoints, URLs and model catalog, as data) ← pipeline (every
 * request) ← pruna (polling, downloads, upload bodies, tool mode) ← the node folders, which never
 * import from each other. The credential uses only api. And no file imports itself through others:
 * the import graph has no cycle (type-only imports count too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
	return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory()
			? sourceFiles(join(dir, entry.name))
			: entry.name.endsWith('.ts')
				? [join(dir, entry.name)]
				: [],
	);
}

/** The layer a file is in: `api`, `pipeline`, `pruna`, `credentials`, or `node:<folder>`. */
function layerOf(file: string): string {
	const [top, second, third] = file.split('/');
	if (top === 'credentials') return 'credentials';
	return second === 'shared' ? third : `node:${second}`;
}

const allowed: Record<string, (target: string, from: string) => boolean> = {
	api: (target) => target === 'api',
	pipeline: (target) => ['api', 'pipeline'].includes(target),
	pruna: (target) => ['api', 'pipeline', 'pruna'].includes(target),
	credentials: (target) => target === 'api',
	node: (target, from) => ['api', 'pipeline', 'pruna'].includes(target) || target === from,
};

/** The files `file` imports (or re-exports from), as paths from the root with their `.ts`. */
function relativeImports(file: string): string[] {
	const text = readFileSync(join(root, file), 'utf8');
	return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(
		(match) =>
			`${relative(root, resolve(join(root, dirname(file)), match[1])).replace(/\.ts$/, '')}.ts`,
	);
}

/** Each cycle of the import graph once, as the files along it (the first repeated at the end). */
function importCycles(graph: Map<string, string[]>): string[][] {
	const cycles: string[][] = [];
	const done = new Set<string>();
	const path: string[] = [];
	const visit = (file: string) => {
		const at = path.indexOf(file);
		if (at >= 0) {
			cycles.push([...path.slice(at), file]);
			return;
		}
		if (done.has(file)) return;
		path.push(file);
		for (const target of graph.get(file) ?? []) visit(target);
		path.pop();
		done.add(file);
	};
	for (const file of graph.keys()) visit(file);
	return cycles;
}

const files = [...sourceFiles('nodes'), ...sourceFiles('credentials')];

test('the shared code is in the three layers', () => {
	const layers = new Set(files.map(layerOf).filter((layer) => !layer.startsWith('node:')));
	expect([...layers].sort()).toEqual(['api', 'credentials', 'pipeline', 'pruna']);
});

test.each(files)('%s imports only from the layers below it', (file) => {
	const from = layerOf(file);
	const rule = allowed[from.startsWith('node:') ? 'node' : from];
	const wrong = relativeImports(file).filter((target) => !rule(layerOf(target), from));
	expect(wrong).toEqual([]);
});

test('no file of nodes/ or credentials/ imports itself through others', () => {
	const graph = new Map(files.map((file) => [file, relativeImports(file)]));
	expect(importCycles(graph)).toEqual([]);
	expect(graph.get('nodes/shared/api/models.generated.ts')).toEqual([
		'nodes/shared/api/model-types.ts',
	]);
});

test('the cycle check finds a cycle', () => {
	const graph = new Map([
		['a.ts', ['b.ts']],
		['b.ts', ['c.ts']],
		['c.ts', ['a.ts']],
		['d.ts', ['a.ts']],
	]);
	expect(importCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});
