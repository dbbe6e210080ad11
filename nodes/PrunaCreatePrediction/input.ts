import type { IDataObject, IExecuteSingleFunctions } from 'n8n-workflow';
import { NodeOperationError, jsonParse } from 'n8n-workflow';

import type { ModelField, PrunaModel } from '../shared/api/model-catalog';
import { findModel, isPrimaryField } from '../shared/api/model-catalog';
import { customModel } from './properties';

function inputError(context: IExecuteSingleFunctions, message: string, description: string) {
	const itemIndex = context.getItemIndex();
	return new NodeOperationError(context.getNode(), `${message} (item ${itemIndex})`, {
		itemIndex,
		description,
	});
}

/** The model to run: a listed one, or the name typed for Custom Model. */
export function readModelName(context: IExecuteSingleFunctions): string {
	const chosen = String(context.getNodeParameter('model', '')).trim();
	if (chosen !== customModel) return chosen;
	const typed = String(context.getNodeParameter('customModel', '')).trim();
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(typed)) {
		throw inputError(
			context,
			typed ? `"${typed}" is not a model name` : 'The model name is empty',
			'Give the name Pruna documents for the model, such as p-image-pro.',
		);
	}
	return typed;
}

/** Entries of a list parameter: an expression may give an array, or a JSON array as text. */
function listEntries(raw: unknown): unknown[] {
	const entries = Array.isArray(raw) ? raw : [raw];
	return entries.flatMap((entry) => {
		if (Array.isArray(entry)) return listEntries(entry);
		if (typeof entry === 'string' && entry.trim().startsWith('[')) {
			const parsed = jsonParse<unknown>(entry, { fallbackValue: null });
			if (Array.isArray(parsed)) return listEntries(parsed);
		}
		return [entry];
	});
}

/** The value to send for a field, or undefined when the user left it unset. */
function inputValue(field: ModelField, raw: unknown): unknown {
	if (raw === undefined || raw === null) return undefined;
	switch (field.type) {
		case 'urlList':
		case 'stringList': {
			const values = listEntries(raw)
				.map((entry) => (entry === undefined || entry === null ? '' : String(entry).trim()))
				.filter(Boolean);
			return values.length ? values : undefined;
		}
		case 'numberList': {
			const values = listEntries(raw).filter((entry) => entry !== '' && entry !== null);
			return values.length ? values.map(Number) : undefined;
		}
		case 'url':
		case 'secret':
			return String(raw).trim() || undefined;
		case 'string':
			return String(raw) === '' ? undefined : String(raw);
		default:
			return raw === '' ? undefined : raw;
	}
}

function readAdditionalInput(context: IExecuteSingleFunctions): IDataObject {
	const raw = context.getNodeParameter('additionalInput', '{}') as unknown;
	if (raw === '' || raw === undefined || raw === null) return {};
	const parsed = typeof raw === 'string' ? jsonParse<unknown>(raw, { fallbackValue: null }) : raw;
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw inputError(
			context,
			'Additional Input is not a JSON object',
			'Give an object of input fields, such as { "seed": 42 }.',
		);
	}
	return parsed as IDataObject;
}

/**
 * The `input` object for the model: the fields the user set that the model defines (each model
 * rejects fields it does not know), then Additional Input on top.
 */
export function collectModelInput(
	context: IExecuteSingleFunctions,
	modelName: string,
): IDataObject {
	const input: IDataObject = {};
	const model = findModel(modelName);
	if (model) {
		const inputOptions = context.getNodeParameter('inputOptions', {}) as IDataObject;
		for (const field of model.fields) {
			const raw = isPrimaryField(field)
				? context.getNodeParameter(field.name, undefined)
				: inputOptions[field.name];
			const value = inputValue(field, raw);
			if (value !== undefined) input[field.name] = value as IDataObject[string];
		}
	}
	return { ...input, ...readAdditionalInput(context) };
}

/** The input as output items show it: secrets such as a Hugging Face token are left out. */
export function withoutSecrets(input: IDataObject, model: PrunaModel | undefined): IDataObject {
	const secrets = new Set(
		model?.fields.filter((field) => field.type === 'secret').map((field) => field.name),
	);
	return Object.fromEntries(Object.entries(input).filter(([name]) => !secrets.has(name)));
}
