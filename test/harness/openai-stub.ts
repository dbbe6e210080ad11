/**
 * A stand-in for OpenAI's chat completions API on 127.0.0.1, for n8n's AI Agent in the end-to-end
 * suite: the first call of a conversation answers with a call of the first tool offered (arguments
 * chosen by the test), the next with plain text. Every request is kept, so a test can read the
 * tools the model was offered and the tool result it got back.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
	model?: string;
	messages: Array<{ role: string; content?: unknown; tool_calls?: unknown }>;
	tools?: Array<{
		type: string;
		function: { name: string; description?: string; parameters?: Record<string, unknown> };
	}>;
}

export interface OpenAiStub {
	url: string;
	requests: ChatRequest[];
	/** The arguments of the tool call the model makes. */
	toolArguments: Record<string, unknown>;
	close(): Promise<void>;
}

export async function startOpenAiStub(
	toolArguments: Record<string, unknown> = {},
): Promise<OpenAiStub> {
	const stub: OpenAiStub = {
		url: '',
		requests: [],
		toolArguments,
		close: async () => {},
	};
	let calls = 0;
	const server = createServer((request, response) => {
		let body = '';
		request.on('data', (chunk: Buffer) => (body += chunk.toString()));
		request.on('end', () => {
			if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
				response.writeHead(404, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { message: `no route ${request.url}` } }));
				return;
			}
			const chat = JSON.parse(body) as ChatRequest;
			stub.requests.push(chat);
			const answeredTool = chat.messages.some((message) => message.role === 'tool');
			const tool = chat.tools?.[0]?.function.name;
			const message =
				!answeredTool && tool
					? {
							role: 'assistant',
							content: null,
							tool_calls: [
								{
									id: `call_${++calls}`,
									type: 'function',
									function: { name: tool, arguments: JSON.stringify(stub.toolArguments) },
								},
							],
						}
					: { role: 'assistant', content: 'Done: the tool answered.' };
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end(
				JSON.stringify({
					id: `chatcmpl-${calls}`,
					object: 'chat.completion',
					created: Math.floor(Date.now() / 1000),
					model: chat.model ?? 'stub',
					choices: [
						{
							index: 0,
							message,
							finish_reason: message.content === null ? 'tool_calls' : 'stop',
						},
					],
					usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
				}),
			);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	stub.close = async () => await new Promise<void>((resolve) => server.close(() => resolve()));
	return stub;
}
