/**
 * n8n gives a declarative node's preSend and postReceive hooks the same context object for an item,
 * but not the request. What preSend worked out (the parsed input, the base URL) is kept here for
 * postReceive, so each expression is evaluated and the credential read once per item.
 */
const memos = new WeakMap<object, Map<string, unknown>>();

export function memoForItem<T>(context: object, key: string, compute: () => T): T {
	let memo = memos.get(context);
	if (!memo) memos.set(context, (memo = new Map()));
	if (!memo.has(key)) memo.set(key, compute());
	return memo.get(key) as T;
}
