import type { INodeProperties } from 'n8n-workflow';

/** The options that bound waiting for a prediction (Get Prediction Status, and Create Prediction's wait). */
export const waitOptionFields: INodeProperties[] = [
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		default: 2,
		description:
			'Check every this many seconds. Without this option the node checks soon after the start and less often as the wait goes on (from 0.5 s, or 3 s for video models, to at most 10 s), so a result is noticed within about a tenth of the time it took. A server hint (X-Poll-Interval) takes precedence.',
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWaitSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 600,
		description:
			'After this long the item fails with the last status, so a stuck prediction cannot hang the workflow',
	},
];

/** The name to give a downloaded file (Download Content, and Create Prediction's download). */
export const fileNameOption: INodeProperties = {
	displayName: 'File Name',
	name: 'fileName',
	type: 'string',
	default: '',
	description:
		'The name to give the file. Default: the last segment of the URL, such as output_42_0.jpeg.',
};

/** A node's Options collection: settings most runs leave at their defaults. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}
