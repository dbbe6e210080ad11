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
import { fmt, measure, median, settleDisk, startSimulatorProcess, timeCommand } from './lib.ts';

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
	const credentials = { prunaApi: { apiKey: simulator.apiKey, baseUrl: simulator.baseUrl } };
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

		const ours = median(oursMs);
		const curl = median(curlMs);
		const floor = median(floorMs);
		const peak = Math.max(...growthMiB);
		console.log(
			`download 1 GiB: ours ${oursMs.map(fmt.ms).join(', ')} (median ${fmt.ms(ours)}); curl -o ${curlMs.map(fmt.ms).join(', ')} (median ${fmt.ms(curl)}); Node http.get → file ${floorMs.map(fmt.ms).join(', ')} (median ${fmt.ms(floor)}); peak RSS growth ${growthMiB.map(fmt.mib).join(', ')}`,
		);
		return [
			{
				name: 'Download 1 GiB: wall time',
				ours: fmt.ms(ours),
				reference: `curl -o ${fmt.ms(curl)}`,
				ratio: ours / curl,
				goal: '≤ 1.25× curl',
				met: ours / curl <= 1.25,
			},
			{
				name: 'Download 1 GiB: wall time vs Node floor',
				ours: fmt.ms(ours),
				reference: `Node http.get → file ${fmt.ms(floor)}`,
				ratio: ours / floor,
				goal: 'information',
				met: true,
			},
			{
				name: 'Download 1 GiB: peak RSS growth',
				ours: fmt.mib(peak),
				reference: '',
				ratio: undefined,
				goal: '≤ 64 MiB',
				met: peak <= 64,
			},
		];
	} finally {
		await simulator.stop();
	}
}
