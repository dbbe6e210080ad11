/** The Create Prediction node's own check of a model's input against the catalog: one rule a row. */
import type { IDataObject } from 'n8n-workflow';

import { checkModelInput } from '../../nodes/PrunaCreatePrediction/input-check';
import type { PrunaModel } from '../../nodes/shared/api/model-catalog';
import { findModel } from '../../nodes/shared/api/model-catalog';

function model(name: string): PrunaModel {
	const found = findModel(name);
	if (!found) throw new Error(`${name} is not in the catalog`);
	return found;
}

test.each<[string, IDataObject, string[]]>([
	['p-image', { prompt: 'a fox' }, []],
	['p-image', {}, ['prompt is required']],
	['p-image', { prompt: 'a fox', width: 256, height: 1440 }, []],
	['p-image', { prompt: 'a fox', width: 255 }, ['width: 255 is below the minimum 256']],
	['p-image', { prompt: 'a fox', height: 1441 }, ['height: 1441 is above the maximum 1440']],
	['p-image', { prompt: 'a fox', width: '300' }, []],
	['p-image', { prompt: 'a fox', width: 'wide' }, ['width: "wide" is not a number']],
	['p-image', { prompt: 'a fox', seed: 1.5 }, ['seed: 1.5 is not a whole number']],
	['p-image', { prompt: 'a fox', aspect_ratio: '16:9' }, []],
	[
		'p-image',
		{ prompt: 'a fox', aspect_ratio: '5:4' },
		['aspect_ratio: "5:4" is not one of 1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, custom'],
	],
	['p-image', { prompt: 'a fox', colour: 'red' }, []],
	['p-image-trainer', { image_data: 'https://x.test/a.zip', steps: 1200 }, []],
	[
		'p-image-trainer',
		{ image_data: 'https://x.test/a.zip', steps: 1250 },
		['steps: 1250 is not a multiple of 100'],
	],
	['p-image-edit', { prompt: 'swap', images: [] }, ['images: 0 entries, at least 1 needed']],
	[
		'p-image-edit',
		{
			prompt: 'swap',
			images: ['1', '2', '3', '4', '5', '6'].map((n) => `https://x.test/${n}.png`),
		},
		['images: 6 entries, at most 5 allowed'],
	],
	[
		'p-image',
		{ width: 10, height: 10 },
		[
			'prompt is required',
			'height: 10 is below the minimum 256',
			'width: 10 is below the minimum 256',
		],
	],
])('%s %j → %j', (name, input, problems) => {
	expect(checkModelInput(model(name), input)).toEqual(problems);
});
