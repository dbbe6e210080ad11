import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { ModelField, PrunaModel } from '../shared/api/model-catalog';
import {
	describeField,
	fieldDisplayName,
	isPrimaryField,
	prunaModels,
	taskNames,
} from '../shared/api/model-catalog';

/** The `model` value that switches to a model typed by name. */
export const customModel = 'custom';

/** Within a task, Pruna's own models (p-…) first, then the others by name. */
function byPrunaFirst(a: PrunaModel, b: PrunaModel): number {
	const ownA = a.name.startsWith('p-');
	const ownB = b.name.startsWith('p-');
	return ownA === ownB ? a.name.localeCompare(b.name) : ownA ? -1 : 1;
}

/** The models grouped by task, e.g. "Text to Image: p-image", then Custom. */
export const modelOptions: INodePropertyOptions[] = [
	...Object.keys(taskNames).flatMap((task) =>
		prunaModels
			.filter((model) => model.task === task)
			.sort(byPrunaFirst)
			.map((model) => ({
				name: `${taskNames[model.task]}: ${model.name}`,
				value: model.name,
				description: model.summary,
			})),
	),
	{
		name: 'Custom Model',
		value: customModel,
		description: 'A model not in this list yet, by name (its input goes in Additional Input)',
	},
];

function isMultiline(field: ModelField): boolean {
	return /prompt|script|caption/.test(field.name);
}

/** One model field as an n8n parameter: its type, choices, range and default as the model defines. */
function fieldParameter(field: ModelField): INodeProperties {
	const common = {
		displayName: fieldDisplayName(field.name),
		name: field.name,
		description: describeField(field),
	};
	switch (field.type) {
		case 'boolean':
			return { ...common, type: 'boolean', default: field.default ?? false };
		case 'choice':
			return {
				...common,
				type: 'options',
				options: (field.choices ?? []).map((choice) => ({ name: String(choice), value: choice })),
				default: field.default ?? field.choices?.[0] ?? '',
			};
		case 'integer':
		case 'number':
			return {
				...common,
				type: 'number',
				default: field.default ?? field.min ?? 0,
				typeOptions: {
					minValue: field.min,
					maxValue: field.max,
					numberPrecision: field.type === 'integer' ? 0 : 4,
				},
			};
		case 'numberList':
			return {
				...common,
				type: 'number',
				default: [],
				typeOptions: { multipleValues: true, numberPrecision: 4 },
			};
		case 'url':
			return { ...common, type: 'string', default: '', placeholder: 'e.g. {{ $json.url }}' };
		case 'urlList':
		case 'stringList':
			return {
				...common,
				type: 'string',
				default: [],
				placeholder: field.type === 'urlList' ? 'e.g. {{ $json.url }}' : '',
				typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Entry' },
			};
		case 'secret':
			return { ...common, type: 'string', default: '', typeOptions: { password: true } };
		case 'string':
			return {
				...common,
				type: 'string',
				default: field.default ?? '',
				typeOptions: isMultiline(field) ? { rows: 3 } : undefined,
			};
	}
}

function signature(field: ModelField): string {
	return JSON.stringify({ ...field, required: isPrimaryField(field) });
}

/**
 * Required inputs, shown up front for the models that have them. Models whose field is defined alike
 * share one parameter, so a prompt typed for one model stays when another is chosen.
 */
function primaryParameters(models: readonly PrunaModel[]): INodeProperties[] {
	const byShape = new Map<string, { field: ModelField; models: string[] }>();
	for (const model of models) {
		for (const field of model.fields.filter(isPrimaryField)) {
			const key = signature(field);
			const entry = byShape.get(key) ?? { field, models: [] };
			entry.models.push(model.name);
			byShape.set(key, entry);
		}
	}
	return [...byShape.values()].map(({ field, models: shownFor }) => ({
		...fieldParameter(field),
		required: true,
		displayOptions: { show: { model: shownFor } },
	}));
}

/** Each model's optional inputs, under "Input Options": only those the user adds are sent. */
function inputOptionParameters(models: readonly PrunaModel[]): INodeProperties[] {
	return models.map((model) => ({
		displayName: 'Input Options',
		name: 'inputOptions',
		type: 'collection',
		placeholder: 'Add Input',
		default: {},
		displayOptions: { show: { model: [model.name] } },
		options: model.fields
			.filter((field) => !isPrimaryField(field))
			.map(fieldParameter)
			.sort((a, b) => a.displayName.localeCompare(b.displayName)),
	}));
}

export const modelInputProperties: INodeProperties[] = [
	...primaryParameters(prunaModels),
	...inputOptionParameters(prunaModels),
];

/** What a model makes, for the tool description an AI agent reads. */
const outputByTask: Record<string, string> = {
	textToImage: 'an image',
	imageEditing: 'an edited image',
	upscaling: 'an upscaled image',
	tryOn: 'an image of the person wearing the garments',
	video: 'a video',
	loraTraining: 'trained LoRA weights',
};

const outputByModel = JSON.stringify(
	Object.fromEntries(prunaModels.map((model) => [model.name, outputByTask[model.task]])),
);

/** An expression: n8n resolves it when it hands the tool to the agent. */
const toolDescriptionDefault =
	`={{ 'Generates ' + (${outputByModel}[$parameter.model] ?? 'an image or video') + ' with the Pruna model ' + ($parameter.model === '${customModel}' ? $parameter.customModel : $parameter.model) + '. ` +
	`Pass the inputs this tool asks for (such as prompt: a description of what to generate). ` +
	`It waits until the prediction is done and returns JSON: id, status ("succeeded"), model, generation_url, ` +
	`and with Download Output fileUrl, a link to the file that opens in a browser. A failure returns error: a message that names what to change.' }}`;

/**
 * The description an AI agent reads for this tool, naming the model it is set to and what comes
 * back. Shown only on the tool form of the node; the user may rewrite it.
 */
export const toolDescriptionProperty: INodeProperties = {
	displayName: 'Tool Description',
	name: 'toolDescription',
	type: 'string',
	typeOptions: { rows: 4 },
	displayOptions: { show: { '@tool': [true] } },
	default: toolDescriptionDefault,
	description:
		'What the AI agent is told this tool does. The default names the model and what the tool returns.',
};
