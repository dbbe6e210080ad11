import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeParameters, INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import {
	findModel,
	isPrimaryField,
	prunaModels,
	taskNames,
} from '../nodes/shared/api/model-catalog';
import {
	chain,
	credentialsFor,
	expectNodeRaisedError,
	fastPolling,
	nodeType,
	prunaNode,
	sha256,
	suiteSimulator,
} from './fixtures';
import { getEngine } from './harness/engine';
import { workflow as n8nWorkflow, packageRoot } from './harness/n8n';
import type { BinaryMode } from './harness/run';
import { binaryModes, fileOf, readBinary, runWorkflow, storeBinary } from './harness/run';
import { makePng } from './simulator/png.ts';
import { PrunaSimulator } from './simulator/server.ts';

const simulator = suiteSimulator({ defaultPlan: { startingMs: 20, processingMs: 80 } });

function createNode(parameters: INodeParameters, extra = {}) {
	return prunaNode('Create', nodeType.create, parameters, extra);
}

const createRequests = () =>
	simulator.requests.filter(
		(request) => request.method === 'POST' && request.path === '/v1/predictions',
	);

/** The predictions the last run created, oldest first. */
const lastCreated = (count = 1) => [...simulator.predictions.values()].slice(-count);

async function runCreate(
	parameters: INodeParameters,
	input = [{ json: {} }],
	extra = {},
	binaryMode: BinaryMode = 'separate',
) {
	return await runWorkflow(chain(createNode(parameters, extra)), {
		credentials: credentialsFor(simulator),
		input,
		binaryMode,
	});
}

