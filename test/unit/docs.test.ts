/**
 * The documentation's links and its map of the repository, held to what they point at: each node's
 * and the credential's Docs link leads to a heading of the README (the npm page at package.json's
 * `homepage`), whose section links Pruna's API reference; every `#anchor` link of the Markdown
 * files exists; DEVELOPERS.md's Layout names only paths that exist and covers every tracked file
 * under the folders it lists; docs/benchmarks.md's tables carry the stamp of the run that wrote
 * them, and the README quotes no measured figure that file does not hold.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';

import {
	benchBlocksOf,
	notMeasuredYet,
	replaceBenchBlock,
	stampLine,
	stampPattern,
} from '../../bench/docs-blocks';
import { PrunaApi } from '../../credentials/PrunaApi.credentials';
import { PrunaCreatePrediction } from '../../nodes/PrunaCreatePrediction/PrunaCreatePrediction.node';
import { PrunaDownloadContent } from '../../nodes/PrunaDownloadContent/PrunaDownloadContent.node';
import { PrunaPredictionStatus } from '../../nodes/PrunaPredictionStatus/PrunaPredictionStatus.node';
import { PrunaUploadFile } from '../../nodes/PrunaUploadFile/PrunaUploadFile.node';

const root = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
	homepage: string;
	n8n: { nodes: string[] };
};

/** The anchor GitHub and npm give a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');
}

/** Each heading's anchor, with the Markdown below it up to the next heading of its level or above. */
function sections(markdown: string): Map<string, string> {
	const lines = markdown.split('\n');
	const result = new Map<string, string>();
	let inCode = false;
	lines.forEach((line, index) => {
		if (line.startsWith('```')) inCode = !inCode;
		const heading = !inCode && /^(#+) (.*)$/.exec(line);
		if (!heading) return;
		const level = heading[1].length;
		const end = lines.findIndex(
			(other, at) => at > index && /^#+ /.test(other) && other.indexOf(' ') <= level,
		);
		result.set(anchorOf(heading[2]), lines.slice(index, end < 0 ? undefined : end).join('\n'));
	});
	return result;
}

const readme = sections(read('README.md'));

test('the anchors are made as GitHub and npm make them', () => {
	expect(anchorOf('Queue mode / running at scale')).toBe('queue-mode--running-at-scale');
	expect(anchorOf('Trying the nodes in n8n: `npm run dev`')).toBe(
		'trying-the-nodes-in-n8n-npm-run-dev',
	);
});

const nodes = [
	new PrunaCreatePrediction(),
	new PrunaUploadFile(),
	new PrunaPredictionStatus(),
	new PrunaDownloadContent(),
];

test('every node of package.json is checked here', () => {
	expect(nodes.map((node) => node.description.name).sort()).toEqual(
		packageJson.n8n.nodes
			.map((path) => /\/(\w+)\.node\.js$/.exec(path)![1])
			.map((name) => name[0].toLowerCase() + name.slice(1))
			.sort(),
	);
});

test.each(nodes.map((node) => [node.description.displayName, node]))(
	"%s's Docs link opens its own README section, one link from Pruna's API reference",
	(displayName, node) => {
		const { description } = node as PrunaCreatePrediction;
		const url = description.documentationUrl!;
		expect(url).toBe(`${packageJson.homepage}#${anchorOf(displayName as string)}`);
		const section = readme.get(url.split('#')[1]);
		expect(section?.split('\n')[0]).toBe(`### ${displayName as string}`);
		expect(section).toContain('(https://docs.api.pruna.ai');
		const folder = Object.getPrototypeOf(node).constructor.name as string;
		const codex = JSON.parse(read(`nodes/${folder}/${folder}.node.json`)) as {
			resources: Record<string, Array<{ url: string }>>;
		};
		expect(codex.resources.primaryDocumentation).toEqual([{ url }]);
		expect(codex.resources.credentialDocumentation).toEqual([
			{ url: new PrunaApi().documentationUrl },
		]);
	},
);

test("the credential's Docs link opens the credential's README section", () => {
	const url = new PrunaApi().documentationUrl;
	expect(url).toBe(`${packageJson.homepage}#the-pruna-api-credential`);
	expect(readme.get('the-pruna-api-credential')).toContain('API Key');
});

const markdownFiles = [
	'README.md',
	'DEVELOPERS.md',
	'CHANGELOG.md',
	'docs/errors.md',
	'docs/benchmarks.md',
];

test.each(markdownFiles)('every link of %s to a file or an anchor of this repo exists', (file) => {
	const text = read(file).replace(/```[\s\S]*?```/g, '');
	const broken: string[] = [];
	for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
		if (/^[a-z]+:/.test(target)) continue;
		const [path, anchor] = target.split('#');
		const targetFile = path ? normalize(join(dirname(file), path)) : file;
		let content: string;
		try {
			content = read(targetFile);
		} catch {
			broken.push(target);
			continue;
		}
		if (anchor && targetFile.endsWith('.md') && !sections(content).has(anchor)) broken.push(target);
	}
	expect(broken).toEqual([]);
});

