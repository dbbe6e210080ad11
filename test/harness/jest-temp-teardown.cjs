/** Jest's globalTeardown: removes the run's temporary folder (see jest-temp-setup.cjs). */
const { rmSync } = require('node:fs');

module.exports = async () => {
	const folder = process.env.N8N_NODES_PRUNA_TEST_RUN_FOLDER;
	if (folder) rmSync(folder, { recursive: true, force: true });
};
