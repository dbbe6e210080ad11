/**
 * Download Content of a 1 GiB file into filesystem binary mode, against `curl -o` of the same URL
 * from the same simulator (a separate process), in the same run.
 */
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { getEngine } from '../test/harness/engine.ts';
import { runWorkflow } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import {
	fmt,
	measure,
	median,
	runsOf,
	settleDisk,
	startSimulatorProcess,
	timeCommand,
	transferRows,
} from './lib.ts';

const sizeBytes = 1024 ** 3;
const runs = 3;

export async function benchDownload(): Promise<BenchRow[]> {
	const simulator = await startSimulatorProcess({
		contents: [
			{ path: 'bench/warmup.mp4', size: 1024 * 1024, contentType: 'video/mp4' },
			{ path: 'bench/video_1gib.mp4', size: sizeBytes, contentType: 'video/mp4' },
		],
	});
	const engine = await getEngine();
	const [warmupUrl, url] = simulator.contentUrls;
	const credentials = credentialsFor(simulator);
	const download = async (contentUrl: string) => {
		const result = await runWorkflow(
			chain(
				prunaNode('Download', nodeType.download, { url: contentUrl, binaryPropertyName: 'data' }),
			),
			{
				credentials,
			},
		);
		const binary = result.nodes.Download?.items[0]?.binary?.data;
		if (result.status !== 'success' || !binary?.id)
			throw new Error(`Download failed: ${result.error?.message}`);
		return binary;
	};

	try {
		const warm = await download(warmupUrl);
		await engine.binaryData.deleteManyByBinaryDataId([warm.id!]);

		const curlFile = join(tmpdir(), `pruna-bench-${process.pid}.bin`);
		// The floor for any node on this machine: Node's own http.get piped to a file, no n8n at all.
		const nodeFloor = async () => {
			const startedAt = performance.now();
			await new Promise<void>((resolve, reject) =>
				get(url, { headers: { apikey: simulator.apiKey } }, (response) => {
					pipeline(response, createWriteStream(curlFile)).then(resolve, reject);
				}).on('error', reject),
			);
			const wallMs = performance.now() - startedAt;
			rmSync(curlFile);
			return wallMs;
		};
		const floorMs: number[] = [];
		const curlMs: number[] = [];
		const oursMs: number[] = [];
		const growthMiB: number[] = [];
		for (let run = 0; run < runs; run++) {
			curlMs.push(
				await timeCommand('curl', [
					'-sf',
					'-H',
					`apikey: ${simulator.apiKey}`,
					'-o',
					curlFile,
					url,
				]),
			);
			if (statSync(curlFile).size !== sizeBytes) throw new Error('curl fetched the wrong size');
			rmSync(curlFile);

			settleDisk();
			floorMs.push(await nodeFloor());

			settleDisk();
			const measured = await measure(async () => await download(url));
			if (measured.result.bytes !== sizeBytes)
				throw new Error(`stored ${measured.result.bytes} bytes`);
			oursMs.push(measured.wallMs);
			growthMiB.push(measured.peakRssGrowthMiB);
			await engine.binaryData.deleteManyByBinaryDataId([measured.result.id!]);
		}

		const floor = median(floorMs);
		console.log(
			`download 1 GiB: ours ${runsOf(oursMs, fmt.ms)}; curl -o ${runsOf(curlMs, fmt.ms)}; Node http.get → file ${runsOf(floorMs, fmt.ms)}; peak RSS growth ${growthMiB.map(fmt.mib).join(', ')}`,
		);
		const [wall, memory] = transferRows(
			'Download 1 GiB',
			oursMs,
			{ command: 'curl -o', ms: curlMs },
			growthMiB,
		);
		return [
			wall,
			{
				name: "Download 1 GiB: wall time vs Node's own http.get → file",
				ours: fmt.ms(median(oursMs)),
				reference: fmt.ms(floor),
				ratio: median(oursMs) / floor,
				goal: 'information',
				met: true,
			},
			memory,
		];
	} finally {
		await simulator.stop();
	}
}
