/**
 * Installs n8n into the cache folder outside the repo, once: 2.41.1, or with `PRUNA_E2E_N8N=compat`
 * the compatibility release (1.123.x on Node 22). `npm run test:e2e`, `npm run test:compat` and
 * `npm run dev` call it; DEVELOPERS.md explains why it is installed this way.
 */
import { ensureN8nInstalled } from '../test/harness/real-n8n.ts';

ensureN8nInstalled();
