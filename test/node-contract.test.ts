/**
 * What every node the package ships must do, checked on each node package.json lists: the request
 * its description shows is one of Pruna's endpoints, sent through the pipeline; its answers are
 * status-checked; it is offered to the AI Agent and found in the node panel. A node added to
 * package.json is held to all of it without editing this file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

import type {
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	INodeProperties,
	INodeType,
} from 'n8n-workflow';

import { chain, credentialsFor, packageNodes, prunaNode, suiteSimulator } from './fixtures';
import { addNodeTypes } from './harness/engine.ts';
import { packageRoot } from './harness/n8n.ts';
import { runWorkflow } from './harness/run';

const simulator = suiteSimulator();

// The modules the engine runs (n8n loads dist/ with Node's require), not copies of them.
const packageRequire = createRequire(join(packageRoot, 'package.json'));
const endpoints = packageRequire(
	'./dist/nodes/shared/api/endpoints.js',
) as typeof import('../nodes/shared/api/endpoints');
const routing = packageRequire(
	'./dist/nodes/shared/pipeline/routing.js',
) as typeof import('../nodes/shared/pipeline/routing');

const allEndpoints = [
	endpoints.createPrediction,
	endpoints.getPredictionStatus,
	endpoints.uploadFile,
	endpoints.downloadContent,
];

function routedProperties(properties: INodeProperties[]): INodeProperties[] {
	return properties.flatMap((property) => [
		...(property.routing ? [property] : []),
		...routedProperties(
			((property.options ?? []) as INodeProperties[]).filter((option) => 'type' in option),
		),
	]);
}

const nodes = packageNodes();

test('package.json lists the four nodes', () => {
	expect(nodes.map((node) => node.description.name).sort()).toEqual([
		'prunaCreatePrediction',
		'prunaDownloadContent',
		'prunaPredictionStatus',
		'prunaUploadFile',
	]);
});

describe.each(nodes.map((node) => [node.type, node] as const))('%s', (_type, node) => {
	const { description } = node;

	test('its routing shows one of the endpoints and sends through the pipeline', () => {
		expect(description.requestOperations).toBe(routing.sendThroughPipeline);
		const routed = routedProperties(description.properties);
		expect(routed).toHaveLength(1);
		const { request, send } = routed[0].routing!;
		expect(send?.paginate).toBe(true);
		// Method, fixed headers and encoding are the endpoint's; the URL its path or an expression on it.
		const endpoint = allEndpoints.find(
			(candidate) =>
				candidate.method === request?.method &&
				(request.url === candidate.path ||
					String(request.url).startsWith(`=${candidate.path}`) ||
					(candidate === endpoints.downloadContent && request.url === '={{ $value }}')),
		);
		expect(endpoint).toBeDefined();
		const { url: _url, ...rest } = request!;
		const { url: _path, ...expected } = endpoints.routingRequestOf(endpoint!);
		expect(rest).toEqual(expected);
	});

	test('it is a tool, with light and dark icons and a codex the node panel finds', () => {
		expect(description.usableAsTool).toBeTruthy();
		const builtDir = dirname(join(packageRoot, node.file));
		const icon = description.icon as { light: string; dark: string };
		for (const path of [icon.light, icon.dark]) {
			expect(path).toMatch(/^file:/);
			expect(existsSync(resolve(builtDir, path.slice('file:'.length)))).toBe(true);
		}
		const codexFile = join(builtDir, `${node.file.split('/').pop()!.replace(/\.js$/, '')}.json`);
		const codex = JSON.parse(readFileSync(codexFile, 'utf8')) as {
			node: string;
			subcategories?: Record<string, string[]>;
		};
		expect(codex.node).toBe(node.type);
		// The node panel leaves out an "AI" node unless its AI subcategories include "Root Nodes".
		expect(codex.subcategories?.AI).toContain('Root Nodes');
	});
});

test('the send step refuses a postReceive hook not made by readSuccess, which checks the status', async () => {
	const unchecked = async function (
		this: IExecuteSingleFunctions,
		items: INodeExecutionData[],
		_response: IN8nHttpFullResponse,
	) {
		return items;
	};
	const careless: INodeType = {
		description: {
			...nodes.find((node) => node.description.name === 'prunaPredictionStatus')!.description,
			name: 'careless',
			properties: [
				{
					displayName: 'Prediction ID',
					name: 'predictionId',
					type: 'string',
					default: '',
					routing: {
						request: { method: 'GET', url: '=/v1/predictions/status/{{ $value }}' },
						send: routing.routedThroughPipeline(),
						output: { postReceive: [unchecked] },
					},
				},
			],
		},
	};
	await addNodeTypes({ 'test.careless': careless });
	const result = await runWorkflow(
		chain(prunaNode('Careless', 'test.careless', { predictionId: 'no-such-prediction' })),
		{ credentials: credentialsFor(simulator), input: [{ json: {} }] },
	);
	expect(result.status).toBe('error');
	expect(result.error?.message).toBe(
		"A Pruna node's postReceive hook must be made with readSuccess, which checks the answer's status",
	);
});
