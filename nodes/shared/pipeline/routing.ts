import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	IN8nRequestOperations,
	INodeExecutionData,
	INodeRequestSend,
	INodeTypeDescription,
	PreSendAction,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { checkRoutedRequest, sealForPipeline } from './engine-contract';
import { memoForItem } from './item-memo';
import type { SendSettings } from './transport';
import { credentialType } from './credential';
import { throwUnlessHttpSuccess } from './errors';
import { requestDefaults, sendToPruna } from './transport';

/**
 * How a declarative node's routed request reaches the pipeline. Routing builds the request and runs
 * the preSend hooks; then, for a property whose `routing.send` has `paginate`, n8n hands the request
 * to the node's `requestOperations.pagination` to send, instead of sending it itself. It is n8n's
 * only such hook. Pruna has nothing to paginate: `sendThroughPipeline` and `routedThroughPipeline`,
 * used by every node, are the one place that name appears. What of this n8n does not promise is
 * checked before anything is sent (engine-contract.ts).
 */
export const sendThroughPipeline: IN8nRequestOperations = { pagination: sendRoutedRequest };

/**
 * A property's `routing.send`: runs the node's `preSend` hooks, then has n8n hand the request to
 * `sendThroughPipeline`. The last hook seals it, so that n8n cannot send it without the pipeline.
 */
export function routedThroughPipeline(...preSend: PreSendAction[]) {
	return { paginate: true, preSend: [...preSend, sealForPipeline] } satisfies INodeRequestSend;
}

/**
 * What every Pruna node's description shares: one input and one output, the Pruna credential, and
 * routed requests sent through the pipeline with its defaults. (n8n's lint wants each node's icon
 * in its own file.)
 */
export const routedNodeBase = {
	version: 1,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [{ name: credentialType, required: true }],
	requestDefaults,
	requestOperations: sendThroughPipeline,
} satisfies Partial<INodeTypeDescription>;

/** How an item's routed request is sent; set from a preSend hook, read by the send step. */
export interface RoutedRequestSettings
	extends Partial<Pick<SendSettings<never>, 'policy' | 'onOutageTimeout'>> {
	/** Adds what the node knows to an error of the send or of postReceive (a run's creates). */
	explainError?: (error: unknown) => unknown;
	/** An answer already known (a prediction an earlier try created): nothing is sent. */
	knownAnswer?: IN8nHttpFullResponse;
}

/** Sets how the item's routed request is sent (by default: the `transient` retry policy). */
export function configureRoutedRequest(
	context: IExecuteSingleFunctions,
	settings: RoutedRequestSettings,
): void {
	memoForItem(context, 'routedRequest', () => settings);
}

type PostReceiveHook = (
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
) => Promise<INodeExecutionData[]>;

const checkedHooks = new WeakSet<PostReceiveHook>();

/**
 * A node's postReceive hook. Pruna's answers reach it whatever their status (the pipeline judges
 * them, see `requestDefaults`), so it first turns a failed one into an error naming `subject`, with
 * Pruna's code and message; only a success reaches `read`. The send step runs no other kind of
 * postReceive, so no node can forget the check.
 */
export function readSuccess(
	subject: (context: IExecuteSingleFunctions) => string | Promise<string>,
	read: (
		this: IExecuteSingleFunctions,
		response: IN8nHttpFullResponse,
	) => Promise<INodeExecutionData[]>,
): PostReceiveHook {
	const hook: PostReceiveHook = async function (this, _items, response) {
		await throwUnlessHttpSuccess(this, response, await subject(this));
		return await read.call(this, response);
	};
	checkedHooks.add(hook);
	return hook;
}

/**
 * Sends the routed request through `sendToPruna` with the item's settings, then runs the node's
 * postReceive hooks on the answer, with the item's own context (the one preSend had). What n8n
 * handed it is checked first (engine-contract.ts), and so are the hooks: nothing is sent unless
 * all hold.
 */
async function sendRoutedRequest(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const { item, request, postReceive: actions } = checkRoutedRequest(this, requestData);
	if (!actions.every((action) => checkedHooks.has(action as PostReceiveHook))) {
		throw new NodeOperationError(
			item.getNode(),
			"A Pruna node's postReceive hook must be made with readSuccess, which checks the answer's status",
			{ itemIndex: item.getItemIndex() },
		);
	}
	const settings = memoForItem<RoutedRequestSettings>(item, 'routedRequest', () => ({}));
	const postReceive = async (response: IN8nHttpFullResponse) => {
		let output: INodeExecutionData[] = [{ json: (response.body ?? {}) as IDataObject }];
		for (const action of actions as PostReceiveHook[]) {
			output = await action.call(item, output, response);
		}
		return output;
	};
	try {
		if (settings.knownAnswer) return await postReceive(settings.knownAnswer);
		const streamed = request.encoding === 'stream';
		const answer = await sendToPruna(item, request, {
			policy: settings.policy ?? { kind: 'transient' },
			onOutageTimeout: settings.onOutageTimeout,
			followRedirects: streamed,
			// A streamed body is read with its slot held; anything else is read after the slot is
			// free, since a postReceive hook (waiting for a prediction) may make requests of its own.
			read: streamed ? postReceive : undefined,
		});
		return answer.read ?? (await postReceive(answer.response));
	} catch (error) {
		throw settings.explainError ? settings.explainError(error) : error;
	}
}

/** One output item for the current input item, paired with it. */
export function outputItem(
	context: IExecuteSingleFunctions,
	item: Pick<INodeExecutionData, 'json' | 'binary'>,
): INodeExecutionData {
	return { ...item, pairedItem: { item: context.getItemIndex() } };
}
