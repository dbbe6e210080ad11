/**
 * `npm run release:check`: refuses to release while package.json still has placeholder metadata,
 * and, in the publish workflow, when the tag or the GitHub repository disagree with it. n8n's
 * verification checks that the package's repository is the GitHub repository it was published
 * from, and that the author matches. `--package <path>` checks another package.json (for tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../test/harness/n8n.ts';

interface PackageJson {
	name?: string;
	version?: string;
	author?: string | { name?: string; email?: string; url?: string };
	repository?: string | { type?: string; url?: string };
	homepage?: string;
	bugs?: string | { url?: string };
}

const at = process.argv.indexOf('--package');
const path = at === -1 ? join(packageRoot, 'package.json') : process.argv[at + 1];
const pkg = JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

const problems: string[] = [];
const warnings: string[] = [];

const author = typeof pkg.author === 'string' ? { name: pkg.author } : (pkg.author ?? {});
if (!author.name?.trim()) problems.push('author.name is missing');
if (!author.email?.trim()) problems.push('author.email is missing');
else if (/\.invalid$/i.test(author.email.trim())) {
	problems.push(`author.email "${author.email}" is a placeholder: give the maintainers' address`);
}

/** owner/name of a GitHub repository URL (https, git+https, git@, or the "github:" shorthand). */
function githubSlug(value: string | undefined): string | undefined {
	const match = value
		?.trim()
		.match(
			/^(?:github:|(?:git\+)?https:\/\/github\.com\/|git@github\.com:)([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/,
		);
	return match?.[1];
}

const repositoryUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
const slug = githubSlug(repositoryUrl);
if (!repositoryUrl)
	problems.push('repository is missing: give the GitHub repository it is published from');
else if (!slug) problems.push(`repository "${repositoryUrl}" is not a GitHub repository URL`);

const actionsRepository = process.env.GITHUB_REPOSITORY;
if (slug && actionsRepository && slug.toLowerCase() !== actionsRepository.toLowerCase()) {
	problems.push(
		`repository is ${slug}, but this workflow runs in ${actionsRepository}: n8n checks they match`,
	);
}

const tag = process.env.GITHUB_REF_TYPE === 'tag' ? process.env.GITHUB_REF_NAME : undefined;
if (tag !== undefined && tag !== `v${pkg.version}`) {
	problems.push(`the tag ${tag} is not v${pkg.version}, the version in package.json`);
}

const bugsUrl = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
if (slug && !pkg.homepage?.includes(slug)) warnings.push(`homepage does not point at ${slug}`);
if (slug && !bugsUrl?.includes(slug)) warnings.push(`bugs does not point at ${slug}/issues`);

for (const warning of warnings) console.log(`release:check: warning: ${warning}`);
for (const problem of problems) console.error(`release:check: ${problem}`);
if (problems.length) {
	console.error(
		`release:check: ${problems.length} problems; fill in package.json once before releasing`,
	);
	process.exitCode = 1;
} else {
	console.log(`release:check: ${pkg.name}@${pkg.version} is ready to publish from ${slug}`);
}
