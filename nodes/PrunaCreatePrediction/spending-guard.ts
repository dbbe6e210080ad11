import type {
	IDataObject,
	IExecuteSingleFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { itemOptions } from '../shared/pipeline/request-options';

/**
 * A spending guard for scheduled and bulk runs: a node run with more items than the user allows
 * creates nothing at all. Each create is a paid job, and a run fed more items than expected (an
 * upstream node that returned the whole sheet instead of today's rows) would otherwise pay for all.
 */
export const maxPredictionsPerRunOption: INodeProperties = {
	displayName: 'Max Predictions per Run',
	name: 'maxPredictionsPerRun',
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 0 },
	default: 0,
	description:
		'A spending guard: a run with more items than this creates no prediction at all and fails, saying how many items it had. 0 means no limit.',
};

/** The items of this node run: what n8n's routing engine will run the create for, one each. */
function itemsInRun(context: IExecuteSingleFunctions): number {
	const input = context.getExecuteData()?.data as
		| Record<string, Array<INodeExecutionData[] | null> | undefined>
		| undefined;
	// An AI agent's tool call carries its item on the ai_tool connection (n8n's RoutingNode reads the same).
	const items = input?.main?.[0] ?? input?.ai_tool?.[0];
	if (Array.isArray(items)) return items.length;
	return Number(context.evaluateExpression('{{ $input.all().length }}', context.getItemIndex()));
}

/**
 * Throws, before anything is sent, when the run has more items than Max Predictions per Run. Every
 * item checks, so with On Error → Continue each item fails with the same message and none creates.
 */
export function refuseRunOverSpendingLimit(context: IExecuteSingleFunctions): void {
	const limit = Number((itemOptions(context) as IDataObject).maxPredictionsPerRun ?? 0);
	if (!Number.isFinite(limit) || limit <= 0) return;
	const items = itemsInRun(context);
	if (items <= limit) return;
	throw new NodeOperationError(
		context.getNode(),
		`This run has ${items} items, more than Max Predictions per Run (${limit}): no prediction was created`,
		{
			itemIndex: context.getItemIndex(),
			description:
				'Nothing was sent to Pruna for any item of this run. Check what feeds this node, or raise Max Predictions per Run under Options.',
		},
	);
}
