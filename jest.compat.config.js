const e2e = require('./jest.e2e.config.js');

// The harness reads it when loaded, in this process and in jest's workers.
process.env.PRUNA_E2E_N8N ??= 'compat';

/**
 * `npm run test:compat`: the example workflows in the latest n8n 1.123.x on Node 22, with the
 * package installed from its tarball as n8n installs a community package
 * (`jest.compat-node20.config.js`: the same on Node 20).
 * @type {import('jest').Config}
 */
module.exports = {
	...e2e,
	testMatch: ['**/examples.e2e.ts'],
};
