/** `npm run release:check` on package.json files of our making, and on the repo's own. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { packageRoot } from './harness/n8n';

const folder = mkdtempSync(join(tmpdir(), 'release-check-'));

function check(pkg: object | undefined, env: Record<string, string> = {}) {
	const args = ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', 'scripts/check-release.ts'];
	if (pkg) {
		const path = join(folder, `package-${Math.random().toString(36).slice(2)}.json`);
		writeFileSync(path, JSON.stringify(pkg));
		args.push('--package', path);
	}
	const clean = { ...process.env };
	for (const name of ['GITHUB_REPOSITORY', 'GITHUB_REF_TYPE', 'GITHUB_REF_NAME'])
		delete clean[name];
	const result = spawnSync(process.execPath, args, {
		cwd: packageRoot,
		env: { ...clean, ...env },
		encoding: 'utf8',
	});
	return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const complete = {
	name: 'n8n-nodes-pruna',
	version: '1.2.3',
	author: { name: 'Pruna maintainers', email: 'maintainers@example.com' },
	repository: { type: 'git', url: 'git+https://github.com/acme/n8n-nodes-pruna.git' },
	homepage: 'https://github.com/acme/n8n-nodes-pruna#readme',
	bugs: { url: 'https://github.com/acme/n8n-nodes-pruna/issues' },
};

test("the repo's own package.json is refused until the maintainers fill it in", () => {
	const { status, output } = check(undefined);
	expect(status).toBe(1);
	expect(output).toContain('author.email "maintainers@n8n-nodes-pruna.invalid" is a placeholder');
	expect(output).toContain('repository is missing');
});

test('complete metadata passes, in a workflow of the same repository on the matching tag', () => {
	const { status, output } = check(complete, {
		GITHUB_REPOSITORY: 'acme/n8n-nodes-pruna',
		GITHUB_REF_TYPE: 'tag',
		GITHUB_REF_NAME: 'v1.2.3',
	});
	expect(output).toContain('n8n-nodes-pruna@1.2.3 is ready to publish from acme/n8n-nodes-pruna');
	expect(output).not.toContain('warning');
	expect(status).toBe(0);
});

test('a tag that is not v<version> is refused', () => {
	const { status, output } = check(complete, { GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1.2.4' });
	expect(status).toBe(1);
	expect(output).toContain('the tag v1.2.4 is not v1.2.3, the version in package.json');
});

test('a workflow in another repository than package.json names is refused', () => {
	const { status, output } = check(complete, { GITHUB_REPOSITORY: 'someone/fork' });
	expect(status).toBe(1);
	expect(output).toContain(
		'repository is acme/n8n-nodes-pruna, but this workflow runs in someone/fork',
	);
});

test('a repository that is not on GitHub, and a missing author, are refused', () => {
	const { status, output } = check({
		...complete,
		author: undefined,
		repository: 'https://gitlab.com/acme/n8n-nodes-pruna',
	});
	expect(status).toBe(1);
	expect(output).toContain('author.name is missing');
	expect(output).toContain('is not a GitHub repository URL');
	expect(output).toContain('3 problems');
});
