/**
 * Upload File of a 100 MB binary stored by id (filesystem mode), against `curl -F` of the same
 * file to the same simulator (a separate process), in the same run.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { runWorkflow, storeBinary } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import {
	fmt,
	measure,
	runsOf,
	settleDisk,
	startSimulatorProcess,
	timeCommand,
	transferRows,
} from './lib.ts';

const sizeBytes = 100 * 1000 * 1000;
const runs = 3;

export async function benchUpload(): Promise<BenchRow[]> {
	const simulator = await startSimulatorProcess({});
	const credentials = credentialsFor(simulator);
	const file = join(tmpdir(), `pruna-bench-upload-${process.pid}.mp4`);
	try {
		let content: Buffer | undefined = randomBytes(sizeBytes);
		writeFileSync(file, content);
		const binary = await storeBinary(content, { fileName: 'clip.mp4', mimeType: 'video/mp4' });
		content = undefined; // only the stored copy remains: the node streams it by id

		const upload = async () => {
			const result = await runWorkflow(
				chain(prunaNode('Upload', nodeType.upload, { binaryPropertyName: 'data' })),
				{
					credentials,
					input: [{ json: {}, binary: { data: binary } }],
				},
			);
			const size = result.nodes.Upload?.items[0]?.json.size;
			if (result.status !== 'success' || size !== sizeBytes)
				throw new Error(`Upload failed: ${result.error?.message}`);
		};
		await upload(); // warm-up: the engine's first run loads code

		const curlMs: number[] = [];
		const oursMs: number[] = [];
		const growthMiB: number[] = [];
		for (let run = 0; run < runs; run++) {
			settleDisk();
			curlMs.push(
				await timeCommand('curl', [
					'-sf',
					'-o',
					'/dev/null',
					'-H',
					`apikey: ${simulator.apiKey}`,
					'-F',
					`content=@${file};type=video/mp4`,
					`${simulator.baseUrl}/v1/files`,
				]),
			);
			settleDisk();
			const measured = await measure(upload);
			oursMs.push(measured.wallMs);
			growthMiB.push(measured.peakRssGrowthMiB);
		}

		console.log(
			`upload 100 MB: ours ${runsOf(oursMs, fmt.ms)}; curl -F ${runsOf(curlMs, fmt.ms)}; peak RSS growth ${growthMiB.map(fmt.mib).join(', ')}`,
		);
		return transferRows('Upload 100 MB', oursMs, { command: 'curl -F', ms: curlMs }, growthMiB);
	} finally {
		rmSync(file, { force: true });
		await simulator.stop();
	}
}
