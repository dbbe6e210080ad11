import type { IDataObject } from 'n8n-workflow';

import type { ModelField, PrunaModel } from '../shared/api/model-catalog';

/**
 * What the catalog says a model refuses, checked before the item's create is sent, so a mistake
 * costs no request and names every field at fault at once. Only what Pruna certainly refuses:
 * fields the catalog lacks (Additional Input) pass, because Pruna's list may be newer than ours;
 * numbers given as numeric text pass as the numbers they are, as Pruna reads them.
 */
export function checkModelInput(model: PrunaModel, input: IDataObject): string[] {
	const problems: string[] = [];
	for (const field of model.fields) {
		const value = input[field.name];
		if (value === undefined || value === null) {
			if (field.required) problems.push(`${field.name} is required`);
			continue;
		}
		problems.push(...fieldProblems(field, value));
	}
	return problems;
}

function isListField(field: ModelField): boolean {
	return field.type === 'urlList' || field.type === 'stringList' || field.type === 'numberList';
}

function fieldProblems(field: ModelField, value: unknown): string[] {
	if (!isListField(field)) return valueProblems(field, field.name, value);
	if (!Array.isArray(value)) return [];
	const count = `${value.length} ${value.length === 1 ? 'entry' : 'entries'}`;
	if (field.minItems !== undefined && value.length < field.minItems) {
		return [`${field.name}: ${count}, at least ${field.minItems} needed`];
	}
	if (field.maxItems !== undefined && value.length > field.maxItems) {
		return [`${field.name}: ${count}, at most ${field.maxItems} allowed`];
	}
	return value.flatMap((entry, index) => valueProblems(field, `${field.name}[${index}]`, entry));
}

function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && value.trim() !== '') {
		const parsed = Number(value);
		if (Number.isFinite(parsed)) return parsed;
	}
	return undefined;
}

function valueProblems(field: ModelField, label: string, value: unknown): string[] {
	if (field.type === 'choice' && field.choices) {
		const known = field.choices.some((choice) => String(choice) === String(value));
		return known
			? []
			: [`${label}: ${JSON.stringify(value)} is not one of ${field.choices.join(', ')}`];
	}
	if (field.type !== 'integer' && field.type !== 'number' && field.type !== 'numberList') return [];
	const number = asNumber(value);
	if (number === undefined || !Number.isFinite(number)) {
		return [`${label}: ${JSON.stringify(value)} is not a number`];
	}
	if (field.type === 'integer' && !Number.isInteger(number)) {
		return [`${label}: ${number} is not a whole number`];
	}
	if (field.min !== undefined && number < field.min) {
		return [`${label}: ${number} is below the minimum ${field.min}`];
	}
	if (field.max !== undefined && number > field.max) {
		return [`${label}: ${number} is above the maximum ${field.max}`];
	}
	if (field.multipleOf !== undefined && !isMultiple(number, field.multipleOf)) {
		return [`${label}: ${number} is not a multiple of ${field.multipleOf}`];
	}
	return [];
}

/** Exact for integers; with a tolerance for fractional steps such as 0.1, which floats miss. */
function isMultiple(value: number, step: number): boolean {
	const ratio = value / step;
	return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}
