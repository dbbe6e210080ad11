/**
 * Pruna's models and their input fields, as the nodes use them: the facts generated from Pruna's
 * OpenAPI document (`models.generated.ts`, by `npm run catalog`) joined with the project's own words
 * (`model-notes.ts`). The Create Prediction node builds its parameters from this list and sends only
 * fields a model defines; the test simulator validates inputs against it. Types and helpers only:
 * the data lives in those two files.
 */
import { modelFacts } from './models.generated.ts';
import { fieldDescriptions, fieldNotes, modelSummaries } from './model-notes.ts';

export type ModelTask =
	| 'textToImage'
	| 'imageEditing'
	| 'upscaling'
	| 'tryOn'
	| 'video'
	| 'loraTraining';

export const taskNames: Record<ModelTask, string> = {
	textToImage: 'Text to Image',
	imageEditing: 'Image Editing',
	upscaling: 'Upscaling',
	tryOn: 'Try-On',
	video: 'Video',
	loraTraining: 'LoRA Training',
};

/** `url` fields take one URL (a Pruna upload's `url` or any public https URL); `urlList` several. */
export type ModelFieldType =
	| 'string'
	| 'secret'
	| 'url'
	| 'urlList'
	| 'stringList'
	| 'integer'
	| 'number'
	| 'numberList'
	| 'boolean'
	| 'choice';

export type ModelFieldValue = string | number | boolean;

export interface ModelField {
	name: string;
	type: ModelFieldType;
	required?: true;
	default?: ModelFieldValue;
	choices?: ReadonlyArray<string | number>;
	min?: number;
	max?: number;
	multipleOf?: number;
	minItems?: number;
	maxItems?: number;
	/** What the field means for this model, where the general description would mislead. */
	about?: string;
}

/** A field as Pruna's OpenAPI document defines it (the generated catalog holds these). */
export type ModelFieldFacts = Omit<ModelField, 'about'>;

/** A model as Pruna's OpenAPI document defines it, with the task its group maps to. */
export interface ModelFacts {
	name: string;
	task: ModelTask;
	requestsPerMinute: number;
	fields: ModelFieldFacts[];
}

/** A model as the nodes use it: the document's facts with the project's words. */
export interface PrunaModel extends ModelFacts {
	summary: string;
	fields: ModelField[];
}

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
