// `npm run test:compat:node20`: the compatibility suite on Node 20, the oldest Node n8n 1.x admits.
process.env.PRUNA_E2E_N8N = 'compat-node20';

module.exports = require('./jest.compat.config.js');
