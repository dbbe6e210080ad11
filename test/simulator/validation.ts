/**
 * Input validation as Pruna's service does it (a pydantic model per Model, extra fields forbidden),
 * driven by the package's model catalog, with the error types and wording of its 422 answers.
 */
import type { ModelField, PrunaModel } from '../../nodes/shared/api/model-catalog.ts';

export interface InvalidField {
	type: string;
	field: string;
	description: string;
}

function isUrl(value: unknown): boolean {
	if (typeof value !== 'string') return false;
	try {
		const url = new URL(value);
		return url.protocol === 'https:' || url.protocol === 'http:';
	} catch {
		return false;
	}
}

function quoteChoices(choices: ReadonlyArray<string | number>): string {
	const quoted = choices.map((choice) =>
		typeof choice === 'string' ? `'${choice}'` : String(choice),
	);
	return quoted.length > 1
		? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`
		: quoted.join('');
}

/** The problem with one scalar value, or undefined when it is valid. */
function scalarProblem(
	type: ModelField['type'],
	field: ModelField,
	value: unknown,
): Omit<InvalidField, 'field'> | undefined {
	switch (type) {
		case 'string':
		case 'secret':
		case 'stringList':
			return typeof value === 'string'
				? undefined
				: { type: 'string_type', description: 'Input should be a valid string' };
		case 'url':
		case 'urlList':
			return isUrl(value)
				? undefined
				: { type: 'url_parsing', description: 'Input should be a valid URL' };
		case 'boolean':
			return typeof value === 'boolean'
				? undefined
				: { type: 'bool_type', description: 'Input should be a valid boolean' };
		case 'choice':
			return field.choices?.includes(value as string | number)
				? undefined
				: { type: 'enum', description: `Input should be ${quoteChoices(field.choices ?? [])}` };
		case 'integer':
		case 'number':
		case 'numberList': {
			if (typeof value !== 'number' || !Number.isFinite(value))
				return { type: 'float_type', description: 'Input should be a valid number' };
			if (type === 'integer' && !Number.isInteger(value))
				return { type: 'int_type', description: 'Input should be a valid integer' };
			if (field.min !== undefined && value < field.min)
				return {
					type: 'greater_than_equal',
					description: `Input should be greater than or equal to ${field.min}`,
				};
			if (field.max !== undefined && value > field.max)
				return {
					type: 'less_than_equal',
					description: `Input should be less than or equal to ${field.max}`,
				};
			if (field.multipleOf !== undefined && value % field.multipleOf !== 0)
				return {
					type: 'multiple_of',
					description: `Input should be a multiple of ${field.multipleOf}`,
				};
			return undefined;
		}
	}
}

function fieldProblems(field: ModelField, value: unknown): InvalidField[] {
	const path = `input.${field.name}`;
	const isList =
		field.type === 'urlList' || field.type === 'stringList' || field.type === 'numberList';
	if (!isList) {
		const problem = scalarProblem(field.type, field, value);
		return problem ? [{ ...problem, field: path }] : [];
	}
	if (!Array.isArray(value)) {
		return [{ type: 'list_type', field: path, description: 'Input should be a valid list' }];
	}
	if (field.minItems !== undefined && value.length < field.minItems) {
		return [
			{
				type: 'too_short',
				field: path,
				description: `List should have at least ${field.minItems} item after validation, not ${value.length}`,
			},
		];
	}
	if (field.maxItems !== undefined && value.length > field.maxItems) {
		return [
			{
				type: 'too_long',
				field: path,
				description: `List should have at most ${field.maxItems} items after validation, not ${value.length}`,
			},
		];
	}
	return value.flatMap((entry, index) => {
		const problem = scalarProblem(field.type, field, entry);
		return problem ? [{ ...problem, field: `${path}.${index}` }] : [];
	});
}

/** Every problem with `input` for `model`: missing, unknown and malformed fields. */
export function validateInput(model: PrunaModel, input: Record<string, unknown>): InvalidField[] {
	const known = new Map(model.fields.map((field) => [field.name, field]));
	return [
		...model.fields
			.filter((field) => field.required && input[field.name] === undefined)
			.map((field) => ({
				type: 'missing',
				field: `input.${field.name}`,
				description: 'Field required',
			})),
		...Object.entries(input).flatMap(([name, value]) => {
			const field = known.get(name);
			if (!field)
				return [
					{
						type: 'extra_forbidden',
						field: `input.${name}`,
						description: 'Extra inputs are not permitted',
					},
				];
			return fieldProblems(field, value);
		}),
	];
}
