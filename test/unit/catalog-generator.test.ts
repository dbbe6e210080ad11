/**
 * The catalog generator's core (`scripts/catalog/`) on a small document written for the tests
 * (`test/catalog/openapi-fixture.yml`): what it reads from a model's schema, where it finds tasks
 * and rate limits, what it reports, and the summary a refresh's pull request carries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import type { ModelFacts } from '../../nodes/shared/api/model-catalog';
import { describeField } from '../../nodes/shared/api/model-catalog';
import type { CatalogNotes } from '../../scripts/catalog/read-spec.ts';
import { categoriesOfModels, rateLimitIn, readCatalog } from '../../scripts/catalog/read-spec.ts';
import { renderCatalog, renderSummary } from '../../scripts/catalog/render.ts';

const fixture = parse(
	readFileSync(join(__dirname, '..', 'catalog', 'openapi-fixture.yml'), 'utf8'),
) as Record<string, unknown>;

const notes: CatalogNotes = {
	taskOfCategory: {
		'Text-to-Image': 'textToImage',
		'Image Upscaling': 'upscaling',
		'LoRA Trainers': 'loraTraining',
	},
	modelTasks: {},
	modelSummaries: { 'p-image': 'words', 'p-image-upscale': 'words' },
	fieldDescriptions: { prompt: 'words', seed: 'words', image: 'words', steps: 'words', old: 'x' },
	fieldNotes: {
		'sketch-fast': { palette: 'words for this model only', gone: 'x' },
		'gone-model': { prompt: 'x' },
	},
};

const read = readCatalog(fixture, notes);
const model = (name: string) => read.models.find((entry) => entry.name === name) as ModelFacts;
const field = (modelName: string, fieldName: string) =>
	model(modelName).fields.find((entry) => entry.name === fieldName);

test("every model of the Model header's enum, in its order, with the document's version", () => {
	expect(read.models.map((entry) => entry.name)).toEqual([
		'sketch-fast',
		'p-image',
		'p-image-upscale',
		'clip-maker',
		'style-trainer',
	]);
	expect(read.version).toBe('9.1.0');
	expect(read.title).toBe('Test API');
});

test.each([
	[
		'palette',
		{ type: 'choice', required: true, default: 'warm', choices: ['warm', 'cold', 'mono'] },
	],
	['prompt', { type: 'string', required: true }],
	['passes', { type: 'integer', default: 16, min: 4, max: 64, multipleOf: 4 }],
	['strength', { type: 'number', default: 0.75, min: 0, max: 1.5 }],
	['outline', { type: 'boolean', default: true }],
	['reference_images', { type: 'urlList', minItems: 1, maxItems: 3 }],
	['tags', { type: 'stringList' }],
	['weights', { type: 'numberList' }],
	['hf_api_token', { type: 'secret' }],
	['sketch_url', { type: 'url' }],
	['caption', { type: 'string', default: 'a sketch' }],
])('sketch-fast.%s is read from its schema', (name, facts) => {
	expect(field('sketch-fast', name)).toEqual({ name, ...facts });
});

test('an integer enum keeps its numbers; a $ref model schema is followed', () => {
	expect(field('clip-maker', 'fps')).toEqual({
		name: 'fps',
		type: 'choice',
		default: 24,
		choices: [24, 30],
	});
	expect(field('p-image-upscale', 'target')).toEqual({
		name: 'target',
		type: 'integer',
		default: 4,
		min: 1,
		max: 32,
	});
});

test('required fields first, then the others, each by name', () => {
	expect(model('sketch-fast').fields.map((entry) => entry.name)).toEqual([
		'palette',
		'prompt',
		'caption',
		'hf_api_token',
		'outline',
		'passes',
		'reference_images',
		'sketch_url',
		'strength',
		'tags',
		'weights',
	]);
});

test("an input no parameter can take (an object, or named as one of the node's own parameters) is left out and reported", () => {
	expect(field('sketch-fast', 'layout')).toBeUndefined();
	expect(field('clip-maker', 'options')).toBeUndefined();
	expect(read.skippedFields).toEqual([
		'sketch-fast.layout (a type no parameter takes)',
		"clip-maker.options (the name of one of the node's own parameters)",
	]);
});

test("OpenAPI 3.1's nullable type list reads as its one type", () => {
	expect(field('clip-maker', 'loop_count')).toEqual({
		name: 'loop_count',
		type: 'integer',
		min: 0,
	});
});

test('words in the notes for models or fields the document no longer has are listed', () => {
	expect(read.unusedNotes).toEqual([
		'fieldDescriptions.old',
		'fieldNotes.sketch-fast.gone',
		'fieldNotes.gone-model.prompt',
	]);
});

test("tasks from Pruna's groups, a heading's bullets, or, reported, from the inputs", () => {
	expect(read.models.map((entry) => [entry.name, entry.task])).toEqual([
		['sketch-fast', 'textToImage'],
		['p-image', 'textToImage'],
		['p-image-upscale', 'upscaling'],
		['clip-maker', 'video'],
		['style-trainer', 'loraTraining'],
	]);
	expect(read.fallbacks).toEqual([
		'clip-maker: no category in the document or task in the notes; video from its inputs',
		'clip-maker: no rate limit in the document; the lowest published, 2 a minute',
	]);
	const overridden = readCatalog(fixture, {
		...notes,
		modelTasks: { 'clip-maker': 'textToImage' },
	});
	expect(overridden.models.find((entry) => entry.name === 'clip-maker')?.task).toBe('textToImage');
});

test('rate limits from the schema descriptions; the lowest published one, reported, when absent', () => {
	expect(read.models.map((entry) => entry.requestsPerMinute)).toEqual([2, 500, 1000, 2, 5]);
	expect(read.fallbacks).toContain(
		'clip-maker: no rate limit in the document; the lowest published, 2 a minute',
	);
	expect(rateLimitIn('AI model. Rate limit: 30 requests\n per minute.')).toBe(30);
	expect(rateLimitIn('No limit here')).toBeUndefined();
});

test("Pruna's grouping of models in its description", () => {
	const groups = categoriesOfModels(
		'- **Text-to-Video**: a, b\n- **Upscaling**: c\n\n**Trainers:**\n- **d**: trains\n- **e**: trains too\n\nOther text naming a.',
		['a', 'b', 'c', 'd', 'e', 'f'],
	);
	expect(Object.fromEntries(groups)).toEqual({
		a: 'Text-to-Video',
		b: 'Text-to-Video',
		c: 'Upscaling',
		d: 'Trainers',
		e: 'Trainers',
	});
});

test('every model and field without words in the notes is listed, once', () => {
	expect(read.modelsWithoutSummary).toEqual(['sketch-fast', 'clip-maker', 'style-trainer']);
	expect(read.fieldsWithoutDescription).toEqual([
		'caption',
		'duration',
		'fps',
		'hf_api_token',
		'image_data',
		'loop_count',
		'outline',
		'passes',
		'reference_images',
		'sketch_url',
		'strength',
		'tags',
		'target',
		'weights',
	]);
});

test('the same document gives the same text; it names its source and version and says not to edit it', () => {
	const text = renderCatalog(read);
	expect(renderCatalog(readCatalog(parse(JSON.stringify(fixture)), notes))).toBe(text);
	// Nor does the order of a schema's properties matter.
	const reordered = structuredClone(fixture) as {
		components: { schemas: Record<string, { properties?: { input?: { properties?: object } } }> };
	};
	for (const schema of Object.values(reordered.components.schemas)) {
		const input = schema.properties?.input;
		if (input?.properties) {
			input.properties = Object.fromEntries(Object.entries(input.properties).reverse());
		}
	}
	expect(renderCatalog(readCatalog(reordered, notes))).toBe(text);
	expect(text).toMatch(
		/^\/\*\*\n \* Generated by `npm run catalog` from Pruna's OpenAPI document "Test API",\n \* version 9\.1\.0\. Do not edit by hand/,
	);
	expect(text).toContain('export const catalogSourceVersion = "9.1.0";');
});

test('a document that is not an OpenAPI document of models fails with what is missing', () => {
	expect(() => readCatalog({ paths: {} }, notes)).toThrow(/no POST \/v1\/predictions/);
	expect(() => readCatalog('text', notes)).toThrow(/not an object/);
});

test("the refresh's summary: models added, removed and changed, and what needs words", () => {
	const before: ModelFacts[] = [
		{
			name: 'p-image',
			task: 'textToImage',
			requestsPerMinute: 500,
			fields: [
				{ name: 'prompt', type: 'string', required: true },
				{ name: 'width', type: 'integer' },
			],
		},
		{
			name: 'p-image-upscale',
			task: 'upscaling',
			requestsPerMinute: 500,
			fields: [
				{ name: 'image', type: 'url', required: true },
				{ name: 'target', type: 'integer', default: 4, min: 1, max: 8 },
			],
		},
		{ name: 'old-model', task: 'video', requestsPerMinute: 30, fields: [] },
	];
	const summary = renderSummary(before, read, '0.5.3');
	expect(summary).toContain('version 0.5.3 → 9.1.0');
	expect(summary).toContain(
		'### Models added\n\n- `sketch-fast` (textToImage, 2 a minute): `palette`, `prompt`,',
	);
	expect(summary).toContain('### Models removed\n\n- `old-model`\n');
	expect(summary).toContain('- `p-image`: field `seed` added {"type":"integer"}');
	expect(summary).toContain('- `p-image`: field `width` removed');
	expect(summary).toContain('- `p-image-upscale`: rate limit 500 → 1000 a minute');
	expect(summary).toContain(
		'- `p-image-upscale`: field `target` {"type":"integer","default":4,"min":1,"max":8} → {"type":"integer","default":4,"min":1,"max":32}',
	);
	expect(summary).toContain('- model `clip-maker` (modelSummaries)');
	expect(summary).toContain('- field `weights` (fieldDescriptions)');
	expect(renderSummary(read.models, read, '9.1.0')).toContain('No model changed.');
});

test('a field without words gets a plain description made from its facts', () => {
	expect(describeField({ name: 'zoom', type: 'integer', min: 1, max: 32, default: 4 })).toBe(
		'A whole number from 1 to 32; default 4',
	);
	expect(describeField({ name: 'grid', type: 'integer', min: 4, multipleOf: 4 })).toBe(
		'A whole number of at least 4, a multiple of 4',
	);
	expect(describeField({ name: 'refs', type: 'urlList', minItems: 1, maxItems: 3 })).toBe(
		'URLs, one per entry (1 to 3)',
	);
	expect(describeField({ name: 'sharp', type: 'boolean', default: true })).toBe(
		'On or off; default on',
	);
	expect(describeField({ name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'a' })).toBe(
		'One of 2 choices; default a',
	);
	// The notes' words win over the facts.
	expect(describeField({ name: 'prompt', type: 'string' })).toBe('What to generate, in words');
});

test("names from the document that are also names of a JavaScript object's own properties find no words by accident", () => {
	const document = {
		info: { title: 'Odd', version: '1' },
		paths: {
			'/v1/predictions': {
				post: {
					parameters: [{ name: 'Model', in: 'header', schema: { enum: ['toString'] } }],
				},
			},
		},
		components: {
			schemas: {
				toString: {
					description: 'Rate limit: 7 requests per minute.',
					properties: {
						input: { properties: { constructor: { type: 'string' } }, required: [] },
					},
				},
			},
		},
	};
	const odd = readCatalog(document, notes);
	expect(odd.models).toEqual([
		{
			name: 'toString',
			task: 'textToImage',
			requestsPerMinute: 7,
			fields: [{ name: 'constructor', type: 'string' }],
		},
	]);
	expect(odd.modelsWithoutSummary).toEqual(['toString']);
	expect(odd.fieldsWithoutDescription).toEqual(['constructor']);
	expect(describeField({ name: 'constructor', type: 'string' })).toBe('Text');
});

test("text from the document cannot end the generated file's header comment", () => {
	const text = renderCatalog({ title: 'P */ process.exit(1); /*', version: '1\n*/ x', models: [] });
	const header = text.slice(0, text.indexOf('*/'));
	expect(header).toContain('"P * / process.exit(1); /*"');
	expect(header).toContain('version 1 * / x.');
	// The first comment end is the header's own, after its last line.
	expect(header).toContain('types and helpers in model-catalog.ts.');
});
