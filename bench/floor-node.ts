/**
 * The least a declarative node can do per item: routing alone, no hooks, no retries, no pacing.
 * They are not part of the package; benchmarks register them in the engine to show what n8n's
 * routing engine costs by itself for the same requests as ours.
 */
import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

export const floorNodeType = 'bench.statusFloor';
export const downloadFloorNodeType = 'bench.downloadFloor';

export class StatusFloor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Status floor',
		name: 'statusFloor',
		group: ['input'],
		version: 1,
		description: 'GET a status URL by routing alone',
		defaults: { name: 'Status floor' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'prunaApi', required: true }],
		// Like the HTTP Request reference, the item carries the absolute status URL: one expression.
		requestDefaults: { headers: { Accept: 'application/json' } },
		properties: [
			{
				displayName: 'Status URL',
				name: 'statusUrl',
				type: 'string',
				default: '',
				routing: { request: { method: 'GET', url: '={{ $value }}' } },
			},
		],
	};
}

/**
 * A download by routing alone: the body read whole, then stored as binary data by routing's own
 * `binaryData` postReceive action (n8n's binary store, as ours), in the field `data`.
 */
export class DownloadFloor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Download floor',
		name: 'downloadFloor',
		group: ['input'],
		version: 1,
		description: 'GET a file by routing alone and store it as binary data',
		defaults: { name: 'Download floor' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'prunaApi', required: true }],
		requestDefaults: { headers: { Accept: '*/*' } },
		properties: [
			{
				displayName: 'URL',
				name: 'url',
				type: 'string',
				default: '',
				routing: {
					request: { method: 'GET', url: '={{ $value }}', encoding: 'arraybuffer' },
					output: {
						postReceive: [{ type: 'binaryData', properties: { destinationProperty: 'data' } }],
					},
				},
			},
		],
	};
}
