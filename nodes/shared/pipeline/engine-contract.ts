import type {
	DeclarativeRestApiSettings,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	PostReceiveAction,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { unsentRoutedRequestUrl } from '../api/urls';

/**
 * What the pipeline takes from n8n's declarative engine that n8n does not promise, checked before
 * anything is sent. n8n 1.x and 2.x (RoutingNode's `makeRequest`) run a routed property's preSend
 * hooks with the item's context, then, for `paginate: true`, call `requestOperations.pagination`
 * with a context made from the item's (`Object.create`) and the request data: `options` (the
 * request preSend returned) and `postReceive` (steps, each with its `actions`). A future n8n may do
 * any of it another way; then a create could be sent twice (an earlier try's prediction, kept for
 * the item's context, forgotten) or sent by n8n's own client without the pipeline. So when one of
 * these does not hold, nothing is sent and the item fails with `unsupportedEngine`.
 */

/** The URL each item's routed request preSend prepared, by the item's context. */
const preparedUrls = new WeakMap<object, string>();

/**
 * The last preSend hook of every routed request: keeps its URL for the item and puts in its place
 * one that no HTTP client can send (no such protocol). The send step puts the URL back; a request
 * n8n sends itself, without the send step, cannot reach anything, and the credential refuses it
 * with a clear error first (`refuseUnsentRoutedRequest`).
 */
export async function sealForPipeline(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	preparedUrls.set(this, String(requestOptions.url ?? ''));
	const sealed = { ...requestOptions };
	sealed.url = unsentRoutedRequestUrl;
	return sealed;
}

/** An error that says this n8n is not one the package supports, and that nothing was sent. */
export function unsupportedEngine(
	context: Pick<IExecuteSingleFunctions, 'getNode'>,
	itemIndex: number | undefined,
	whatDiffers: string,
): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		`This version of n8n-nodes-pruna does not support the installed n8n: ${whatDiffers}. Nothing was sent to Pruna.`,
		{
			itemIndex,
			description:
				"n8n does not tell a node its version; the editor shows it under Help → About n8n. Install a version of n8n-nodes-pruna whose Compatibility table lists that n8n (https://www.npmjs.com/package/n8n-nodes-pruna#compatibility), or report it to the package's maintainers with the n8n version.",
		},
	);
}

/** The routed request of one item, as the send step may use it. */
export interface CheckedRoutedRequest {
	/** The item's own context: the one its preSend hooks had, which keys what they kept. */
	item: IExecuteSingleFunctions;
	/** The request preSend prepared, with its own URL back in place. */
	request: IHttpRequestOptions;
	postReceive: PostReceiveAction[];
}

/**
 * Checks what n8n handed the send step (`requestOperations.pagination`), before anything is sent,
 * and returns the item's context and request; throws `unsupportedEngine` when n8n built either
 * another way.
 */
export function checkRoutedRequest(
	sendContext: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): CheckedRoutedRequest {
	if (typeof sendContext?.getNode !== 'function') {
		// No node to name in an error: the bare message is all n8n will show.
		throw new Error(
			'This version of n8n-nodes-pruna does not support the installed n8n: the send step got no node context. Nothing was sent to Pruna.',
		);
	}
	// The item's context is the send context's prototype (n8n 1.x, 2.x) or, should n8n pass it
	// as it is, the send context itself: either way the object preSend had. Any other object would
	// read the item's settings as empty (an earlier try's prediction forgotten: a second create).
	const item = [sendContext, Object.getPrototypeOf(sendContext) as unknown].find(
		(candidate): candidate is IExecuteSingleFunctions =>
			typeof candidate === 'object' && candidate !== null && preparedUrls.has(candidate),
	);
	const itemIndex = (item ?? sendContext).getItemIndex?.();
	if (!item) {
		throw unsupportedEngine(
			sendContext,
			itemIndex,
			"the send step's context is not the one the item's preSend hooks had",
		);
	}
	// The request must be the one preSend returned (it carries the sealed URL), else what preSend
	// added (the model and input, the upload's body) would be missing from what is sent.
	const options = requestData?.options as IHttpRequestOptions | undefined;
	if (typeof options !== 'object' || options === null || options.url !== unsentRoutedRequestUrl) {
		throw unsupportedEngine(
			item,
			itemIndex,
			'the request n8n handed the send step is not the one the preSend hooks returned',
		);
	}
	// The node's postReceive hooks read the answer; the send step runs them itself, so their list
	// must be there to run before the request is sent, not found missing after.
	const steps = requestData.postReceive as unknown;
	if (
		!Array.isArray(steps) ||
		!steps.every((step: { actions?: unknown }) => Array.isArray(step?.actions))
	) {
		throw unsupportedEngine(
			item,
			itemIndex,
			"routing's postReceive steps reached the send step in another shape",
		);
	}
	return {
		item,
		request: { ...options, url: preparedUrls.get(item) ?? '' },
		postReceive: requestData.postReceive.flatMap((step) => step.actions),
	};
}
