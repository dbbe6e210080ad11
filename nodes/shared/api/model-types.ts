/**
 * The types of Pruna's model catalog, in a file of their own so that the generated facts
 * (`models.generated.ts`), the hand-written words (`model-notes.ts`) and the catalog that joins them
 * (`model-catalog.ts`) all import them without importing each other.
 */
export type ModelTask =
	| 'textToImage'
	| 'imageEditing'
	| 'upscaling'
	| 'tryOn'
	| 'video'
	| 'loraTraining';

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
