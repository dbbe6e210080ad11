/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
	},
	// Each suite starts simulators on loopback; waiting tests take a few seconds by design.
	testTimeout: 60_000,
	// One temporary folder per run, removed at its end: jest's workers skip their exit handlers.
	globalSetup: '<rootDir>/test/harness/jest-temp-setup.cjs',
	globalTeardown: '<rootDir>/test/harness/jest-temp-teardown.cjs',
};
