/**
 * Download Content of a 1 GiB file into filesystem binary mode, against what a user could use
 * instead: n8n's HTTP Request node with Response Format File in the same engine, Node's own
 * `http.get` piped to a file (the floor for anything in n8n), and `curl -o`, all from the same
 * simulator (a separate process), in turns, 5 runs each.
 */
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IBinaryData } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { addNodeTypes, getEngine } from '../test/harness/engine.ts';
import type { WorkflowJson } from '../test/harness/run.ts';
import { runWorkflow } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import {
	fmt,
	httpRequestType,
	loadHttpRequestNode,
	measure,
	spread,
	settleDisk,
	startSimulatorProcess,
	timeCommand,
	transferRows,
} from './lib.ts';

const sizeBytes = 1024 ** 3;
const runs = 5;

export async function benchDownload(): Promise<BenchRow[]> {
	const simulator = await startSimulatorProcess({
		contents: [
			{ path: 'bench/warmup.mp4', size: 1024 * 1024, contentType: 'video/mp4' },
			{ path: 'bench/video_1gib.mp4', size: sizeBytes, contentType: 'video/mp4' },
		],
	});
	const engine = await getEngine();
	const httpRequest = loadHttpRequestNode();
	if (httpRequest) await addNodeTypes({ [httpRequestType]: httpRequest });
	const [warmupUrl, url] = simulator.contentUrls;
	const credentials = credentialsFor(simulator);
	const ours = (contentUrl: string) =>
		chain(
			prunaNode('Download', nodeType.download, { url: contentUrl, binaryPropertyName: 'data' }),
		);
	const httpNode = (contentUrl: string) =>
		chain({
			...prunaNode('Download', nodeType.download, {}),
			type: httpRequestType,
			typeVersion: 4.2,
			parameters: {
				url: contentUrl,
				authentication: 'predefinedCredentialType',
				nodeCredentialType: 'prunaApi',
				options: { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
			},
		});
	/** Runs a one-node download workflow; its stored file, deleted after the size is checked. */
	const download = async (workflow: WorkflowJson) => {
		const result = await runWorkflow(workflow, { credentials });
		const binary = result.nodes.Download?.items[0]?.binary?.data as IBinaryData | undefined;
		if (result.status !== 'success' || !binary?.id)
			throw new Error(`Download failed: ${result.error?.message}`);
		return binary;
	};
	const file = join(tmpdir(), `pruna-bench-${process.pid}.bin`);
	const nodeClient = async () => {
		const startedAt = performance.now();
		await new Promise<void>((resolve, reject) =>
			get(url, { headers: { apikey: simulator.apiKey } }, (response) => {
				pipeline(response, createWriteStream(file)).then(resolve, reject);
			}).on('error', reject),
		);
		const wallMs = performance.now() - startedAt;
		if (statSync(file).size !== sizeBytes) throw new Error('http.get fetched the wrong size');
		rmSync(file);
		return wallMs;
	};

	try {
		for (const warm of [ours(warmupUrl), ...(httpRequest ? [httpNode(warmupUrl)] : [])]) {
			await engine.binaryData.deleteManyByBinaryDataId([(await download(warm)).id!]);
		}
		const times = {
			ours: [] as number[],
			httpRequestNode: httpRequest ? ([] as number[]) : undefined,
			nodeClient: [] as number[],
			curl: { command: 'curl -o', ms: [] as number[] },
		};
		const growthMiB: number[] = [];
		const httpGrowthMiB: number[] = [];
		for (let run = 0; run < runs; run++) {
			settleDisk();
			times.curl.ms.push(
				await timeCommand('curl', ['-sf', '-H', `apikey: ${simulator.apiKey}`, '-o', file, url]),
			);
			if (statSync(file).size !== sizeBytes) throw new Error('curl fetched the wrong size');
			rmSync(file);

			settleDisk();
			times.nodeClient.push(await nodeClient());

			// Ours and the HTTP Request node take turns going first, so neither always follows the other.
			const turns = [
				async () => {
					settleDisk();
					const measured = await measure(async () => await download(ours(url)));
					if (measured.result.bytes !== sizeBytes)
						throw new Error(`stored ${measured.result.bytes} bytes`);
					times.ours.push(measured.wallMs);
					growthMiB.push(measured.peakRssGrowthMiB);
					await engine.binaryData.deleteManyByBinaryDataId([measured.result.id!]);
				},
				async () => {
					if (!times.httpRequestNode) return;
					settleDisk();
					const reference = await measure(async () => await download(httpNode(url)));
					times.httpRequestNode.push(reference.wallMs);
					httpGrowthMiB.push(reference.peakRssGrowthMiB);
					await engine.binaryData.deleteManyByBinaryDataId([reference.result.id!]);
				},
			];
			for (const turn of run % 2 === 0 ? turns : turns.reverse()) await turn();
		}

		console.log(
			`download 1 GiB (min / median / max of ${runs}): ours ${spread(times.ours, fmt.ms)}; HTTP Request node ${times.httpRequestNode ? spread(times.httpRequestNode, fmt.ms) : 'not installed'}; Node http.get → file ${spread(times.nodeClient, fmt.ms)}; curl -o ${spread(times.curl.ms, fmt.ms)}; peak RSS growth ours ${growthMiB.map(fmt.mib).join(', ')}, HTTP Request node ${httpGrowthMiB.map(fmt.mib).join(', ')}`,
		);
		return transferRows('Download 1 GiB', times, growthMiB);
	} finally {
		rmSync(file, { force: true });
		await simulator.stop();
	}
}
