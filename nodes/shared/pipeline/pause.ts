import type { IExecuteSingleFunctions } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

/** Sleeps, or ends at once with a "canceled" error when the user stops the execution. */
export async function pause(
	context: IExecuteSingleFunctions,
	ms: number,
	waitingFor: string,
): Promise<void> {
	const signal = context.getExecutionCancelSignal();
	try {
		await sleep(ms, signal);
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			signal?.aborted ? `Execution canceled while waiting for ${waitingFor}` : (error as Error),
			{ itemIndex: context.getItemIndex() },
		);
	}
}
