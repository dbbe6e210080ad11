/**
 * A future n8n that runs declarative nodes another way than 1.x and 2.x do sends nothing: each
 * change the pipeline depends on (see nodes/shared/pipeline/engine-contract.ts) is simulated by
 * patching n8n-core's RoutingNode for one test, and the simulator must have received no request.
 */
import type {
	DeclarativeRestApiSettings,
	IHttpRequestOptions,
	IN8nRequestOperations,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';

import {
	chain,
	credentialsFor,
	expectNodeRaisedError,
	nodeType,
	prunaNode,
	suiteSimulator,
} from './fixtures';
import { core } from './harness/n8n.ts';
import { runWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';

const simulator = suiteSimulator();

type RequestData = DeclarativeRestApiSettings.ResultOptions;

/** How a simulated n8n differs from 2.41's RoutingNode in handing a routed request over. */
interface EngineChange {
	/** The context the send step (`requestOperations.pagination`) gets, from 2.41's. */
	sendContext?: (sendContext: object) => object;
	/** The request data the send step gets, from 2.41's and the options before preSend ran. */
	requestData?: (requestData: RequestData, beforePreSend: IHttpRequestOptions) => RequestData;
	/** n8n sends the routed request with its own client instead of calling the send step. */
	sendsItself?: boolean;
}

type MakeRequest = (
	this: unknown,
	requestData: RequestData,
	itemContext: object,
	itemIndex: number,
	runIndex: number,
	credentialType: string | undefined,
	requestOperations: IN8nRequestOperations | undefined,
	credentialsDecrypted: unknown,
) => Promise<INodeExecutionData[]>;

const routingNode = core.RoutingNode.prototype as unknown as { makeRequest: MakeRequest };
const makeRequestOf241 = routingNode.makeRequest;
afterEach(() => {
	routingNode.makeRequest = makeRequestOf241;
});

/** RoutingNode's per-item step (`makeRequest`: preSend, then the send step), changed as `change` says. */
function simulateEngine(change: EngineChange): void {
	routingNode.makeRequest = async function (requestData, itemContext, ...rest) {
		const [itemIndex, runIndex, credentialType, requestOperations, credentials] = rest;
		const beforePreSend = { ...requestData.options } as IHttpRequestOptions;
		if (change.sendsItself) requestData.paginate = false;
		const pagination = requestOperations?.pagination;
		const operations: IN8nRequestOperations | undefined =
			typeof pagination === 'function'
				? {
						...requestOperations,
						pagination: async function (this: object, data: RequestData) {
							return await pagination.call(
								(change.sendContext?.(this) ?? this) as never,
								change.requestData?.(data, beforePreSend) ?? data,
							);
						},
					}
				: requestOperations;
		return await makeRequestOf241.call(
			this,
			requestData,
			itemContext,
			itemIndex,
			runIndex,
			credentialType,
			operations,
			credentials,
		);
	};
}

const prefix = 'This version of n8n-nodes-pruna does not support the installed n8n: ';
const nothingSent = '. Nothing was sent to Pruna.';

/** Each node with an input it would send, and the item(s) it runs on. */
const nodes: Array<[string, () => Promise<{ node: INode; input: INodeExecutionData[] }>]> = [
	[
		'Create Prediction',
		async () => ({
			node: prunaNode('Node', nodeType.create, { model: 'p-image', prompt: 'a red fox' }),
			input: [{ json: {} }],
		}),
	],
	[
		'Upload File',
		async () => ({
			node: prunaNode('Node', nodeType.upload, { binaryPropertyName: 'data' }),
			input: [
				{
					json: {},
					binary: {
						data: await storeBinary(makePng(8, 8), { fileName: 'a.png', mimeType: 'image/png' }),
					},
				},
			],
		}),
	],
	[
		'Get Prediction Status',
		async () => ({
			node: prunaNode('Node', nodeType.status, { predictionId: 'abc123' }),
			input: [{ json: {} }],
		}),
	],
	[
		'Download Content',
		async () => ({
			node: prunaNode('Node', nodeType.download, {
				url: simulator.addContent('x/y/output_0.png', { kind: 'png' }),
				binaryPropertyName: 'data',
			}),
			input: [{ json: {} }],
		}),
	],
];

async function runIn(change: EngineChange, nodeOf: (typeof nodes)[number][1]) {
	const { node, input } = await nodeOf();
	simulateEngine(change);
	return await runWorkflow(chain(node), { credentials: credentialsFor(simulator), input });
}

const contextChanges: Array<[string, EngineChange]> = [
	[
		'a copy of the item context, not one made from it',
		{
			sendContext: (sendContext) => {
				const item = Object.getPrototypeOf(sendContext) as object;
				return Object.assign(Object.create(Object.getPrototypeOf(item) as object), item);
			},
		},
	],
	[
		'a context made from the send context (one level further from the item)',
		{ sendContext: (sendContext) => Object.create(sendContext) as object },
	],
];

const requestDataChanges: Array<[string, EngineChange, string]> = [
	[
		'the request as it was before preSend',
		{ requestData: (data, beforePreSend) => ({ ...data, options: beforePreSend }) },
		'the request n8n handed the send step is not the one the preSend hooks returned',
	],
	[
		'no options',
		{ requestData: (data) => ({ ...data, options: undefined as never }) },
		'the request n8n handed the send step is not the one the preSend hooks returned',
	],
	[
		'postReceive steps whose actions are renamed',
		{
			requestData: (data) => ({
				...data,
				postReceive: data.postReceive.map(({ actions, ...step }) => ({
					...step,
					hooks: actions,
				})) as never,
			}),
		},
		"routing's postReceive steps reached the send step in another shape",
	],
];

describe.each(nodes)('Pruna %s', (_name, nodeOf) => {
	test.each(contextChanges)('sends nothing when the send step gets %s', async (_change, change) => {
		const result = await runIn(change, nodeOf);

		expect(simulator.requests).toHaveLength(0);
		expect(result.status).toBe('error');
		expectNodeRaisedError(
			result.nodes.Node.error,
			`${prefix}the send step's context is not the one the item's preSend hooks had${nothingSent}`,
		);
		expect(result.nodes.Node.error?.description).toContain('Help → About n8n');
	});

	test.each(requestDataChanges)(
		'sends nothing when the send step gets %s',
		async (_change, change, whatDiffers) => {
			const result = await runIn(change, nodeOf);

			expect(simulator.requests).toHaveLength(0);
			expectNodeRaisedError(result.nodes.Node.error, `${prefix}${whatDiffers}${nothingSent}`);
		},
	);

	test('sends nothing when n8n sends the routed request itself, without the send step', async () => {
		const result = await runIn({ sendsItself: true }, nodeOf);

		expect(simulator.requests).toHaveLength(0);
		expect(result.status).toBe('error');
		expect(result.nodes.Node.error?.message).toBe(
			`${prefix}n8n sent the node's request itself instead of handing it to the package's send step${nothingSent} Install a version of n8n-nodes-pruna whose Compatibility table lists your n8n (Help → About n8n shows it), or report it.`,
		);
		expect(
			(result.nodes.Node.error as { context?: { itemIndex?: number } }).context?.itemIndex,
		).toBe(0);
	});
});

describe('what the checks let through', () => {
	test('2.41 as it is, through the patched step: the download is sent and stored', async () => {
		const result = await runIn({}, nodes[3][1]);

		expect(result.status).toBe('success');
		expect(simulator.requests).toHaveLength(1);
		expect(result.nodes.Node.items[0].json.fileName).toBe('output_0.png');
	});

	test('the send step given the item context itself: it is the one preSend had, so it is sent', async () => {
		const result = await runIn(
			{ sendContext: (sendContext) => Object.getPrototypeOf(sendContext) as object },
			nodes[0][1],
		);

		expect(result.status).toBe('success');
		expect(simulator.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
	});
});
