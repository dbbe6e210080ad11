/**
 * A catalog refresh, end to end: `npm run catalog` on a document that adds models, removes some and
 * widens a range (`test/catalog/openapi-fixture.yml`), written into a copy of the package, which is
 * then built and loaded in n8n's engine in place of the committed Create Prediction node. The
 * committed catalog is never touched. The simulator serves the models as the new document defines
 * them, as Pruna would once it publishes that document.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
	INode,
	INodeParameters,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import type { PrunaModel } from '../nodes/shared/api/model-catalog';
import { chain, credentialsFor, nodeType, prunaNode, suiteSimulator } from './fixtures';
import { addNodeTypes, getEngine } from './harness/engine';
import { core, packageRoot } from './harness/n8n';
import { runWorkflow } from './harness/run';

const simulator = suiteSimulator({ defaultPlan: { startingMs: 10, processingMs: 20 } });
// An API whose answers carry no RateLimit-* headers, and that would take 10 creates of the new model:
// the node has only the document's 2 a minute to pace by. Its own base URL, so its own quota.
const headerless = suiteSimulator({
	rateLimitHeaders: false,
	modelRateLimits: { 'sketch-fast': 10 },
	defaultPlan: { startingMs: 10, processingMs: 20 },
});

const fixture = join(packageRoot, 'test', 'catalog', 'openapi-fixture.yml');
const copyRoot = mkdtempSync(join(tmpdir(), 'n8n-nodes-pruna-catalog-'));
const generatedFile = join(copyRoot, 'nodes', 'shared', 'api', 'models.generated.ts');
const summaryFile = join(copyRoot, 'refresh-summary.md');
afterAll(() => rmSync(copyRoot, { recursive: true, force: true }));

function runNode(script: string, args: string[]): { stdout: string; stderr: string } {
	const result = spawnSync(
		process.execPath,
		['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', script, ...args],
		{ cwd: packageRoot, encoding: 'utf8' },
	);
	if (result.status !== 0) {
		throw new Error(`${script} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
	}
	return { stdout: result.stdout, stderr: result.stderr };
}

const generate = (...options: string[]) =>
	runNode(join(packageRoot, 'scripts', 'catalog.ts'), [fixture, '--out', generatedFile, ...options])
		.stdout;

let firstRun = '';
let secondRun = '';
let firstText = '';
let refreshed: INodeTypeDescription;
let refreshedModels: (name: string) => PrunaModel;

beforeAll(async () => {
	for (const part of ['nodes', 'credentials', 'icons', 'package.json', 'tsconfig.json']) {
		cpSync(join(packageRoot, part), join(copyRoot, part), { recursive: true });
	}
	symlinkSync(join(packageRoot, 'node_modules'), join(copyRoot, 'node_modules'), 'dir');

	firstRun = generate('--summary', summaryFile);
	firstText = readFileSync(generatedFile, 'utf8');
	secondRun = generate();
	runNode(require.resolve('typescript/bin/tsc'), ['-p', join(copyRoot, 'tsconfig.json')]);

	await getEngine(); // first: it sets up n8n's environment (quiet logs) before any loader runs
	const loader = new core.PackageDirectoryLoader(copyRoot);
	await loader.loadAll();
	const createType = loader.nodeTypes.prunaCreatePrediction.type as INodeType;
	refreshed = createType.description;
	await addNodeTypes({ [nodeType.create]: createType });

	// The simulator follows the new document, as Pruna would.
	const catalog = require(join(copyRoot, 'dist', 'nodes', 'shared', 'api', 'model-catalog.js')) as {
		findModel: (name: string) => PrunaModel | undefined;
	};
	refreshedModels = (name) => catalog.findModel(name) as PrunaModel;
	for (const name of ['sketch-fast', 'p-image-upscale']) {
		simulator.defineModel(refreshedModels(name));
		headerless.defineModel(refreshedModels(name));
	}
}, 300_000);

const property = (name: string, model: string): INodeProperties | undefined =>
	refreshed.properties.find(
		(candidate) =>
			candidate.name === name &&
			(candidate.displayOptions?.show?.model as string[] | undefined)?.includes(model),
	);

const inputOption = (model: string, field: string) =>
	(property('inputOptions', model)?.options as INodeProperties[]).find(
		(option) => option.name === field,
	);

/** Runs the refreshed Create Prediction node once over `input`. */
const runCreate = (
	parameters: INodeParameters,
	input = [{ json: {} }],
	api = simulator,
	extra: Partial<INode> = {},
) =>
	runWorkflow(chain(prunaNode('Create', nodeType.create, parameters, extra)), {
		credentials: credentialsFor(api),
		input,
	});

