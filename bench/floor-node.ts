/**
 * The least a declarative node can do for a status check: routing alone, no hooks, no retries, no
 * pacing. It is not part of the package; the status benchmark registers it in the engine to show
 * what n8n's routing engine costs by itself.
 */
import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

export const floorNodeType = 'bench.statusFloor';

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
