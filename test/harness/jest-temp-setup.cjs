/**
 * Jest's globalSetup: every temporary folder of a test run (n8n's user folders with their binary
 * data, the simulator's storage) goes under one folder of the run's own, which globalTeardown
 * removes. Jest ends its workers without running their exit handlers, so a folder a suite meant to
 * remove at exit would otherwise stay behind, with every file its downloads stored.
 */
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
	const folder = mkdtempSync(join(tmpdir(), 'n8n-nodes-pruna-jest-'));
	process.env.N8N_NODES_PRUNA_TEST_RUN_FOLDER = folder;
	// Workers and the processes they start inherit it; Node's tmpdir() reads it.
	process.env.TMPDIR = folder;
};
