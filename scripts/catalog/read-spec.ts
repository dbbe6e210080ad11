/**
 * The catalog generator's core, without files or formatting: Pruna's OpenAPI document (parsed) in,
 * the facts of every model out (name, task, rate limit, input fields), with what the document did
 * not say and what the project's notes lack, for the maintainer's report.
 */
import type {
	ModelFacts,
	ModelFieldFacts,
	ModelFieldValue,
	ModelTask,
} from '../../nodes/shared/api/model-types.ts';

/** The hand-written parts the generator reads (`nodes/shared/api/model-notes.ts`). */
export interface CatalogNotes {
	taskOfCategory: Readonly<Record<string, ModelTask>>;
	modelTasks: Readonly<Record<string, ModelTask>>;
	modelSummaries: Readonly<Record<string, string>>;
	fieldDescriptions: Readonly<Record<string, string>>;
	fieldNotes: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface CatalogRead {
	title: string;
	version: string;
	models: ModelFacts[];
	/** Facts the document did not give, and what was used instead. */
	fallbacks: string[];
	/** Model names without a summary in the notes. */
	modelsWithoutSummary: string[];
	/** Field names without a description in the notes (neither general nor for the model). */
	fieldsWithoutDescription: string[];
	/** Inputs the node cannot offer as a parameter (they can still go in Additional Input). */
	skippedFields: string[];
	/** Words in the notes for models or fields the document no longer has. */
	unusedNotes: string[];
}

type Schema = Record<string, unknown>;

/**
 * Create Prediction's own parameter names (and n8n's Request Options): a required input of that name
 * would become a parameter that clashes with one of them, so such an input is left to Additional
 * Input. `test/unit/catalog-fields.test.ts` keeps this list in step with the node.
 */
export const reservedParameterNames: ReadonlySet<string> = new Set([
	'model',
	'customModel',
	'additionalInput',
	'inputOptions',
	'options',
	'requestOptions',
	'toolDescription',
]);

/** A table's own entry: a name from the document such as `constructor` finds no inherited one. */
function entryOf<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
	return Object.hasOwn(table, name) ? table[name] : undefined;
}

function isObject(value: unknown): value is Schema {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
	throw new Error(`Not a Pruna OpenAPI document as expected: ${message}`);
}

