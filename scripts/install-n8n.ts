/**
 * Installs n8n into the cache folder outside the repo, once: 2.41.1, or with the argument `compat`
 * the compatibility release (the latest 1.123.x, on Node 22). `npm run test:e2e`,
 * `npm run test:compat` and `npm run dev` call it; DEVELOPERS.md explains why it is installed this way.
 */
import { ensureN8nInstalled, n8nReleases } from '../test/harness/real-n8n.ts';

ensureN8nInstalled(process.argv[2] === 'compat' ? n8nReleases.compat : n8nReleases.current);
