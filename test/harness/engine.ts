/**
 * One n8n engine per test process: a temporary user folder, binary data in filesystem mode, and our
 * package loaded from `dist/` through the `n8n` section of package.json, as n8n loads a community
 * package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
	ICredentialType,
	IExecuteFunctions,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';

import { CredentialsHelper } from './credentials-helper.ts';
import { Container, core, packageRoot, workflow as n8nWorkflow } from './n8n.ts';

export interface Engine {
	packageName: string;
	nodeTypes: INodeTypes;
	credentialTypes: Record<string, ICredentialType>;
	credentialsHelper: CredentialsHelper;
	userFolder: string;
	/** The binary store, for writing input files and reading outputs. */
	binaryData: InstanceType<typeof core.BinaryDataService>;
}

/**
 * As n8n's own NodeTypes does (packages/cli/src/node-types.ts): a declarative node gets an `execute`
 * that runs RoutingNode with the execution's context, so it runs as in the product (with the
 * execution's cancel signal), not through n8n-core's test-only path.
 */
function withRoutingExecute(nodeType: INodeType): INodeType {
	const isDeclarative = nodeType.description.requestDefaults !== undefined;
	if (isDeclarative && !nodeType.execute && !nodeType.poll && !nodeType.trigger) {
		nodeType.execute = async function (this: IExecuteFunctions) {
			const routingNode = new core.RoutingNode(
				this as InstanceType<typeof core.ExecuteContext>,
				nodeType,
			);
			return (await routingNode.runNode()) ?? [];
		};
	}
	return nodeType;
}

let enginePromise: Promise<Engine> | undefined;
let engineExtraNodes: Record<string, INodeType | IVersionedNodeType> = {};

/**
 * Adds node types from outside the package, such as n8n's own HTTP Request node for a benchmark
 * against it. Tests of the package do not use this: they load only what its n8n section lists.
 */
export async function addNodeTypes(
	types: Record<string, INodeType | IVersionedNodeType>,
): Promise<void> {
	await getEngine();
	Object.assign(engineExtraNodes, types);
}

async function startEngine(): Promise<Engine> {
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-nodes-pruna-test-'));
	process.env.N8N_USER_FOLDER = userFolder;
	process.env.N8N_ENCRYPTION_KEY ??= 'n8n-nodes-pruna-test-key';
	process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
	// n8n logs every node error it reports; the tests assert on the errors themselves.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	process.on('exit', () => rmSync(userFolder, { recursive: true, force: true }));

	const binaryData = Container.get(core.BinaryDataService);
	await binaryData.init();

	const loader = new core.PackageDirectoryLoader(packageRoot);
	await loader.loadAll();

	const nodes: Record<string, INodeType | IVersionedNodeType> = {};
	for (const [name, { type }] of Object.entries(loader.nodeTypes)) {
		nodes[`${loader.packageName}.${name}`] = type;
	}
	const credentialTypes: Record<string, ICredentialType> = {};
	for (const [name, { type }] of Object.entries(loader.credentialTypes))
		credentialTypes[name] = type;

	engineExtraNodes = nodes;
	const nodeTypes: INodeTypes = {
		getByName: (type) => {
			if (!nodes[type]) throw new Error(`Unknown node type ${type}`);
			return nodes[type];
		},
		getByNameAndVersion: (type, version) =>
			withRoutingExecute(
				n8nWorkflow.NodeHelpers.getVersionedNodeType(nodeTypes.getByName(type), version),
			),
		getKnownTypes: () => ({}),
	};

	return {
		packageName: loader.packageName,
		nodeTypes,
		credentialTypes,
		credentialsHelper: new CredentialsHelper(credentialTypes),
		userFolder,
		binaryData,
	};
}

export async function getEngine(): Promise<Engine> {
	enginePromise ??= startEngine();
	return await enginePromise;
}
