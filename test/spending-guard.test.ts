/**
 * Create Prediction's spending guard (Options → Max Predictions per Run): a run with more items
 * than the limit fails before any create is sent, saying how many items it had and the limit.
 */
import type { INodeParameters } from 'n8n-workflow';

import { chain, credentialsFor, nodeType, prunaNode, suiteSimulator } from './fixtures';
import { runWorkflow } from './harness/run';

const simulator = suiteSimulator();

const creates = () =>
	simulator.requests.filter(
		(request) => request.method === 'POST' && request.path === '/v1/predictions',
	);

async function createRun(items: number, options: INodeParameters, extra = {}) {
	return await runWorkflow(
		chain(
			prunaNode(
				'Create',
				nodeType.create,
				{ model: 'p-image', prompt: '={{ $json.prompt }}', options },
				extra,
			),
		),
		{
			credentials: credentialsFor(simulator),
			input: Array.from({ length: items }, (_, index) => ({ json: { prompt: `scene ${index}` } })),
		},
	);
}

const refusal =
	'This run has 8 items, more than Max Predictions per Run (5): no prediction was created';

describe('Max Predictions per Run', () => {
	test('8 items against a limit of 5: the run fails, naming both, and no create reaches Pruna', async () => {
		const result = await createRun(8, { maxPredictionsPerRun: 5 });

		expect(result.status).toBe('error');
		expect(result.error?.message).toBe(refusal);
		expect(result.error?.description).toMatch(/^Nothing was sent to Pruna for any item/);
		expect(creates()).toHaveLength(0);
		expect(simulator.predictions.size).toBe(0);
	});

	test('with On Error → Continue every item fails with the same message, and none creates', async () => {
		const result = await createRun(
			8,
			{ maxPredictionsPerRun: 5 },
			{ onError: 'continueRegularOutput' },
		);

		expect(result.status).toBe('success');
		expect(result.nodes.Create.items.map((item) => item.json.error)).toEqual(
			Array(8).fill(refusal),
		);
		expect(result.nodes.Create.items.map((item) => item.pairedItem)).toEqual(
			Array.from({ length: 8 }, (_, item) => ({ item })),
		);
		expect(creates()).toHaveLength(0);
	});

	test('with Retry On Fail the run is refused on every try, still creating nothing', async () => {
		const result = await createRun(
			8,
			{ maxPredictionsPerRun: 5 },
			{ retryOnFail: true, maxTries: 2, waitBetweenTries: 0 },
		);

		expect(result.error?.message).toBe(refusal);
		expect(creates()).toHaveLength(0);
	});

	test('a run at the limit creates every item, once; 0 (the default) means no limit', async () => {
		const atLimit = await createRun(5, { maxPredictionsPerRun: 5 });
		expect(atLimit.status).toBe('success');
		expect(atLimit.nodes.Create.items.map((item) => item.json.status)).toEqual(
			Array(5).fill('starting'),
		);
		expect(creates()).toHaveLength(5);

		const unlimited = await createRun(8, {});
		expect(unlimited.status).toBe('success');
		expect(creates()).toHaveLength(13);
	});
});
