import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import type {
	IConnections,
	INode,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import type { WorkflowJson } from './harness/run';
import type { SimulatorOptions } from './simulator/server.ts';
import { PrunaSimulator } from './simulator/server.ts';
import { packageRoot } from './harness/n8n.ts';

/** Node's own require, as n8n loads the package: the same module instances as the engine's. */
const packageRequire = createRequire(join(packageRoot, 'package.json'));

/** A simulator for the whole suite: listening before the first test, reset before each, closed after. */
export function suiteSimulator(options: SimulatorOptions = {}): PrunaSimulator {
	const simulator = new PrunaSimulator(options);
	beforeAll(async () => await simulator.listen());
	afterAll(async () => await simulator.close());
	beforeEach(() => simulator.reset());
	return simulator;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A node the package ships, as n8n finds it: through the `n8n` section of package.json. */
export interface PackageNode {
	/** The node's type in a workflow, such as `n8n-nodes-pruna.prunaUploadFile`. */
	type: string;
	description: INodeTypeDescription;
	/** The built file, as package.json lists it. */
	file: string;
}

let loadedNodes: PackageNode[] | undefined;

/** Every node package.json's `n8n.nodes` lists, loaded from `dist/` (built by `npm test`). */
export function packageNodes(): PackageNode[] {
	return (loadedNodes ??= loadPackageNodes());
}

function loadPackageNodes(): PackageNode[] {
	const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
		name: string;
		n8n: { nodes: string[] };
	};
	return manifest.n8n.nodes.map((file) => {
		const exports = packageRequire(`./${file}`) as Record<string, new () => INodeType>;
		const classes = Object.values(exports).filter((value) => typeof value === 'function');
		if (classes.length !== 1) throw new Error(`${file} should export one node class`);
		const { description } = new classes[0]();
		return { type: `${manifest.name}.${description.name}`, description, file };
	});
}

/** The type of one of the package's nodes by its name; fails for a node package.json does not list. */
function typeOf(name: string): string {
	const node = packageNodes().find((candidate) => candidate.description.name === name);
	if (!node) throw new Error(`package.json's n8n.nodes lists no node named ${name}`);
	return node.type;
}

export const nodeType = {
	create: typeOf('prunaCreatePrediction'),
	upload: typeOf('prunaUploadFile'),
	status: typeOf('prunaPredictionStatus'),
	download: typeOf('prunaDownloadContent'),
} as const;

/** One of our nodes, with the Pruna credential attached. */
export function prunaNode(
	name: string,
	type: (typeof nodeType)[keyof typeof nodeType],
	parameters: INodeParameters,
	extra: Partial<INode> = {},
): INode {
	return {
		id: name,
		name,
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { prunaApi: { id: 'pruna', name: 'Pruna' } },
		...extra,
	};
}

/** A workflow whose nodes run one after the other, the first receiving the run's input items. */
export function chain(...nodes: INode[]): WorkflowJson {
	const connections: IConnections = {};
	for (let index = 0; index + 1 < nodes.length; index++) {
		connections[nodes[index].name] = {
			main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]],
		};
	}
	return { nodes, connections };
}

/** Pruna API credential data for a simulator, in process or in its own (anything with a key and URL). */
export function credentialsFor(
	simulator: { apiKey: string; baseUrl: string },
	apiKey = simulator.apiKey,
) {
	return { prunaApi: { apiKey, baseUrl: simulator.baseUrl } };
}

/** Fast polling for tests; the simulator's timetables are in tens of milliseconds. */
export const fastPolling = { pollIntervalSeconds: 0.1, maxWaitSeconds: 20 };

/**
 * n8n's RoutingNode re-wraps every error a declarative node's hook throws in a NodeApiError
 * (routing-node.ts, runNode) and keeps its message, description and item index; `httpCode` "none"
 * marks one that no HTTP answer caused: our NodeOperationErrors for bad input and failed predictions.
 */
export function expectNodeRaisedError(
	error: unknown,
	message: string | RegExp,
	itemIndex = 0,
): void {
	const raised = error as {
		message?: string;
		httpCode?: string | null;
		context?: { itemIndex?: number };
	};
	expect(raised).toBeDefined();
	if (typeof message === 'string') expect(raised.message).toBe(message);
	else expect(raised.message).toMatch(message);
	expect(raised.httpCode).toBe('none');
	expect(raised.context?.itemIndex).toBe(itemIndex);
}

/** An input problem as the nodes word it: the problem, perhaps more, then the item it is on. */
export function problemMessage(problem: string, itemIndex = 0): RegExp {
	const escaped = problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return new RegExp(`${escaped}.* \\(item ${itemIndex}\\)$`);
}
