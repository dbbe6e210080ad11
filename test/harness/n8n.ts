/**
 * n8n's engine, loaded the way n8n loads it. n8n-core brings its own copies of `@n8n/di` and friends;
 * the container must be the one n8n-core uses, so those modules are resolved from n8n-core's folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

function findPackageRoot(from: string): string {
	for (let folder = from; folder !== dirname(folder); folder = dirname(folder)) {
		const manifest = join(folder, 'package.json');
		if (
			existsSync(manifest) &&
			JSON.parse(readFileSync(manifest, 'utf8')).name === 'n8n-nodes-pruna'
		) {
			return folder;
		}
	}
	throw new Error('Run this from inside the n8n-nodes-pruna checkout');
}

/** The repository root: n8n loads our package from here, through the `n8n` section of package.json. */
export const packageRoot = findPackageRoot(process.cwd());

const packageRequire = createRequire(join(packageRoot, 'package.json'));
const coreRequire = createRequire(packageRequire.resolve('n8n-core'));

export const core = packageRequire('n8n-core') as typeof import('n8n-core');
export const workflow = packageRequire('n8n-workflow') as typeof import('n8n-workflow');
export const { Container } = coreRequire('@n8n/di') as typeof import('@n8n/di');

/**
 * The engine's own step that, under Execution Logic v2 (`binaryMode: 'combined'`), moves a node's
 * stored output files from `item.binary` into `item.json._files`. Not exported from n8n-core's index;
 * the harness applies it to a run's input items, as the engine does to a trigger's output.
 */
export const { convertBinaryData } = packageRequire(
	'n8n-core/dist/utils/convert-binary-data.js',
) as {
	convertBinaryData(
		workflowId: string,
		executionId: string | undefined,
		output: { data: Array<Array<import('n8n-workflow').INodeExecutionData>> },
		binaryMode: string | undefined,
	): Promise<{ data: Array<Array<import('n8n-workflow').INodeExecutionData>> }>;
};
