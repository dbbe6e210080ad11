const unit = require('./jest.config.js');

/**
 * `npm run test:e2e`: the unit suites' setup, on test/e2e/, one suite at a time.
 * @type {import('jest').Config}
 */
module.exports = {
	...unit,
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.ts'],
	// Each suite boots n8n (seconds on 2 cores); one at a time keeps their ports and CPU apart.
	maxWorkers: 1,
	testTimeout: 240_000,
};