describe("DEVELOPERS.md's Layout", () => {
	const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
		.split('\n')
		.filter(Boolean);
	const block = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(read('DEVELOPERS.md'))![1];
	const entries: Array<{ path: string; about: string }> = [];
	for (const line of block.split('\n')) {
		const entry = /^(\S+)\s+(.*)$/.exec(line);
		if (entry) entries.push({ path: entry[1], about: entry[2] });
		else if (entries.length && line.trim()) entries[entries.length - 1].about += ` ${line.trim()}`;
	}
	const patternOf = (path: string) =>
		new RegExp(
			`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}${path.endsWith('/') ? '' : '$'}`,
		);

	test('it lists the tree', () => {
		expect(entries.length).toBeGreaterThan(20);
	});

	test.each(entries.map((entry) => [entry.path, entry]))('%s exists', (_path, entry) => {
		const { path } = entry as { path: string };
		expect(tracked.filter((file) => patternOf(path).test(file)).length).toBeGreaterThan(0);
	});

	test('every file name it gives exists where its line says', () => {
		const missing: string[] = [];
		for (const { path, about } of entries) {
			const folder = path.endsWith('/') ? path : dirname(path);
			for (const [name] of about.matchAll(/[\w./-]+\.(?:ts|cjs|js|yml|json|md)\b/g)) {
				// A path from the root where it says one, else a file of the line's folder.
				if (name.includes('/')) {
					if (!tracked.includes(name)) missing.push(`${path}: ${name}`);
					continue;
				}
				const found = tracked.some(
					(file) => (file.startsWith(folder) || folder === '.') && file.endsWith(`/${name}`),
				);
				if (!found && !tracked.includes(name)) missing.push(`${path}: ${name}`);
			}
		}
		expect(missing).toEqual([]);
	});

	test('every tracked file under its folders is covered by a line', () => {
		const folders = [
			'nodes/',
			'credentials/',
			'icons/',
			'test/',
			'examples/',
			'docs/',
			'scripts/',
			'bench/',
			'.github/',
			'.ci/',
		];
		const uncovered = tracked.filter(
			(file) =>
				folders.some((folder) => file.startsWith(folder)) &&
				!entries.some(({ path }) => patternOf(path).test(file)),
		);
		expect(uncovered).toEqual([]);
	});
});

describe('docs/benchmarks.md', () => {
	const benchmarks = read('docs/benchmarks.md');

	/** The blocks that hold something other than a stamp first (naming their benchmark) or the placeholder. */
	function unstamped(markdown: string): string[] {
		return benchBlocksOf(markdown)
			.filter(({ name, body }) => {
				if (body === notMeasuredYet(name)) return false;
				const stamp = stampPattern.exec(body);
				return !stamp || stamp.index !== 0 || stamp[4] !== name;
			})
			.map(({ name }) => name);
	}

	test('every bench block starts with the stamp of the run that wrote it, or holds no figures yet', () => {
		expect(benchBlocksOf(benchmarks).length).toBeGreaterThan(0);
		expect(unstamped(benchmarks)).toEqual([]);
	});

	test('a block as npm run bench writes it passes that check, and one without its stamp does not', () => {
		const empty = '<!-- bench:batch -->\n\nold\n\n<!-- /bench -->\n';
		const stamp = stampLine('batch', 'abc1234', true, new Date('2026-12-06T20:00:00Z'));
		const written = replaceBenchBlock(empty, 'batch', `${stamp}\n\n| a |\n| - |`);
		expect(benchBlocksOf(written)).toEqual([
			{
				name: 'batch',
				body: 'Measured at abc1234 + uncommitted changes on 2026-12-06 by `npm run bench -- batch`.\n\n| a |\n| - |',
			},
		]);
		expect(unstamped(written)).toEqual([]);
		expect(unstamped(replaceBenchBlock(empty, 'batch', '| a |\n| - |'))).toEqual(['batch']);
		expect(unstamped(written.replace('-- batch`', '-- wait`'))).toEqual(['batch']);
		expect(() => replaceBenchBlock(empty, 'wait', 'x')).toThrow('no block for wait');
	});

	test('every benchmark npm run bench can run has a block to write its table into', () => {
		const names = [...read('bench/run.ts').matchAll(/^\t'?([\w-]+)'?: bench\w+,$/gm)].map(
			(match) => match[1],
		);
		expect(names).toEqual(expect.arrayContaining(['download', 'long-batch', 'shared-table']));
		const blocks = benchBlocksOf(benchmarks).map(({ name }) => name);
		expect(names.filter((name) => !blocks.includes(name))).toEqual([]);
	});

	test('every ratio, time, share and memory figure the README quotes is one docs/benchmarks.md holds', () => {
		const text = read('README.md');
		const quoted = [
			...[...text.matchAll(/(\d\.\d\d)(?:–(\d\.\d\d))?×/g)].flatMap(([, low, high]) =>
				[low, high].filter(Boolean).map((ratio) => new RegExp(`(?<![\\d.])${ratio}(?!\\d)`)),
			),
			...[...text.matchAll(/(\d+(?:\.\d+)?)(?:–(\d+(?:\.\d+)?))? (ms|%|MiB)/g)].flatMap(
				([, low, high, unit]) =>
					[low, high].filter(Boolean).map((figure) => new RegExp(`(?<![\\d.])${figure} ${unit}`)),
			),
		];
		expect(quoted.length).toBeGreaterThan(0);
		expect(quoted.filter((figure) => !figure.test(benchmarks)).map(String)).toEqual([]);
	});
});
