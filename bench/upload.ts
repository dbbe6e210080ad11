/**
 * Upload File of a 100 MB binary stored by id (filesystem mode), against what a user could use
 * instead: n8n's HTTP Request node sending the binary as multipart form-data in the same engine, a
 * multipart stream from Node's own client (the floor for anything in n8n), and `curl -F`, all to
 * the same simulator (a separate process), in turns, 5 runs each.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

import { chain, credentialsFor, nodeType, prunaNode } from '../test/fixtures.ts';
import { addNodeTypes } from '../test/harness/engine.ts';
import type { WorkflowJson } from '../test/harness/run.ts';
import { runWorkflow, storeBinary } from '../test/harness/run.ts';
import type { BenchRow } from './lib.ts';
import {
	fmt,
	httpRequestType,
	loadHttpRequestNode,
	measure,
	settleDisk,
	spread,
	startSimulatorProcess,
	timeCommand,
	transferRows,
} from './lib.ts';

const sizeBytes = 100 * 1000 * 1000;
const runs = 5;

export async function benchUpload(): Promise<BenchRow[]> {
	const simulator = await startSimulatorProcess({});
	const credentials = credentialsFor(simulator);
	const httpRequest = loadHttpRequestNode();
	if (httpRequest) await addNodeTypes({ [httpRequestType]: httpRequest });
	const file = join(tmpdir(), `pruna-bench-upload-${process.pid}.mp4`);
	const filesUrl = `${simulator.baseUrl}/v1/files`;
	try {
		let content: Buffer | undefined = randomBytes(sizeBytes);
		writeFileSync(file, content);
		const binary = await storeBinary(content, { fileName: 'clip.mp4', mimeType: 'video/mp4' });
		content = undefined; // only the stored copy remains: the nodes stream it by id

		const ours = chain(prunaNode('Upload', nodeType.upload, { binaryPropertyName: 'data' }));
		const httpNode = chain({
			...prunaNode('Upload', nodeType.upload, {}),
			type: httpRequestType,
			typeVersion: 4.2,
			parameters: {
				method: 'POST',
				url: filesUrl,
				authentication: 'predefinedCredentialType',
				nodeCredentialType: 'prunaApi',
				sendBody: true,
				contentType: 'multipart-form-data',
				bodyParameters: {
					parameters: [
						{ parameterType: 'formBinaryData', name: 'content', inputDataFieldName: 'data' },
					],
				},
				options: {},
			},
		});
		const upload = async (workflow: WorkflowJson) => {
			const result = await runWorkflow(workflow, {
				credentials,
				input: [{ json: {}, binary: { data: binary } }],
			});
			const size = result.nodes.Upload?.items[0]?.json.size;
			if (result.status !== 'success' || size !== sizeBytes)
				throw new Error(`Upload failed: ${result.error?.message ?? `size ${size}`}`);
		};
		const nodeClient = async () => {
			const boundary = `----bench${Date.now()}`;
			const head = Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
			);
			const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
			const startedAt = performance.now();
			await new Promise<void>((resolve, reject) => {
				const sent = request(
					filesUrl,
					{
						method: 'POST',
						headers: {
							apikey: simulator.apiKey,
							'content-type': `multipart/form-data; boundary=${boundary}`,
							'content-length': head.length + sizeBytes + tail.length,
						},
					},
					(response) => {
						response.resume();
						response.on('end', () =>
							response.statusCode === 201
								? resolve()
								: reject(new Error(`HTTP ${response.statusCode}`)),
						);
					},
				);
				sent.on('error', reject);
				const body = Readable.from(
					(async function* () {
						yield head;
						yield* createReadStream(file, { highWaterMark: 1024 * 1024 });
						yield tail;
					})(),
				);
				pipeline(body, sent).catch(reject);
			});
			return performance.now() - startedAt;
		};

		await upload(ours); // warm-up: the engine's first run loads code
		if (httpRequest) await upload(httpNode);

		const times = {
			ours: [] as number[],
			httpRequestNode: httpRequest ? ([] as number[]) : undefined,
			nodeClient: [] as number[],
			curl: { command: 'curl -F', ms: [] as number[] },
		};
		const growthMiB: number[] = [];
		const httpGrowthMiB: number[] = [];
		for (let run = 0; run < runs; run++) {
			settleDisk();
			times.curl.ms.push(
				await timeCommand('curl', [
					'-sf',
					'-o',
					'/dev/null',
					'-H',
					`apikey: ${simulator.apiKey}`,
					'-F',
					`content=@${file};type=video/mp4`,
					filesUrl,
				]),
			);
			settleDisk();
			times.nodeClient.push(await nodeClient());
			// Ours and the HTTP Request node take turns going first, so neither always follows the other.
			const turns = [
				async () => {
					settleDisk();
					const measured = await measure(async () => await upload(ours));
					times.ours.push(measured.wallMs);
					growthMiB.push(measured.peakRssGrowthMiB);
				},
				async () => {
					if (!times.httpRequestNode) return;
					settleDisk();
					const reference = await measure(async () => await upload(httpNode));
					times.httpRequestNode.push(reference.wallMs);
					httpGrowthMiB.push(reference.peakRssGrowthMiB);
				},
			];
			for (const turn of run % 2 === 0 ? turns : turns.reverse()) await turn();
		}

		console.log(
			`upload 100 MB (min / median / max of ${runs}): ours ${spread(times.ours, fmt.ms)}; HTTP Request node ${times.httpRequestNode ? spread(times.httpRequestNode, fmt.ms) : 'not installed'}; Node multipart stream ${spread(times.nodeClient, fmt.ms)}; curl -F ${spread(times.curl.ms, fmt.ms)}; peak RSS growth ours ${growthMiB.map(fmt.mib).join(', ')}, HTTP Request node ${httpGrowthMiB.map(fmt.mib).join(', ')}`,
		);
		return transferRows('Upload 100 MB', times, growthMiB);
	} finally {
		rmSync(file, { force: true });
		await simulator.stop();
	}
}
