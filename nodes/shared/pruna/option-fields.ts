import type { INodeProperties } from 'n8n-workflow';

/** The options that bound waiting for a prediction; the status node uses them, later ones reuse them. */
export const waitOptionFields: INodeProperties[] = [
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		default: 2,
		description:
			'How long to wait between status checks. Pruna suggests about 1 s for image models and 2 to 5 s for video. A server hint (X-Poll-Interval) takes precedence.',
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
