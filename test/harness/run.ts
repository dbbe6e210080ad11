/**
 * Runs n8n workflow JSON through n8n-core's WorkflowExecute, in this process, and returns what each
 * node output: its items with their binary data, or its error.
 */
import { createHash, randomUUID } from 'node:crypto';

import type {
	ExecutionError,
	IBinaryData,
	IConnections,
	ICredentialDataDecryptedObject,
	INode,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	IRun,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { getEngine } from './engine.ts';
import { convertBinaryData, core, workflow as n8nWorkflow } from './n8n.ts';

export interface WorkflowJson {
	name?: string;
	nodes: INode[];
	connections: IConnections;
}

export interface RunOptions {
	/** Decrypted credential data by credential type. */
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** Items handed to the start node (the first node) as if a trigger had produced them. */
	input?: INodeExecutionData[];
	/**
	 * The workflow's binary mode: `separate` (files in `item.binary`, n8n 1.x and 2.x's default) or
	 * `combined` (Execution Logic v2: the engine moves stored files into `item.json._files`).
	 */
	binaryMode?: BinaryMode;
}

export type BinaryMode = 'separate' | 'combined';
/** Both binary modes, for suites that move files to run in each. */
export const binaryModes: BinaryMode[] = ['separate', 'combined'];

export interface NodeRun {
	items: INodeExecutionData[];
	error?: ExecutionError;
	/** How often the node ran: 1 for a normal run. */
	runs: number;
}

export interface RunResult {
	status: IRun['status'];
	error?: ExecutionError;
	nodes: Record<string, NodeRun>;
	run: IRun;
}

export interface RunningWorkflow {
	/** The run as n8n records it (its `workflowExecuteAfter` hook): at the end, or at once on cancel. */
	done: Promise<RunResult>;
	/** Settles when the engine has stopped running nodes, even after a cancel. */
	settled: Promise<unknown>;
	cancel(): void;
}

const bindingUrls = {
	restApiUrl: 'http://127.0.0.1:5678/rest',
	instanceBaseUrl: 'http://127.0.0.1:5678/',
	formBaseUrl: 'http://127.0.0.1:5678/form',
	formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
	formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
	webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
	webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
	webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
	mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
	mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
};

async function additionalDataFor(
	executionId: string,
	workflowData: IWorkflowBase,
	credentials: Record<string, ICredentialDataDecryptedObject>,
): Promise<IWorkflowExecuteAdditionalData> {
	const engine = await getEngine();
	engine.credentialsHelper.setCredentials(credentials);
	return {
		...bindingUrls,
		credentialsHelper: engine.credentialsHelper,
		hooks: new core.ExecutionLifecycleHooks('manual', executionId, workflowData),
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not available in the test harness');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		currentNodeExecutionIndex: 0,
		executionId,
		workflowId: workflowData.id,
		variables: {},
		logAiEvent: () => {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** Starts a workflow; `cancel()` stops it the way the editor's stop button does. */
export async function startWorkflow(
	definition: WorkflowJson,
	options: RunOptions,
): Promise<RunningWorkflow> {
	const engine = await getEngine();
	const executionId = randomUUID();
	const workflowData: IWorkflowBase = {
		id: `wf-${executionId.slice(0, 8)}`,
		name: definition.name ?? 'test',
		active: false,
		isArchived: false,
		activeVersionId: null,
		nodes: definition.nodes,
		connections: definition.connections,
		settings: { executionOrder: 'v1', binaryMode: options.binaryMode ?? 'separate' },
		createdAt: new Date(),
		updatedAt: new Date(),
	} as IWorkflowBase;

	const workflow = new n8nWorkflow.Workflow({
		id: workflowData.id,
		name: workflowData.name,
		nodes: definition.nodes,
		connections: definition.connections,
		active: false,
		nodeTypes: engine.nodeTypes,
		settings: workflowData.settings,
	});
	const startNode = definition.nodes[0];
	// The input as a trigger's output reaches the next node: in combined mode the engine has moved
	// its stored files into `json._files`.
	const { data: inputs } = await convertBinaryData(
		workflowData.id,
		executionId,
		{ data: [structuredClone(options.input ?? [{ json: {} }])] },
		workflowData.settings?.binaryMode,
	);
	const runExecutionData = n8nWorkflow.createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: inputs }, source: null }],
		},
	});

	const additionalData = await additionalDataFor(executionId, workflowData, options.credentials);
	const recorded = Promise.withResolvers<IRun>();
	additionalData.hooks!.addHandler('workflowExecuteAfter', (run) => recorded.resolve(run));
	const execution = new core.WorkflowExecute(additionalData, 'manual', runExecutionData);
	const running = execution.processRunExecutionData(workflow);
	const settled = running.then(
		() => undefined,
		(error: unknown) => recorded.reject(error),
	);

	const done = recorded.promise.then((run): RunResult => {
		const nodes: Record<string, NodeRun> = {};
		for (const [name, tasks] of Object.entries(run.data.resultData.runData)) {
			nodes[name] = {
				items: tasks[0]?.data?.main?.[0] ?? [],
				error: tasks[0]?.error,
				runs: tasks.length,
			};
		}
		return { status: run.status, error: run.data.resultData.error, nodes, run };
	});
	return { done, settled, cancel: () => running.cancel() };
}

