/**
 * Installs n8n 2.41.1 into the cache folder outside the repo, once (`npm run test:e2e` and
 * `npm run dev` call it; DEVELOPERS.md explains why it is installed this way).
 */
import { ensureN8nInstalled } from '../test/harness/real-n8n.ts';

ensureN8nInstalled();
