/**
 * The Pruna nodes as tools of n8n's AI Agent, in real n8n 2.41.1 (`n8n execute`): the agent's chat
 * model is OpenAI's node pointed at a stub of ours on 127.0.0.1, which calls the first tool it is
 * offered. Checked: what the model is offered (name, description, schema), that the call reaches
 * Pruna (the simulator), what the model gets back, and that a Pruna error reaches it as a message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { OpenAiStub } from '../harness/openai-stub.ts';
import { startOpenAiStub } from '../harness/openai-stub.ts';
import type { N8nInstance } from '../harness/real-n8n.ts';
import {
	callWebhook,
	examplesCredential,
	executeWorkflow,
	importCredential,
	importPrunaCredential,
	importWorkflows,
	prepareN8n,
	publishWorkflow,
	startN8n,
} from '../harness/real-n8n.ts';
import { PrunaSimulator } from '../simulator/server.ts';

const simulator = new PrunaSimulator({ defaultPlan: { startingMs: 50, processingMs: 200 } });
const workFolder = mkdtempSync(join(tmpdir(), 'pruna-agent-'));
const openAiCredential = { id: 'openai-stub', name: 'OpenAI (stub)' };
let n8n: N8nInstance;
let stub: OpenAiStub;

const manualTrigger = {
	id: 'trigger',
	name: 'Start',
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** A trigger (Manual by default) → AI Agent, with the stub's chat model and one Pruna tool. */
function agentWorkflow(
	toolType: string,
	toolParameters: Record<string, unknown>,
	trigger: object = manualTrigger,
) {
	return {
		name: `agent with ${toolType}`,
		nodes: [
			trigger,
			{
				id: 'agent',
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 3.1,
				position: [200, 0],
				parameters: { promptType: 'define', text: 'Make me a picture of a red fox.', options: {} },
			},
			{
				id: 'model',
				name: 'Chat Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.2,
				position: [200, 200],
				parameters: { model: { __rl: true, mode: 'id', value: 'stub-model' }, options: {} },
				credentials: { openAiApi: openAiCredential },
			},
			{
				id: 'tool',
				name: 'Pruna Create Prediction',
				type: toolType,
				typeVersion: 1,
				position: [400, 200],
				parameters: toolParameters,
				credentials: { prunaApi: examplesCredential },
			},
		],
		connections: {
			Start: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'Chat Model': {
				ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
			},
			'Pruna Create Prediction': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

const createTool = 'n8n-nodes-pruna.prunaCreatePredictionTool';
const promptFromAi = "={{ $fromAI('prompt', 'What the picture shows', 'string') }}";

beforeAll(async () => {
	await simulator.listen();
	stub = await startOpenAiStub({ prompt: 'a red fox in the snow' });
	n8n = await prepareN8n(join(workFolder, 'n8n'));
	await importPrunaCredential(n8n, simulator);
	await importCredential(n8n, {
		...openAiCredential,
		type: 'openAiApi',
		data: { apiKey: 'sk-stub-not-a-key', url: stub.url },
	});
	await importWorkflows(n8n, [
		{
			id: 'agentCreatePng01',
			workflow: agentWorkflow(createTool, {
				model: 'p-image',
				prompt: promptFromAi,
				options: { downloadOutput: true },
			}),
		},
		{
			id: 'agentWebhookPng1',
			workflow: agentWorkflow(
				createTool,
				{ model: 'p-image', prompt: promptFromAi, options: { downloadOutput: true } },
				{
					id: 'trigger',
					name: 'Start',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					webhookId: '3f0c2a8e-5b1d-4c6e-9a7f-2d4b6c8e0a13',
					position: [0, 0],
					parameters: {
						httpMethod: 'POST',
						path: 'agent-picture',
						responseMode: 'lastNode',
						options: {},
					},
				},
			),
		},
		{
			id: 'agentCreateWait1',
			workflow: agentWorkflow(createTool, { model: 'p-image', prompt: promptFromAi }),
		},
		{
			id: 'agentCreate42201',
			workflow: agentWorkflow(createTool, {
				model: 'p-image',
				prompt: promptFromAi,
				additionalInput: '{ "colour": "red" }',
			}),
		},
	]);
	await publishWorkflow(n8n, 'agentWebhookPng1');
});

afterAll(async () => {
	await simulator.close();
	await stub.close();
	rmSync(workFolder, { recursive: true, force: true });
});

beforeEach(() => {
	simulator.reset();
	stub.requests.length = 0;
});

/** The tool result the model got back, parsed from the conversation's `tool` message. */
function toolResult(): unknown {
	const followUp = stub.requests.find((request) =>
		request.messages.some((message) => message.role === 'tool'),
	);
	const message = followUp?.messages.find((each) => each.role === 'tool');
	expect(message).toBeDefined();
	return JSON.parse(String(message!.content));
}

test('the agent is offered the tool with a description naming the model, and gets a link it can open', async () => {
	const { result, execution } = await executeWorkflow(n8n, 'agentCreatePng01');
	expect(execution?.status).toBe('success');

	const offered = stub.requests[0].tools ?? [];
	expect(offered.map((tool) => tool.function.name)).toEqual(['Pruna_Create_Prediction']);
	const { description, parameters } = offered[0].function;
	expect(description).toMatch(/^Generates an image with the Pruna model p-image\. /);
	expect(description).toContain('fileUrl');
	expect(parameters).toMatchObject({
		type: 'object',
		properties: { prompt: { type: 'string', description: 'What the picture shows' } },
		required: ['prompt'],
	});

	// The call reached Pruna with the model's argument.
	const creates = simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST');
	expect(creates).toHaveLength(1);
	expect(creates[0].json).toEqual({ input: { prompt: 'a red fox in the snow' } });
	// A tool waits, and p-image is an image model: Pruna answered with the result (Try-Sync).
	expect(creates[0].headers['try-sync']).toBe('true');

	// What the model got: the finished prediction and a signed link to the stored file.
	const [output] = toolResult() as Array<Record<string, unknown>>;
	expect(output).toMatchObject({
		status: 'succeeded',
		model: 'p-image',
		mimeType: 'image/png',
	});
	expect(String(output.fileUrl)).toMatch(
		/\/rest\/binary-data\/signed\?token=[\w-]+\.[\w-]+\.[\w-]+$/,
	);
	expect(result.code).toBe(0);
});

test('as a tool, Create Prediction waits by default, and says the generation URL needs the key', async () => {
	const { execution } = await executeWorkflow(n8n, 'agentCreateWait1');
	expect(execution?.status).toBe('success');

	const [output] = toolResult() as Array<Record<string, unknown>>;
	expect(output).toMatchObject({ status: 'succeeded', model: 'p-image' });
	expect(String(output.generation_url)).toContain('/v1/predictions/delivery/');
	expect(output.note).toBe(
		'generation_url needs the Pruna API key to open. Turn on Download Output for a link a person can open.',
	);
	// It waited with Try-Sync (an image model): the answer carried the result, no status check.
	const creates = simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST');
	expect(creates.map((request) => request.headers['try-sync'])).toEqual(['true']);
	expect(simulator.requestsTo('/v1/predictions/status/')).toHaveLength(0);
});

test('a Pruna error reaches the model as a message it can act on', async () => {
	const { execution } = await executeWorkflow(n8n, 'agentCreate42201');
	expect(execution?.status).toBe('success');

	const output = toolResult();
	expect(JSON.stringify(output)).toContain(
		'Create prediction with p-image: Pruna rejected the input. (input.colour: Extra inputs are not permitted)',
	);
	expect(simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST')).toHaveLength(
		1,
	);
	expect(stub.requests).toHaveLength(2);
});

test('the link the agent gets opens the stored file in a running n8n, without a key or a login', async () => {
	const running = await startN8n(n8n);
	try {
		const answer = await callWebhook(n8n, 'agent-picture');
		expect(answer.status).toBe(200);

		const [output] = toolResult() as Array<Record<string, unknown>>;
		const link = String(output.fileUrl);
		expect(link.startsWith(`${n8n.url}/rest/binary-data/signed?token=`)).toBe(true);
		const file = await fetch(link);
		expect(file.status).toBe(200);
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		expect(
			Buffer.from(await file.arrayBuffer()).equals(simulator.contentBytes(prediction.deliveryPath)),
		).toBe(true);
		// The token is what opens it.
		const forged = await fetch(link.replace(/token=.*/, 'token=not-a-token'));
		expect(forged.status).not.toBe(200);
	} finally {
		await running.stop();
	}
}, 120_000);
