/** How each kind of catalog field becomes a parameter of Create Prediction, and where it shows. */
import type { INodeProperties } from 'n8n-workflow';

import { modelInputProperties } from '../../nodes/PrunaCreatePrediction/properties';
import { PrunaCreatePrediction } from '../../nodes/PrunaCreatePrediction/PrunaCreatePrediction.node';
import { fieldDisplayName, findModel, prunaModels } from '../../nodes/shared/api/model-catalog';
import { reservedParameterNames } from '../../scripts/catalog/read-spec.ts';

/** The parameter a model's field appears as: up front when required, else under Input Options. */
function parameterFor(model: string, field: string): INodeProperties & { shownUpFront: boolean } {
	for (const property of modelInputProperties) {
		const shownFor = property.displayOptions?.show?.model as string[] | undefined;
		if (!shownFor?.includes(model)) continue;
		if (property.name === field) return { ...property, shownUpFront: true };
		if (property.name === 'inputOptions') {
			const option = (property.options as INodeProperties[]).find((o) => o.name === field);
			if (option) return { ...option, shownUpFront: false };
		}
	}
	throw new Error(`${model} has no parameter ${field}`);
}

test.each<[string, string, Partial<INodeProperties> & { shownUpFront: boolean }]>([
	[
		'p-video',
		'prompt',
		{ shownUpFront: true, required: true, type: 'string', default: '', typeOptions: { rows: 3 } },
	],
	[
		'p-video',
		'duration',
		{
			shownUpFront: false,
			displayName: 'Duration',
			type: 'number',
			default: 5,
			typeOptions: { minValue: 1, maxValue: 20, numberPrecision: 0 },
		},
	],
	[
		'p-video',
		'fps',
		{
			shownUpFront: false,
			displayName: 'FPS',
			type: 'options',
			default: 24,
			options: [
				{ name: '24', value: 24 },
				{ name: '48', value: 48 },
			],
		},
	],
	[
		'p-video',
		'image',
		{
			shownUpFront: false,
			type: 'string',
			default: '',
			placeholder: 'e.g. {{ $json.url }}',
			description: 'First frame of the video (image to video): a URL',
		},
	],
	['p-video', 'draft', { shownUpFront: false, type: 'boolean', default: false }],
	[
		'p-image-edit',
		'images',
		{
			shownUpFront: true,
			required: true,
			type: 'string',
			default: [],
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Entry' },
		},
	],
	[
		'p-image-edit-lora',
		'hf_api_token',
		{
			shownUpFront: false,
			displayName: 'HF API Token',
			type: 'string',
			default: '',
			typeOptions: { password: true },
		},
	],
	[
		'p-image-edit-lora',
		'lora_scale',
		{
			shownUpFront: false,
			displayName: 'LoRA Scale',
			type: 'number',
			default: 1,
			typeOptions: { minValue: -1, maxValue: 3, numberPrecision: 4 },
		},
	],
])('%s: %s', (model, field, expected) => {
	expect(parameterFor(model, field)).toMatchObject(expected);
});

test('every field of every model has its parameter, and only there', () => {
	const missing = prunaModels.flatMap((model) =>
		model.fields.flatMap((field) => {
			try {
				parameterFor(model.name, field.name);
				return [];
			} catch {
				return [`${model.name}.${field.name}`];
			}
		}),
	);
	expect(missing).toEqual([]);
	const options = modelInputProperties.filter((property) => property.name === 'inputOptions');
	expect(options).toHaveLength(prunaModels.length);
	for (const property of options) {
		const [model] = property.displayOptions!.show!.model as string[];
		const optional = findModel(model)!.fields.filter((field) => !field.required && !field.minItems);
		expect((property.options as INodeProperties[]).map((option) => option.name).sort()).toEqual(
			optional.map((field) => field.name).sort(),
		);
	}
});

test.each([
	['aspect_ratio', 'Aspect Ratio'],
	['hf_api_token', 'HF API Token'],
	['extra_lora_scale', 'Extra LoRA Scale'],
	['fps', 'FPS'],
	['src_ref_images', 'Src Ref Images'],
])('fieldDisplayName(%s) is %s', (name, expected) => {
	expect(fieldDisplayName(name)).toBe(expected);
});

test("the catalog generator knows every parameter name of Create Prediction's own, so no model input can clash with one", () => {
	const fieldParameters = new Set(modelInputProperties);
	const ownNames = new PrunaCreatePrediction().description.properties
		.filter((property) => !fieldParameters.has(property))
		.map((property) => property.name);
	expect(ownNames.length).toBeGreaterThan(3);
	expect(ownNames.filter((name) => !reservedParameterNames.has(name))).toEqual([]);
});