const creates = () => simulator.requestsTo('/v1/predictions').filter((r) => r.method === 'POST');

describe('npm run catalog on a new document', () => {
	test('prints what it wrote and, last, the names that need words; a second run changes no byte', () => {
		expect(firstRun).toMatch(
			/models\.generated\.ts: 5 models from "Test API" 9\.1\.0, rewritten\n/,
		);
		expect(firstRun).toContain(
			'clip-maker: no rate limit in the document; the lowest published, 2 a minute',
		);
		expect(firstRun).toMatch(
			/Fields without a description in model-notes\.ts \(fieldDescriptions\) \(9\):\n  caption\n  loop_count\n  outline\n  palette\n  passes\n  reference_images\n  sketch_url\n  tags\n  weights\n/,
		);
		expect(secondRun).toContain('9.1.0, unchanged');
		// Byte for byte the catalog committed for this document: a change of the generator's output
		// shows in review. After an intended one: npm run catalog -- test/catalog/openapi-fixture.yml
		// --out test/catalog/openapi-fixture.catalog.txt
		expect(firstText).toBe(
			readFileSync(join(packageRoot, 'test', 'catalog', 'openapi-fixture.catalog.txt'), 'utf8'),
		);
		expect(readFileSync(generatedFile, 'utf8')).toBe(firstText);
		expect(firstText).toContain("export const catalogSourceVersion = '9.1.0';");
	});

	test('its output is already as prettier formats it with the repository config', () => {
		const check = spawnSync(
			process.execPath,
			[
				require.resolve('prettier/bin/prettier.cjs'),
				'--config',
				join(packageRoot, '.prettierrc.js'),
				'--check',
				generatedFile,
			],
			{ encoding: 'utf8' },
		);
		expect(check.stderr).toBe('');
		expect(check.status).toBe(0);
	});

	test('the summary for the pull request names what was added, removed and changed', () => {
		const summary = readFileSync(summaryFile, 'utf8');
		expect(summary).toContain('version 0.5.3 → 9.1.0');
		expect(summary).toMatch(/### Models added\n\n- `sketch-fast` \(textToImage, 2 a minute\)/);
		expect(summary).toMatch(/### Models removed\n\n(- `[^`]+`\n)*- `p-image-edit`\n/);
		expect(summary).toContain(
			'- `p-image-upscale`: field `target` {"type":"integer","default":4,"min":1,"max":8} → {"type":"integer","default":4,"min":1,"max":32}',
		);
		expect(summary).toContain('- model `sketch-fast` (modelSummaries)');
	});
});

describe('the Create Prediction node built from it', () => {
	test('offers the new models by task, no longer the removed ones, and still Custom Model', () => {
		const models = refreshed.properties.find((candidate) => candidate.name === 'model')
			?.options as INodePropertyOptions[];
		expect(models.map((option) => option.value)).toEqual([
			'p-image',
			'sketch-fast',
			'p-image-upscale',
			'clip-maker',
			'style-trainer',
			'custom',
		]);
		expect(models.map((option) => option.name)).toContain('Text to Image: sketch-fast');
		expect(models.map((option) => option.name)).toContain('LoRA Training: style-trainer');
		// A model without words in the notes gets a summary from its facts.
		expect(models.find((option) => option.value === 'sketch-fast')?.description).toBe(
			'Text to Image model; needs palette, prompt',
		);
	});

	test("the new model's fields: required ones up front, the others under Input Options, with choices, defaults and ranges", () => {
		expect(property('palette', 'sketch-fast')).toMatchObject({
			type: 'options',
			required: true,
			default: 'warm',
			options: [
				{ name: 'warm', value: 'warm' },
				{ name: 'cold', value: 'cold' },
				{ name: 'mono', value: 'mono' },
			],
		});
		expect(property('prompt', 'sketch-fast')).toMatchObject({ type: 'string', required: true });
		expect(property('reference_images', 'sketch-fast')).toMatchObject({
			type: 'string',
			required: true,
			typeOptions: { multipleValues: true },
		});
		expect(inputOption('sketch-fast', 'passes')).toMatchObject({
			type: 'number',
			default: 16,
			typeOptions: { minValue: 4, maxValue: 64, numberPrecision: 0 },
			description: 'A whole number from 4 to 64, a multiple of 4; default 16',
		});
		expect(inputOption('sketch-fast', 'outline')).toMatchObject({ type: 'boolean', default: true });
		expect(inputOption('sketch-fast', 'hf_api_token')).toMatchObject({
			typeOptions: { password: true },
		});
		expect(inputOption('sketch-fast', 'layout')).toBeUndefined();
		// A kept model keeps its parameter's name and place: saved workflows still fill it.
		expect(property('prompt', 'p-image')).toMatchObject({ type: 'string', required: true });
		expect(property('prompt', 'p-image-edit')).toBeUndefined();
	});

	test("paces the new model by its published rate limit when Pruna's answers say none: 2 a minute, though the API would take 10", async () => {
		const result = await runCreate(
			{
				model: 'sketch-fast',
				prompt: '={{ $json.prompt }}',
				palette: 'warm',
				reference_images: ['https://example.com/a.png'],
				options: { rateLimitWaitSeconds: 5 },
			},
			[{ json: { prompt: 'a' } }, { json: { prompt: 'b' } }, { json: { prompt: 'c' } }],
			headerless,
			{ onError: 'continueRegularOutput' },
		);

		expect(result.status).toBe('success');
		const sent = headerless.requestsTo('/v1/predictions').filter((r) => r.method === 'POST');
		expect(sent.map((request) => request.status)).toEqual([201, 201]);
		// The third would wait for the minute to end, beyond its Rate Limit Wait: it fails at once,
		// unsent. A node that did not know the limit would have sent all three.
		const errors = result.nodes.Create.items
			.map((item) => item.json.error)
			.filter((error) => error !== undefined);
		expect(errors).toHaveLength(1);
		expect(String(errors[0])).toMatch(
			/^Rate limit reached: Pruna's quota for creates with sketch-fast gave this run no room for \d+ s \(\d+ of its requests were ahead of this one; room again in (59|60) s\)$/,
		);
	});

	test('runs the new model: its fields, as set, reach Pruna under its name', async () => {
		const result = await runCreate({
			model: 'sketch-fast',
			prompt: 'a fox',
			palette: 'cold',
			reference_images: ['https://example.com/a.png'],
			inputOptions: { passes: 32, outline: false },
		});

		expect(result.status).toBe('success');
		const [request] = creates();
		expect(request.headers.model).toBe('sketch-fast');
		expect(request.json).toEqual({
			input: {
				prompt: 'a fox',
				palette: 'cold',
				reference_images: ['https://example.com/a.png'],
				passes: 32,
				outline: false,
			},
		});
	});

	test('sends the widened range: p-image-upscale target 16 reaches Pruna; 40 is refused before sending, saying how to send anyway', async () => {
		const upscale = (target: number) =>
			runCreate({
				model: 'p-image-upscale',
				image: 'https://example.com/photo.png',
				inputOptions: { target },
			});

		expect((await upscale(16)).status).toBe('success');
		expect(creates()).toHaveLength(1);
		expect(creates()[0].json).toEqual({
			input: { image: 'https://example.com/photo.png', target: 16 },
		});
		expect(refreshedModels('p-image-upscale').fields.find((f) => f.name === 'target')?.max).toBe(
			32,
		);

		const refused = await upscale(40);
		expect(refused.status).toBe('error');
		expect(String(refused.nodes.Create.error?.message)).toBe(
			'Create prediction with p-image-upscale: the input is not valid for this model (item 0): target: 40 is above the maximum 32. If Pruna accepts this value now, turn off Options → Check Inputs Before Sending',
		);
		expect(creates()).toHaveLength(1);
	});
});
