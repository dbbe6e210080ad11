/**
 * Pruna's models and their input fields, as the nodes use them: the facts generated from Pruna's
 * OpenAPI document (`models.generated.ts`, by `npm run catalog`) joined with the project's own words
 * (`model-notes.ts`). The Create Prediction node builds its parameters from this list and sends only
 * fields a model defines; the test simulator validates inputs against it. Helpers only: the data
 * lives in those two files, the types in `model-types.ts`.
 */
import { modelFacts } from './models.generated.ts';
import { fieldDescriptions, fieldNotes, modelSummaries } from './model-notes.ts';
import type { ModelFacts, ModelField, ModelFieldType, ModelTask, PrunaModel } from './model-types';

export type {
	ModelFacts,
	ModelField,
	ModelFieldFacts,
	ModelFieldType,
	ModelFieldValue,
	ModelTask,
	PrunaModel,
} from './model-types';

export const taskNames: Record<ModelTask, string> = {
	textToImage: 'Text to Image',
	imageEditing: 'Image Editing',
	upscaling: 'Upscaling',
	tryOn: 'Try-On',
	video: 'Video',
	loraTraining: 'LoRA Training',
};

/** A line made from a field's facts, for a field the notes have no words for yet. */
function describeFromFacts(field: ModelField): string {
	const range =
		field.min !== undefined && field.max !== undefined
			? ` from ${field.min} to ${field.max}`
			: field.min !== undefined
				? ` of at least ${field.min}`
				: field.max !== undefined
					? ` of at most ${field.max}`
					: '';
	const items =
		field.minItems !== undefined && field.maxItems !== undefined
			? ` (${field.minItems} to ${field.maxItems})`
			: field.minItems !== undefined
				? ` (at least ${field.minItems})`
				: field.maxItems !== undefined
					? ` (at most ${field.maxItems})`
					: '';
	const kinds: Record<ModelFieldType, string> = {
		string: 'Text',
		secret: 'A secret, left out of the output',
		url: "A URL: an upload's URL or any public https URL",
		urlList: `URLs, one per entry${items}`,
		stringList: `Text entries, one per entry${items}`,
		integer: `A whole number${range}`,
		number: `A number${range}`,
		numberList: `Numbers, one per entry${items}`,
		boolean: 'On or off',
		choice: `One of ${field.choices?.length ?? 0} choices`,
	};
	const multiple = field.multipleOf !== undefined ? `, a multiple of ${field.multipleOf}` : '';
	const fallbackDefault =
		field.default === undefined || field.default === ''
			? ''
			: `; default ${typeof field.default === 'boolean' ? (field.default ? 'on' : 'off') : field.default}`;
	return `${kinds[field.type]}${multiple}${fallbackDefault}`;
}

/** A table's own entry: a name from Pruna's document such as `constructor` finds no inherited one. */
function entryOf<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
	return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** What a field does: the model's own note, the general one, or a line made from its facts. */
export function describeField(field: ModelField): string {
	return field.about ?? entryOf(fieldDescriptions, field.name) ?? describeFromFacts(field);
}

/** Words that are acronyms in field names, so `hf_api_token` reads "HF API Token". */
const acronyms = new Set(['api', 'fps', 'hf', 'lora', 'url']);

export function fieldDisplayName(fieldName: string): string {
	return fieldName
		.split('_')
		.map((word) =>
			acronyms.has(word) ? word.toUpperCase() : word.charAt(0).toUpperCase() + word.slice(1),
		)
		.join(' ')
		.replace('LORA', 'LoRA');
}

/** A line made from a model's facts, for a model the notes have no summary for yet. */
function summaryFromFacts(model: ModelFacts): string {
	const required = model.fields.filter((field) => field.required).map((field) => field.name);
	return `${taskNames[model.task]} model${required.length ? `; needs ${required.join(', ')}` : ''}`;
}

/** Every model of Pruna's API, in the order of its OpenAPI document. */
export const prunaModels: readonly PrunaModel[] = modelFacts.map((model) => ({
	...model,
	summary: entryOf(modelSummaries, model.name) ?? summaryFromFacts(model),
	fields: model.fields.map((field) => {
		const notes = entryOf(fieldNotes, model.name);
		const about = notes && entryOf(notes, field.name);
		return about ? { ...field, about } : field;
	}),
}));

const modelsByName = new Map(prunaModels.map((model) => [model.name, model]));

export function findModel(name: string): PrunaModel | undefined {
	return modelsByName.get(name);
}

/** Fields shown up front: the required ones, and lists that need at least one entry. */
export function isPrimaryField(field: ModelField): boolean {
	return field.required === true || (field.minItems ?? 0) > 0;
}
