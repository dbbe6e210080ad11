/**
 * The error guide (docs/errors.md) lists every error the nodes can raise: each message and
 * description the code builds (read from the TypeScript sources, see node-error-texts.ts) must be
 * on one line of the guide, its fixed parts in order, with the values of a run (`…` in the guide)
 * between them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { ErrorText } from './node-error-texts';
import { readNodeErrorTexts } from './node-error-texts';

const root = resolve(__dirname, '../..');
const guideLines = readFileSync(join(root, 'docs/errors.md'), 'utf8').split('\n');
const texts = readNodeErrorTexts();

/** Whether `line` holds each part, in order. */
function holdsInOrder(line: string, parts: string[]): boolean {
	let from = 0;
	for (const part of parts) {
		const at = line.indexOf(part, from);
		if (at < 0) return false;
		from = at + part.length;
	}
	return true;
}

function inGuide(text: ErrorText): boolean {
	return guideLines.some((line) => holdsInOrder(line, text.parts));
}

test('the texts are read from the code, through its helpers and tables', () => {
	const all = texts.map((text) => text.parts.join(' … '));
	// A literal message, a template's fixed parts, a table looked up by status, a helper's
	// argument, a value returned through a type (Parsed.problem), an array's pushed lines.
	expect(all).toEqual(
		expect.arrayContaining([
			'The binary property name is empty',
			'Download of … stalled: no data arrived for',
			'Rate limit reached: too many requests to Pruna. Wait, or space the requests out.',
			'Additional Input is not a JSON object (item',
			'The prediction ID is empty',
			'is below the minimum',
			'Pruna request ID:',
			'Create prediction with … . A prediction may exist and be billed: its ID never arrived',
		]),
	);
	expect(texts.filter((text) => text.kind === 'description').length).toBeGreaterThan(20);
	expect(texts.length).toBeGreaterThan(80);
});

test.each(texts.map((text) => [`${text.kind} at ${text.at}: ${text.parts.join(' … ')}`, text]))(
	'docs/errors.md lists the %s',
	(_name, text) => {
		expect(inGuide(text as ErrorText)).toBe(true);
	},
);

test('a text the guide lacks is found missing', () => {
	expect(inGuide({ at: 'x', kind: 'message', parts: ['Pruna is on fire'] })).toBe(false);
	expect(inGuide({ at: 'x', kind: 'message', parts: ['no data arrived for', 'Download of'] })).toBe(
		false,
	);
});
