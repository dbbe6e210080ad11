/**
 * Installs n8n into the cache folder outside the repo, once: 2.41.1, or the release named by the
 * argument (`compat`: the latest 1.123.x on Node 22; `compat-node20`: the same on Node 20).
 * `npm run test:e2e`, `npm run test:compat` and `npm run dev` call it; DEVELOPERS.md explains why it
 * is installed this way.
 */
import { ensureN8nInstalled, n8nReleases } from '../test/harness/real-n8n.ts';

const name = (process.argv[2] ?? 'current') as keyof typeof n8nReleases;
if (!n8nReleases[name]) {
	throw new Error(`No n8n release "${name}"; one of: ${Object.keys(n8nReleases).join(', ')}`);
}
ensureN8nInstalled(n8nReleases[name]);
