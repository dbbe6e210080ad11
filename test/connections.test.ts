/**
 * No connection outlives its request: a download that stalls, or that the item gives up on, has its
 * socket closed when the item fails, not when the server gives up. Counted on the simulator's side:
 * the sockets it still has open once the run has ended.
 */
import { chain, credentialsFor, nodeType, prunaNode, suiteSimulator } from './fixtures';
import { runWorkflow } from './harness/run';

const simulator = suiteSimulator();
const cdn = suiteSimulator({ requireApiKey: false });

/** Waits until the server has seen its client sockets close, for at most `boundMs`. */
async function openSocketsAfter(server: typeof simulator, boundMs = 3_000): Promise<number> {
	const giveUpAt = Date.now() + boundMs;
	while (server.openSockets > 0 && Date.now() < giveUpAt) {
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return server.openSockets;
}

function downloads(server: typeof simulator, count: number): string[] {
	return Array.from({ length: count }, (_, index) =>
		server.addContent(`stall/${index}/output_${index}_0.mp4`, {
			kind: 'bytes',
			size: 1024 * 1024,
			contentType: 'video/mp4',
		}),
	);
}

async function runDownloads(urls: string[], timeoutMs: number) {
	return await runWorkflow(
		chain(
			prunaNode(
				'Download',
				nodeType.download,
				{
					url: '={{ $json.url }}',
					binaryPropertyName: 'data',
					options: { downloadRetrySeconds: 0 },
					requestOptions: { timeout: timeoutMs },
				},
				{ onError: 'continueRegularOutput' },
			),
		),
		{
			credentials: credentialsFor(simulator),
			input: urls.map((url) => ({ json: { url } })),
		},
	);
}

describe('connections', () => {
	test('three downloads from Pruna that stall after 64 KiB each fail, and leave no socket open', async () => {
		const urls = downloads(simulator, 3);
		simulator.injectFault({
			path: '/v1/predictions/delivery/stall/',
			fault: { kind: 'stall', afterBytes: 64 * 1024 },
		});

		const result = await runDownloads(urls, 500);

		expect(result.status).toBe('success');
		const errors = result.nodes.Download.items.map((item) => String(item.json.error));
		expect(errors).toEqual(
			urls.map(() => expect.stringMatching(/stalled: no data arrived for 0\.5 s$/)),
		);
		expect(simulator.requestsTo('/v1/predictions/delivery/stall/')).toHaveLength(3);
		expect(await openSocketsAfter(simulator)).toBe(0);
	}, 30_000);

	test('the same from another host (a CDN, no key): no socket left open either', async () => {
		const urls = downloads(cdn, 3);
		cdn.injectFault({
			path: '/v1/predictions/delivery/stall/',
			fault: { kind: 'stall', afterBytes: 64 * 1024 },
		});

		const result = await runDownloads(urls, 500);

		expect(result.nodes.Download.items.map((item) => String(item.json.error))).toEqual(
			urls.map(() => expect.stringMatching(/stalled: no data arrived for 0\.5 s$/)),
		);
		expect(await openSocketsAfter(cdn)).toBe(0);
	}, 30_000);

	test('downloads read to their end, from Pruna and from a CDN, leave no socket open', async () => {
		for (const server of [simulator, cdn]) {
			const urls = downloads(server, 3);

			const result = await runDownloads(urls, 5_000);

			expect(result.status).toBe('success');
			expect(result.nodes.Download.items.map((item) => item.binary?.data?.bytes)).toEqual(
				urls.map(() => 1024 * 1024),
			);
			expect(await openSocketsAfter(server)).toBe(0);
		}
	}, 30_000);
});
