/**
 * The requests a node run keeps in flight follow the quota they count against and the measured
 * round trip: enough to fill the quota, never more than Max Requests at Once. Counted by the
 * simulator (the most requests it had open at once), over real HTTP with an added round trip.
 */
import { chain, credentialsFor, nodeType, prunaNode, suiteSimulator } from './fixtures';
import { runWorkflow } from './harness/run';

/** Pruna's delivery quota: 10,000 a minute, 1/6 of a request a millisecond. */
const simulator = suiteSimulator();
const deliveryPerMs = 10_000 / 60_000;
const headroom = 1.5;

async function downloadMany(items: number, roundTripMs: number, maxConcurrentRequests = 200) {
	const urls = Array.from({ length: items }, (_, index) =>
		simulator.addContent(`many/${index}/output_${index}_0.png`, { kind: 'png' }),
	);
	simulator.injectFault({
		path: '/v1/predictions/delivery/',
		fault: { kind: 'latency', ms: roundTripMs },
	});
	const result = await runWorkflow(
		chain(
			prunaNode('Download', nodeType.download, {
				url: '={{ $json.url }}',
				binaryPropertyName: 'data',
				options: { maxConcurrentRequests },
			}),
		),
		{ credentials: credentialsFor(simulator), input: urls.map((url) => ({ json: { url } })) },
	);
	expect(result.status).toBe('success');
	expect(result.nodes.Download.items).toHaveLength(items);
	expect(simulator.requestsTo('/v1/predictions/delivery/many/')).toHaveLength(items);
	return simulator.maxInFlight('/v1/predictions/delivery/many/');
}

describe('requests in flight sized to the work', () => {
	test('at a 100 ms round trip, about the quota times the round trip: far below a ceiling of 200', async () => {
		const mostInFlight = await downloadMany(200, 100);

		// The median round trip is at least the added 100 ms, so the run sizes to at least 25; a busy
		// machine lengthens it (answers wait for the process), but not to 400 ms (100 in flight).
		expect(mostInFlight).toBeGreaterThanOrEqual(Math.floor(deliveryPerMs * 100 * headroom));
		expect(mostInFlight).toBeLessThanOrEqual(Math.ceil(deliveryPerMs * 400 * headroom));
	}, 60_000);

	test('at a 300 ms round trip, three times as many', async () => {
		const mostInFlight = await downloadMany(300, 300);

		expect(mostInFlight).toBeGreaterThanOrEqual(Math.floor(deliveryPerMs * 300 * headroom));
		expect(mostInFlight).toBeLessThanOrEqual(200);
	}, 60_000);

	test('Max Requests at Once stays the ceiling', async () => {
		expect(await downloadMany(60, 300, 10)).toBe(10);
	}, 60_000);

	test('an API that only fails does not open more: 40 checks answered 503 never have more than 4 open', async () => {
		const ids = Array.from({ length: 40 }, () => simulator.addPrediction().id);
		simulator.injectFault({
			path: '/v1/predictions/status/',
			fault: { kind: 'status', status: 503, afterMs: 100 },
		});

		const result = await runWorkflow(
			chain(
				prunaNode(
					'Status',
					nodeType.status,
					{ predictionId: '={{ $json.id }}', waitUntilDone: false },
					{ onError: 'continueRegularOutput' },
				),
			),
			{ credentials: credentialsFor(simulator), input: ids.map((id) => ({ json: { id } })) },
		);

		expect(
			result.nodes.Status.items.every((item) => /503|unavailable/i.test(String(item.json.error))),
		).toBe(true);
		// Each check tried four times (three retries), and never more than the floor at once.
		expect(simulator.requestsTo('/v1/predictions/status/')).toHaveLength(160);
		expect(simulator.maxInFlight('/v1/predictions/status/')).toBe(4);
	}, 60_000);
});