/** Follows a local `$ref` (`#/components/schemas/…`) once per level. */
function resolveRef(document: Schema, schema: unknown): unknown {
	if (!isObject(schema) || typeof schema.$ref !== 'string') return schema;
	const path = schema.$ref.replace(/^#\//, '').split('/');
	let target: unknown = document;
	for (const key of path) target = isObject(target) ? target[key] : undefined;
	if (target === undefined) fail(`${schema.$ref} is not defined`);
	return resolveRef(document, target);
}

/** The `Model` header's enum of `POST /v1/predictions`: every model, in the document's order. */
function modelNames(document: Schema): string[] {
	const paths = isObject(document.paths) ? document.paths : fail('no paths');
	const create = isObject(paths['/v1/predictions']) ? paths['/v1/predictions'] : undefined;
	const post = create && isObject(create.post) ? create.post : fail('no POST /v1/predictions');
	const parameters = Array.isArray(post.parameters) ? post.parameters : [];
	const header = parameters
		.map((parameter) => resolveRef(document, parameter))
		.find(
			(parameter): parameter is Schema =>
				isObject(parameter) &&
				parameter.in === 'header' &&
				String(parameter.name).toLowerCase() === 'model',
		);
	const schema = header ? resolveRef(document, header.schema) : undefined;
	const names = isObject(schema) && Array.isArray(schema.enum) ? schema.enum : undefined;
	if (!names?.length) fail('POST /v1/predictions has no Model header with an enum');
	return names.map(String);
}

/**
 * Pruna's grouping of its models, from the document's description: bullets such as
 * `- **Text-to-Image**: p-image, flux-dev`, and under a heading (`**LoRA Trainers:**`) bullets
 * that name one model each (`- **p-image-trainer**: …`).
 */
export function categoriesOfModels(description: string, names: string[]): Map<string, string> {
	const known = new Set(names);
	const categories = new Map<string, string>();
	let heading: string | undefined;
	for (const line of description.split('\n')) {
		const headingMatch = /^\s*\*\*([^*]+?):?\*\*:?\s*$/.exec(line);
		if (headingMatch) {
			heading = headingMatch[1].trim();
			continue;
		}
		const bullet = /^\s*[-*]\s+\*\*([^*]+)\*\*:?\s*(.*)$/.exec(line);
		if (!bullet) {
			if (line.trim() === '') continue;
			heading = undefined;
			continue;
		}
		const [, label, rest] = bullet;
		if (known.has(label.trim())) {
			if (heading && !categories.has(label.trim())) categories.set(label.trim(), heading);
			continue;
		}
		for (const name of rest.split(',').map((part) => part.trim())) {
			if (known.has(name) && !categories.has(name)) categories.set(name, label.trim());
		}
	}
	return categories;
}

/** "Rate limit: 150 requests per minute" in a model's schema description. */
export function rateLimitIn(text: unknown): number | undefined {
	if (typeof text !== 'string') return undefined;
	const match = /rate\s+limit:?\s*([\d,]+)\s*(?:requests?)?\s*(?:per|\/)\s*min/i.exec(
		text.replace(/\s+/g, ' '),
	);
	return match ? Number(match[1].replace(/,/g, '')) : undefined;
}

function isSecret(schema: Schema): boolean {
	return (
		schema.format === 'password' || schema.writeOnly === true || schema['x-cog-secret'] === true
	);
}

function isUrl(schema: Schema): boolean {
	return schema.format === 'uri' || schema.format === 'url';
}

function numberOrUndefined(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The type of a scalar schema, or undefined when the node has no parameter for it. */
function scalarType(schema: Schema): ModelFieldFacts['type'] | undefined {
	if (Array.isArray(schema.enum) && schema.enum.length) return 'choice';
	switch (schema.type) {
		case 'boolean':
			return 'boolean';
		case 'integer':
			return 'integer';
		case 'number':
			return 'number';
		case 'string':
			return isSecret(schema) ? 'secret' : isUrl(schema) ? 'url' : 'string';
		default:
			return undefined;
	}
}

function listType(items: unknown): ModelFieldFacts['type'] | undefined {
	if (!isObject(items)) return 'stringList';
	if (items.type === 'number' || items.type === 'integer') return 'numberList';
	if (items.type === 'string' || items.type === undefined) {
		return isUrl(items) ? 'urlList' : 'stringList';
	}
	return undefined;
}

/** The schema without `nullable` wrappers: `anyOf: [X, {type: null}]` reads as X. */
function withoutNull(document: Schema, schema: unknown): Schema | undefined {
	const resolved = resolveRef(document, schema);
	if (!isObject(resolved)) return undefined;
	// OpenAPI 3.1 writes a nullable type as a list: `type: [integer, 'null']`.
	if (Array.isArray(resolved.type)) {
		const types = resolved.type.filter((type) => type !== 'null');
		if (types.length !== 1) return undefined;
		return withoutNull(document, { ...resolved, type: types[0] });
	}
	for (const key of ['anyOf', 'oneOf', 'allOf']) {
		const variants = resolved[key];
		if (!Array.isArray(variants)) continue;
		const real = variants.filter((variant) => !(isObject(variant) && variant.type === 'null'));
		if (real.length !== 1) return undefined;
		const inner = withoutNull(document, real[0]);
		if (!inner) return undefined;
		const outer = Object.fromEntries(Object.entries(resolved).filter(([name]) => name !== key));
		return { ...inner, ...outer };
	}
	return resolved;
}

function isFieldValue(value: unknown): value is ModelFieldValue {
	return ['string', 'number', 'boolean'].includes(typeof value);
}

/** One input property as a field of the catalog, or undefined when no parameter can take it. */
export function fieldFromSchema(
	document: Schema,
	name: string,
	property: unknown,
	required: boolean,
): ModelFieldFacts | undefined {
	const schema = withoutNull(document, property);
	if (!schema || reservedParameterNames.has(name)) return undefined;
	const type =
		schema.type === 'array' ? listType(resolveRef(document, schema.items)) : scalarType(schema);
	if (!type) return undefined;
	const field: ModelFieldFacts = { name, type };
	if (required) field.required = true;
	if (type !== 'urlList' && type !== 'stringList' && type !== 'numberList') {
		if (isFieldValue(schema.default)) field.default = schema.default;
	}
	if (type === 'choice') field.choices = (schema.enum as unknown[]).filter(isChoice);
	const min = numberOrUndefined(schema.minimum);
	const max = numberOrUndefined(schema.maximum);
	const multipleOf = numberOrUndefined(schema.multipleOf);
	const minItems = numberOrUndefined(schema.minItems);
	const maxItems = numberOrUndefined(schema.maxItems);
	if (min !== undefined) field.min = min;
	if (max !== undefined) field.max = max;
	if (multipleOf !== undefined) field.multipleOf = multipleOf;
	if (minItems !== undefined) field.minItems = minItems;
	if (maxItems !== undefined) field.maxItems = maxItems;
	return field;
}

function isChoice(value: unknown): value is string | number {
	return typeof value === 'string' || typeof value === 'number';
}

/** Required fields first, then the others, each by name: the order the node has always shown. */
function byRequiredThenName(a: ModelFieldFacts, b: ModelFieldFacts): number {
	if (Boolean(a.required) !== Boolean(b.required)) return a.required ? -1 : 1;
	return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A task from the model's inputs, for a model neither the document nor the notes place. */
export function taskFromFields(name: string, fields: ModelFieldFacts[]): ModelTask {
	const has = (fieldName: string) => fields.some((field) => field.name === fieldName);
	if (/train/.test(name) || has('image_data')) return 'loraTraining';
	if (/video/.test(name) || has('video') || has('num_frames') || has('duration')) return 'video';
	if (/upscal/.test(name)) return 'upscaling';
	if (has('garment_images')) return 'tryOn';
	const needsImage = fields.some(
		(field) => field.required && (field.type === 'url' || field.type === 'urlList'),
	);
	return needsImage || /edit/.test(name) ? 'imageEditing' : 'textToImage';
}

function inputSchemaOf(document: Schema, model: string): Schema | undefined {
	const components = isObject(document.components) ? document.components : {};
	const schemas = isObject(components.schemas) ? components.schemas : {};
	const modelSchema = resolveRef(document, schemas[model]);
	if (!isObject(modelSchema)) return undefined;
	const properties = isObject(modelSchema.properties) ? modelSchema.properties : {};
	const input = resolveRef(document, properties.input);
	return isObject(input) ? { ...input, description: modelSchema.description } : undefined;
}

/** Reads every model of the document; what is missing is reported, never guessed silently. */
export function readCatalog(document: unknown, notes: CatalogNotes): CatalogRead {
	if (!isObject(document)) fail('not an object');
	const info = isObject(document.info) ? document.info : {};
	const names = modelNames(document);
	const categories = categoriesOfModels(String(info.description ?? ''), names);
	const fallbacks: string[] = [];
	const skippedFields: string[] = [];

	const schemas = names.map((name) => ({ name, input: inputSchemaOf(document, name) }));
	const publishedLimits = schemas
		.map(({ input }) => rateLimitIn(input?.description))
		.filter((limit): limit is number => limit !== undefined);
	const lowestLimit = publishedLimits.length ? Math.min(...publishedLimits) : 5;

	const models = schemas.map(({ name, input }): ModelFacts => {
		if (!input) fallbacks.push(`${name}: no input schema; its input goes in Additional Input`);
		const properties = input && isObject(input.properties) ? input.properties : {};
		const required = new Set(Array.isArray(input?.required) ? input.required.map(String) : []);
		const fields: ModelFieldFacts[] = [];
		for (const [fieldName, property] of Object.entries(properties)) {
			const field = fieldFromSchema(document, fieldName, property, required.has(fieldName));
			if (field) fields.push(field);
			else if (reservedParameterNames.has(fieldName)) {
				skippedFields.push(`${name}.${fieldName} (the name of one of the node's own parameters)`);
			} else skippedFields.push(`${name}.${fieldName} (a type no parameter takes)`);
		}
		fields.sort(byRequiredThenName);

		const category = categories.get(name);
		let task =
			entryOf(notes.modelTasks, name) ??
			(category ? entryOf(notes.taskOfCategory, category) : undefined);
		if (!task) {
			task = taskFromFields(name, fields);
			fallbacks.push(
				category
					? `${name}: Pruna's category "${category}" has no task in the notes; ${task} from its inputs`
					: `${name}: no category in the document or task in the notes; ${task} from its inputs`,
			);
		}
		let requestsPerMinute = rateLimitIn(input?.description);
		if (requestsPerMinute === undefined) {
			requestsPerMinute = lowestLimit;
			fallbacks.push(
				`${name}: no rate limit in the document; the lowest published, ${lowestLimit} a minute`,
			);
		}
		return { name, task, requestsPerMinute, fields };
	});

	const fieldsWithoutDescription = new Set<string>();
	for (const model of models) {
		for (const field of model.fields) {
			const modelNotes = entryOf(notes.fieldNotes, model.name);
			if (
				(modelNotes && entryOf(modelNotes, field.name)) ||
				entryOf(notes.fieldDescriptions, field.name)
			) {
				continue;
			}
			fieldsWithoutDescription.add(field.name);
		}
	}
	const fieldNames = new Set(models.flatMap((model) => model.fields.map((field) => field.name)));
	const modelNamed = new Map(models.map((model) => [model.name, model]));
	const unusedNotes = [
		...Object.keys(notes.modelSummaries)
			.filter((name) => !modelNamed.has(name))
			.map((name) => `modelSummaries.${name}`),
		...Object.keys(notes.fieldDescriptions)
			.filter((name) => !fieldNames.has(name))
			.map((name) => `fieldDescriptions.${name}`),
		...Object.entries(notes.fieldNotes).flatMap(([modelName, byField]) =>
			Object.keys(byField)
				.filter((field) => !modelNamed.get(modelName)?.fields.some((entry) => entry.name === field))
				.map((field) => `fieldNotes.${modelName}.${field}`),
		),
	];
	return {
		title: String(info.title ?? 'Pruna API'),
		version: String(info.version ?? 'unknown'),
		models,
		fallbacks,
		modelsWithoutSummary: names.filter((name) => !entryOf(notes.modelSummaries, name)),
		fieldsWithoutDescription: [...fieldsWithoutDescription].sort(),
		skippedFields,
		unusedNotes,
	};
}
