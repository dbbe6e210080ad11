#!/usr/bin/env node
/**
 * Runs a command under Node 24 or newer, which n8n 2.41's engine and the toolchain need, whatever
 * Node started npm (scripts/node-from-registry.cjs fetches Node 24 once when the machine's is older).
 *
 *   node scripts/node24.cjs <command> [args…]   runs the command with Node 24 first on PATH
 *   node scripts/node24.cjs --bin-dir           prints the folder of Node 24's `node` (for .ci/run)
 *
 * Plain CommonJS on purpose: this file must run on the old Node it replaces (18 or newer).
 */
'use strict';

require('./node-from-registry.cjs').runUnder(
	{ major: 24, orNewer: true, tag: 'node24' },
	process.argv.slice(2),
);
