/**
 * The workflows in examples/, and the part of each that is ours: the Pruna nodes and the connections
 * between them. Tests and `npm run demo` run that part in n8n's engine, so an example cannot rot.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { IConnections, INode } from 'n8n-workflow';

import { packageRoot } from './n8n.ts';
import type { WorkflowJson } from './run.ts';

export const examplesFolder = join(packageRoot, 'examples');
export const prunaNodePrefix = 'n8n-nodes-pruna.';

export function exampleFiles(): string[] {
	return readdirSync(examplesFolder)
		.filter((file) => file.endsWith('.json'))
		.sort();
}

/** The id an example gets when imported into n8n, which allows at most 21 characters. */
export const exampleWorkflowId = (file: string) =>
	file
		.replace(/\.json$/, '')
		.replace(/-/g, '')
		.slice(0, 21);

export function loadExample(file: string): WorkflowJson & { name: string } {
	return JSON.parse(readFileSync(join(examplesFolder, file), 'utf8'));
}

const isPrunaNode = (node: INode) => node.type.startsWith(prunaNodePrefix);

/** The example's Pruna nodes and the connections among them; the first one takes the run's input. */
export function prunaPart(example: WorkflowJson): WorkflowJson {
	const nodes = example.nodes.filter(isPrunaNode);
	const names = new Set(nodes.map((node) => node.name));
	const connections: IConnections = {};
	for (const [source, outputs] of Object.entries(example.connections)) {
		if (!names.has(source)) continue;
		connections[source] = {
			main: (outputs.main ?? []).map((targets) =>
				(targets ?? []).filter((target) => names.has(target.node)),
			),
		};
	}
	return { nodes, connections };
}