describe('Pruna Create Prediction: the request', () => {
	test('p-image: sends the Model header, the key, and exactly the fields the user set', async () => {
		const result = await runCreate({
			model: 'p-image',
			prompt: 'a lighthouse at dawn',
			inputOptions: { aspect_ratio: '1:1', seed: 42 },
		});

		expect(result.status).toBe('success');
		const [request] = createRequests();
		expect(request.headers.model).toBe('p-image');
		expect(request.headers.apikey).toBe(simulator.apiKey);
		expect(request.headers['try-sync']).toBeUndefined();
		// No defaults the user did not choose (prompt_upsampling, disable_safety_checker, ...).
		expect(request.json).toEqual({
			input: { prompt: 'a lighthouse at dawn', aspect_ratio: '1:1', seed: 42 },
		});

		const [item] = result.nodes.Create.items;
		const [{ id }] = lastCreated();
		expect(item.json).toEqual({
			id,
			model: 'p-image',
			status: 'starting',
			get_url: `${simulator.baseUrl}/v1/predictions/status/${id}`,
			input: { prompt: 'a lighthouse at dawn', aspect_ratio: '1:1', seed: 42 },
		});
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	test('values left over from another model are not sent: each model rejects fields it lacks', async () => {
		const result = await runCreate({
			model: 'p-image-edit',
			prompt: 'make it night',
			images: ['https://example.com/a.png', '  ', 'https://example.com/b.png'],
			// Left from p-image, chosen before switching models. n8n itself drops collection values the shown
			// collection lacks, and the node sends only fields the catalog gives the model: either suffices.
			inputOptions: { width: 512, prompt_upsampling: true, turbo: false },
		});

		expect(result.status).toBe('success');
		expect(createRequests()[0].json).toEqual({
			input: {
				prompt: 'make it night',
				images: ['https://example.com/a.png', 'https://example.com/b.png'],
				turbo: false,
			},
		});
	});

	test('a list field takes an expression that gives an array', async () => {
		const result = await runCreate(
			{
				model: 'p-image-try-on',
				person_image: '={{ $json.person }}',
				garment_images: ['={{ $json.garments }}'],
			},
			[
				{
					json: {
						person: 'https://example.com/p.png',
						garments: ['https://example.com/g1.png', 'https://example.com/g2.png'],
					},
				},
			],
		);

		expect(result.status).toBe('success');
		expect(createRequests()[0].json).toEqual({
			input: {
				person_image: 'https://example.com/p.png',
				garment_images: ['https://example.com/g1.png', 'https://example.com/g2.png'],
			},
		});
	});

	test('the Hugging Face token is sent to Pruna but left out of the output', async () => {
		const result = await runCreate({
			model: 'p-image-lora',
			prompt: 'a portrait',
			inputOptions: {
				lora_weights: 'https://huggingface.co/owner/style',
				hf_api_token: 'hf_secret_123',
			},
		});

		expect(result.status).toBe('success');
		expect(
			(createRequests()[0].json as { input: Record<string, unknown> }).input.hf_api_token,
		).toBe('hf_secret_123');
		const [item] = result.nodes.Create.items;
		expect(item.json.input).toEqual({
			prompt: 'a portrait',
			lora_weights: 'https://huggingface.co/owner/style',
		});
		expect(JSON.stringify(item.json)).not.toContain('hf_secret_123');
	});

	test('a custom model: the typed name and Additional Input, merged over the listed fields', async () => {
		simulator.defineModel({
			name: 'p-image-pro',
			task: 'textToImage',
			summary: 'a model newer than the catalog',
			requestsPerMinute: 100,
			fields: [
				{ name: 'prompt', type: 'string', required: true },
				{ name: 'resolution', type: 'choice', choices: ['1k', '2k'] },
			],
		});

		const result = await runCreate({
			model: 'custom',
			customModel: 'p-image-pro',
			additionalInput: '{ "prompt": "a red fox", "resolution": "2k" }',
			options: { waitUntilDone: true, ...fastPolling },
		});

		expect(result.status).toBe('success');
		const [request] = createRequests();
		expect(request.headers.model).toBe('p-image-pro');
		expect(request.json).toEqual({ input: { prompt: 'a red fox', resolution: '2k' } });
		expect(result.nodes.Create.items[0].json).toMatchObject({
			model: 'p-image-pro',
			status: 'succeeded',
		});
	});

	test('Additional Input that is not a JSON object fails the item before any request', async () => {
		const result = await runCreate({ model: 'p-image', prompt: 'x', additionalInput: '[1, 2]' });

		expect(result.status).toBe('error');
		expectNodeRaisedError(
			result.nodes.Create.error,
			'Additional Input is not a JSON object (item 0)',
		);
		expect(createRequests()).toHaveLength(0);
	});
});

describe('Pruna Create Prediction: every listed model', () => {
	/** A valid value for a field, so the smallest valid input of each model can be built. */
	function sampleValue(field: (typeof prunaModels)[number]['fields'][number]): unknown {
		switch (field.type) {
			case 'url':
				return 'https://example.com/input.png';
			case 'urlList':
				return ['https://example.com/input.png'];
			default:
				return 'a test prompt';
		}
	}

	test.each(prunaModels.map((model) => [model.name]))(
		'%s: its required inputs as parameters make a prediction Pruna accepts',
		async (modelName) => {
			const model = findModel(modelName)!;
			const parameters: INodeParameters = { model: modelName };
			for (const field of model.fields.filter(isPrimaryField)) {
				parameters[field.name] = sampleValue(field) as never;
			}

			const result = await runCreate(parameters);

			expect(result.nodes.Create.error).toBeUndefined();
			const [request] = createRequests();
			expect(request.status).toBe(201);
			expect(request.headers.model).toBe(modelName);
			expect(Object.keys((request.json as { input: object }).input).sort()).toEqual(
				model.fields
					.filter(isPrimaryField)
					.map((field) => field.name)
					.sort(),
			);
		},
	);
});

describe('Pruna Create Prediction: its parameters, as n8n shows them', () => {
	let description: INodeTypeDescription;
	beforeAll(async () => {
		const engine = await getEngine();
		description = engine.nodeTypes.getByNameAndVersion(nodeType.create, 1).description;
	});

	const shownFor = (model: string) =>
		n8nWorkflow.NodeHelpers.getNodeParameters(
			description.properties,
			{ model },
			true,
			false,
			null,
			null,
		) as INodeParameters;

	test('the model list has all 24 models, grouped by task, then Custom', () => {
		const options = description.properties.find((property) => property.name === 'model')!
			.options as Array<{ name: string; value: string }>;

		expect(options.map((option) => option.value).sort()).toEqual(
			[...prunaModels.map((model) => model.name), 'custom'].sort(),
		);
		expect(options).toHaveLength(25);
		expect(options[0]).toMatchObject({ name: 'Text to Image: p-image', value: 'p-image' });
		expect(options.find((option) => option.value === 'p-video')!.name).toBe('Video: p-video');
		expect(options[24].value).toBe('custom');
	});

	test("the README's model table lists every model with its task and rate limit", () => {
		const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
		const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		for (const model of prunaModels) {
			const cells = [taskNames[model.task], `\`${model.name}\``].map(escape);
			expect(readme).toMatch(
				new RegExp(
					`^\\| ${cells[0]} +\\| ${cells[1]} +\\|.*\\| +${model.requestsPerMinute} +\\|$`,
					'm',
				),
			);
		}
	});

	test.each(prunaModels.map((model) => [model.name]))(
		'%s: n8n shows its required inputs up front and the rest under Input Options, nothing else',
		(modelName) => {
			const model = findModel(modelName)!;
			const shown = shownFor(modelName);
			const primary = model.fields.filter(isPrimaryField).map((field) => field.name);

			// requestOptions: n8n's own (batching, proxy, timeout), added to every declarative node.
			expect(Object.keys(shown).sort()).toEqual(
				[
					'model',
					'additionalInput',
					'inputOptions',
					'options',
					'requestOptions',
					...primary,
				].sort(),
			);
			const inputOptions = description.properties.find(
				(property) =>
					property.name === 'inputOptions' &&
					(property.displayOptions?.show?.model as string[]).includes(modelName),
			)!;
			const optional = (inputOptions.options as INodeProperties[]).map((option) => option.name);
			expect(optional.sort()).toEqual(
				model.fields
					.filter((field) => !isPrimaryField(field))
					.map((field) => field.name)
					.sort(),
			);
		},
	);

	test('types, choices, ranges and defaults follow the model: p-image aspect_ratio and width', () => {
		const inputOptions = description.properties.find(
			(property) =>
				property.name === 'inputOptions' &&
				(property.displayOptions?.show?.model as string[]).includes('p-image'),
		)!.options as INodeProperties[];
		const aspectRatio = inputOptions.find((option) => option.name === 'aspect_ratio')!;
		const width = inputOptions.find((option) => option.name === 'width')!;

		expect(aspectRatio.type).toBe('options');
		expect(aspectRatio.default).toBe('16:9');
		expect((aspectRatio.options as Array<{ value: string }>).map((option) => option.value)).toEqual(
			['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', 'custom'],
		);
		expect(width).toMatchObject({
			type: 'number',
			typeOptions: { minValue: 256, maxValue: 1440, numberPrecision: 0 },
		});
	});
});

describe('Pruna Create Prediction: Try-Sync', () => {
	test('done in time: Pruna answers with the status and the file, no ID; nothing is polled', async () => {
		const result = await runCreate({
			model: 'p-image',
			prompt: 'a lighthouse',
			options: { trySync: true, downloadOutput: true },
		});

		expect(result.status).toBe('success');
		const [request] = createRequests();
		expect(request.headers['try-sync']).toBe('true');
		const [item] = result.nodes.Create.items;
		const [prediction] = lastCreated();
		const deliveryUrl = `${simulator.baseUrl}/v1/predictions/delivery/${prediction.deliveryPath}`;
		expect(item.json).toEqual({
			model: 'p-image',
			status: 'succeeded',
			generation_url: deliveryUrl,
			fileName: prediction.deliveryPath.split('/').pop(),
			mimeType: 'image/png',
			fileSize: simulator.contentBytes(prediction.deliveryPath).length,
		});
		expect(simulator.requestsTo('/v1/predictions/status/')).toHaveLength(0);
		expect(sha256(await readBinary(item.binary!.data))).toBe(
			sha256(simulator.contentBytes(prediction.deliveryPath)),
		);
	});

	describe('not done in time', () => {
		const slow = new PrunaSimulator({
			syncWaitMs: 100,
			defaultPlan: { startingMs: 50, processingMs: 400 },
		});
		beforeAll(async () => await slow.listen());
		afterAll(async () => await slow.close());

		test('Pruna gives the async answer; Wait Until Done polls it to the end', async () => {
			const result = await runWorkflow(
				chain(
					createNode({
						model: 'p-image',
						prompt: 'a slow lighthouse',
						options: { trySync: true, waitUntilDone: true, ...fastPolling },
					}),
				),
				{ credentials: credentialsFor(slow), input: [{ json: {} }] },
			);

			expect(result.status).toBe('success');
			const [id] = [...slow.predictions.keys()];
			expect(result.nodes.Create.items[0].json).toMatchObject({
				id,
				model: 'p-image',
				status: 'succeeded',
				generation_url: `${slow.baseUrl}/v1/predictions/delivery/${slow.deliveryPathOf(id)}`,
			});
			expect(slow.requestsTo(`/v1/predictions/status/${id}`).length).toBeGreaterThanOrEqual(1);
		});
	});
});

describe.each(binaryModes)(
	'Pruna Create Prediction: from prompt to file in one node (binary mode %s)',
	(binaryMode) => {
		test('p-video: waits for the video and outputs it as binary, with its MIME type and size', async () => {
			const result = await runCreate(
				{
					model: 'p-video',
					prompt: 'waves on a beach',
					inputOptions: { duration: 5, resolution: '1080p' },
					options: { downloadOutput: true, binaryPropertyName: 'video', ...fastPolling },
				},
				undefined,
				undefined,
				binaryMode,
			);

			expect(result.status).toBe('success');
			const [{ id }] = lastCreated();
			const path = simulator.deliveryPathOf(id);
			const [item] = result.nodes.Create.items;
			expect(item.json).toMatchObject({
				id,
				model: 'p-video',
				status: 'succeeded',
				mimeType: 'video/mp4',
				fileSize: 256 * 1024,
			});
			expect(fileOf(item, 'video', binaryMode)).toMatchObject({
				mimeType: 'video/mp4',
				fileName: path.split('/').pop(),
			});
			expect(sha256(await readBinary(fileOf(item, 'video', binaryMode)))).toBe(
				sha256(simulator.contentBytes(path)),
			);
			expect(createRequests()[0].json).toEqual({
				input: { prompt: 'waves on a beach', duration: 5, resolution: '1080p' },
			});
		});

		test('p-image-edit on an uploaded image: Upload File, then images = the upload URL, to a file', async () => {
			const png = makePng(32, 32, 7);
			const binary = await storeBinary(png, { fileName: 'photo.png', mimeType: 'image/png' });

			const result = await runWorkflow(
				chain(
					prunaNode('Upload', nodeType.upload, { binaryPropertyName: 'data' }),
					createNode({
						model: 'p-image-edit',
						prompt: 'turn day into night',
						images: ['={{ $json.url }}'],
						options: { downloadOutput: true, fileName: 'night.png', ...fastPolling },
					}),
				),
				{
					credentials: credentialsFor(simulator),
					input: [{ json: {}, binary: { data: binary } }],
					binaryMode,
				},
			);

			expect(result.status).toBe('success');
			const [file] = [...simulator.files.values()].slice(-1);
			expect(file.sha256).toBe(sha256(png));
			expect(createRequests()[0].json).toEqual({
				input: {
					prompt: 'turn day into night',
					images: [`${simulator.baseUrl}/v1/files/${file.id}`],
				},
			});
			const [item] = result.nodes.Create.items;
			expect(item.json).toMatchObject({
				model: 'p-image-edit',
				status: 'succeeded',
				fileName: 'night.png',
			});
			expect(fileOf(item, 'data', binaryMode).mimeType).toBe('image/png');
		});

		test('a failed prediction ends as an error naming it; with Continue On Fail the other items go on', async () => {
			simulator.defaultPlan = {
				processingMs: 50,
				outcome: 'failed',
				error: 'NSFW content detected',
			};

			const result = await runCreate(
				{
					model: 'p-image',
					prompt: '={{ $json.prompt }}',
					options: { downloadOutput: true, ...fastPolling },
				},
				[{ json: { prompt: 'one' } }, { json: { prompt: 'two' } }],
				{ onError: 'continueRegularOutput' },
				binaryMode,
			);

			expect(result.status).toBe('success');
			const ids = lastCreated(2).map((prediction) => prediction.id);
			const items = result.nodes.Create.items;
			expect(items).toHaveLength(2);
			const namedIds = items.map((item) => {
				const match = /^Prediction (\S+) failed: NSFW content detected$/.exec(
					String(item.json.error),
				);
				expect(match).not.toBeNull();
				return match![1];
			});
			expect(namedIds.sort()).toEqual(ids.sort());
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(simulator.requestsTo('/v1/predictions/delivery/')).toHaveLength(0);
		});
	},
);

describe('Pruna Create Prediction: errors and retries', () => {
	test('422: the error names each field Pruna refused', async () => {
		const before = simulator.predictions.size;
		// Fields the catalog does not list pass the node's own check; Pruna refuses them.
		const result = await runCreate({
			model: 'p-image',
			prompt: 'x',
			additionalInput: '{ "colour": "red", "mood": "calm" }',
		});

		expect(result.status).toBe('error');
		const error = result.nodes.Create.error as {
			message: string;
			description?: string;
			httpCode?: string;
		};
		expect(error.httpCode).toBe('422');
		expect(error.message).toBe(
			'Create prediction with p-image: Pruna rejected the input. (input.colour: Extra inputs are not permitted; input.mood: Extra inputs are not permitted)',
		);
		expect(error.description).toBe(
			'input.colour: Extra inputs are not permitted\ninput.mood: Extra inputs are not permitted',
		);
		expect(simulator.predictions.size).toBe(before);
	});

	test('inputs the catalog can check fail before anything is sent, naming every field', async () => {
		const result = await runCreate({
			model: 'p-image',
			prompt: 'x',
			inputOptions: { width: 100, height: 4000 },
			additionalInput: '{ "aspect_ratio": "5:4" }',
		});

		expect(result.status).toBe('error');
		const error = result.nodes.Create.error as { message: string; description?: string };
		expect(error.message).toMatch(
			/^Create prediction with p-image: the input is not valid for this model \(item 0\): /,
		);
		expect(error.description).toMatch(/^Nothing was sent to Pruna\. Correct these fields:\n/);
		expect(error.description).toContain('width: 100 is below the minimum 256');
		expect(error.description).toContain('height: 4000 is above the maximum');
		expect(error.description).toMatch(/aspect_ratio: "5:4" is not one of 1:1, /);
		expect(simulator.requestsTo('/v1/predictions')).toHaveLength(0);
	});

	test("the check's error says how to send anyway: Options → Check Inputs Before Sending", async () => {
		const result = await runCreate({
			model: 'p-image-upscale',
			image: 'https://example.com/photo.png',
			inputOptions: { target: 16 },
		});

		expect(result.status).toBe('error');
		const error = result.nodes.Create.error as { message: string; description?: string };
		expect(error.message).toBe(
			'Create prediction with p-image-upscale: the input is not valid for this model (item 0): target: 16 is above the maximum 8. If Pruna accepts this value now, turn off Options → Check Inputs Before Sending',
		);
		expect(error.description).toContain("checked against the package's model catalog");
		expect(simulator.requestsTo('/v1/predictions')).toHaveLength(0);
	});

	test('with Check Inputs Before Sending off, nothing is checked locally: the values reach Pruna, which decides', async () => {
		const result = await runCreate({
			model: 'p-image-upscale',
			image: 'https://example.com/photo.png',
			inputOptions: { target: 16 },
			additionalInput: '{ "output_format": "avif" }',
			options: { checkInputs: false },
		});

		const [request] = createRequests();
		expect(request.json).toEqual({
			input: { image: 'https://example.com/photo.png', target: 16, output_format: 'avif' },
		});
		// The simulator knows Pruna's 0.5.3 ranges: its 422 is what the user sees.
		expect(request.status).toBe(422);
		expect(result.status).toBe('error');
		expect(String(result.nodes.Create.error?.message)).toMatch(
			/^Create prediction with p-image-upscale: Pruna rejected the input\..*input\.target/,
		);
	});

	test('an invalid item fails alone: the valid ones are created, and with Continue On Fail it is an error item', async () => {
		const result = await runWorkflow(
			chain(
				prunaNode(
					'Create',
					nodeType.create,
					{
						model: 'p-image',
						prompt: '={{ $json.prompt }}',
						inputOptions: { width: '={{ $json.width }}' },
					},
					{ onError: 'continueRegularOutput' },
				),
			),
			{
				credentials: credentialsFor(simulator),
				input: [
					{ json: { prompt: 'a', width: 512 } },
					{ json: { prompt: 'b', width: 100 } },
					{ json: { prompt: 'c', width: 768 } },
				],
			},
		);

		const items = result.nodes.Create.items;
		expect(items.map((item) => item.json.status ?? 'error')).toEqual([
			'starting',
			'error',
			'starting',
		]);
		expect(String(items[1].json.error)).toBe(
			'Create prediction with p-image: the input is not valid for this model (item 1): width: 100 is below the minimum 256. If Pruna accepts this value now, turn off Options → Check Inputs Before Sending',
		);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const creates = simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST');
		expect(
			creates.map((request) => (request.json as { input: { width: number } }).input.width),
		).toEqual(expect.arrayContaining([512, 768]));
		expect(creates).toHaveLength(2);
	});

	test('429: sent again after RateLimit-Reset, once, and the prediction is created', async () => {
		simulator.injectFault({
			method: 'POST',
			path: '/v1/predictions',
			times: 1,
			fault: { kind: 'status', status: 429, headers: { 'RateLimit-Reset': '1' } },
		});

		const before = simulator.predictions.size;
		const startedAt = Date.now();
		const result = await runCreate({ model: 'p-image', prompt: 'patience' });

		expect(result.status).toBe('success');
		expect(createRequests().map((request) => request.status)).toEqual([429, 201]);
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
		expect(simulator.predictions.size).toBe(before + 1);
	});

	test.each([
		[
			'a 503',
			{ kind: 'status', status: 503 } as const,
			/^Create prediction with p-image: Pruna is unavailable/,
		],
		['a connection reset', { kind: 'reset' } as const, /connection to the server was closed/],
	])(
		'%s is never repeated: the create call may have started a paid job',
		async (_name, fault, message) => {
			simulator.injectFault({ method: 'POST', path: '/v1/predictions', times: 1, fault });

			const result = await runCreate({ model: 'p-image', prompt: 'once only' });

			expect(result.status).toBe('error');
			expect((result.nodes.Create.error as { message: string }).message).toMatch(message);
			expect(createRequests()).toHaveLength(1);
		},
	);
});