/**
 * An output item's file by name, where the run's binary mode puts it: `item.binary` (separate) or
 * `item.json._files` (combined). Fails when it is in the other place, so a suite that means to run in
 * combined mode cannot pass by running in separate mode.
 */
export function fileOf(
	item: INodeExecutionData,
	name: string,
	binaryMode: BinaryMode,
): IBinaryData {
	const inBinary = item.binary?.[name];
	const inJson = (item.json._files as Record<string, IBinaryData> | undefined)?.[name];
	const [wanted, other] = binaryMode === 'combined' ? [inJson, inBinary] : [inBinary, inJson];
	if (!wanted || other) {
		throw new Error(
			`Expected file '${name}' in ${binaryMode === 'combined' ? 'json._files' : 'binary'} only; ` +
				`binary has: ${Object.keys(item.binary ?? {}).join(', ') || 'nothing'}; ` +
				`json._files has: ${Object.keys((item.json._files as object) ?? {}).join(', ') || 'nothing'}`,
		);
	}
	return wanted;
}

export async function runWorkflow(
	definition: WorkflowJson,
	options: RunOptions,
): Promise<RunResult> {
	return await (
		await startWorkflow(definition, options)
	).done;
}

/** A file in n8n's binary store, as a node upstream of ours would have left it. */
export async function storeBinary(
	content: Buffer,
	metadata: { fileName?: string; mimeType: string },
): Promise<IBinaryData> {
	const engine = await getEngine();
	return await engine.binaryData.store(
		{ type: 'execution', workflowId: 'test-inputs', executionId: randomUUID() },
		content,
		{ data: '', ...metadata },
	);
}

export async function readBinary(binary: IBinaryData): Promise<Buffer> {
	const engine = await getEngine();
	return await engine.binaryData.getAsBuffer(binary);
}

/** SHA-256 of a stored binary, read as a stream (for files too large to hold). */
export async function hashBinary(binary: IBinaryData): Promise<string> {
	const engine = await getEngine();
	if (!binary.id)
		return createHash('sha256')
			.update(await readBinary(binary))
			.digest('hex');
	const hash = createHash('sha256');
	for await (const chunk of await engine.binaryData.getAsStream(binary.id))
		hash.update(chunk as Buffer);
	return hash.digest('hex');
}

/**
 * Tests a credential as n8n's CredentialsTester does for a credential with a `test` request: the
 * request runs through RoutingNode with the credential, and its rules decide the message.
 */
export async function testCredential(
	type: string,
	data: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	const engine = await getEngine();
	const testRequest = engine.credentialTypes[type]?.test;
	if (!testRequest)
		return { status: 'Error', message: 'No testing function found for this credential.' };

	const nodeType: INodeType = {
		description: {
			displayName: 'Credential test',
			name: 'credentialTest',
			group: [],
			version: 1,
			description: '',
			defaults: {},
			inputs: [],
			outputs: [],
			credentials: [{ name: type, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					default: '',
					routing: { request: testRequest.request },
				},
			],
		},
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'credentialTest',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [type]: { id: 'test', name: 'test' } },
	};
	const workflow = new n8nWorkflow.Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: {
			getByName: () => nodeType,
			getByNameAndVersion: () => nodeType,
			getKnownTypes: () => ({}),
		},
	});
	const workflowData = {
		id: 'credential-test',
		name: 'credential test',
		nodes: [node],
		connections: {},
	} as unknown as IWorkflowBase;
	const additionalData = await additionalDataFor(randomUUID(), workflowData, { [type]: data });
	const context = new core.ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		n8nWorkflow.createRunExecutionData({ executionData: null }),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	const routingNode = new core.RoutingNode(context, nodeType, {
		id: 'test',
		name: 'test',
		type,
		data,
	});

	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await routingNode.runNode();
	} catch (error) {
		const cause = (
			error as { cause?: { response?: { status: number; statusText?: string }; code?: string } }
		).cause;
		if (cause?.response) {
			for (const rule of testRequest.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === cause.response.status) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (cause.response.status < 199 || cause.response.status > 299) {
				return {
					status: 'Error',
					message:
						cause.response.statusText || `Received HTTP status code: ${cause.response.status}`,
				};
			}
		} else if (cause?.code) {
			return { status: 'Error', message: cause.code };
		}
		return { status: 'Error', message: String((error as Error).message) };
	}
	for (const rule of testRequest.rules ?? []) {
		if (rule.type === 'responseSuccessBody') {
			const body = response?.[0]?.[0]?.json ?? {};
			const value = rule.properties.key
				.split('.')
				.reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], body);
			if (value === rule.properties.value)
				return { status: 'Error', message: rule.properties.message };
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}
