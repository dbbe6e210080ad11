import type { IBinaryData, IDataObject, IExecuteSingleFunctions } from 'n8n-workflow';

/**
 * n8n offers every node with `usableAsTool` to its AI Agent as `<type>Tool`. In that form what the
 * node outputs is all the agent sees, so a stored file is useless to it unless it comes with a link.
 */
export function runsAsTool(context: IExecuteSingleFunctions): boolean {
	return context.getNode().type.endsWith('Tool');
}

/**
 * A link to a stored file that opens without the API key: n8n's signed binary URL (valid a day).
 * An instance that keeps binary data in memory cannot sign one; the output then says where the
 * file is instead.
 */
export function agentFileLink(
	context: IExecuteSingleFunctions,
	binary: IBinaryData,
	binaryPropertyName: string,
): IDataObject {
	try {
		return { fileUrl: context.helpers.createBinarySignedUrl(binary, '1 day') };
	} catch {
		return {
			fileNote: `The file is stored in the binary field "${binaryPropertyName}" of this tool's output; this n8n instance keeps binary data in memory, so it cannot give a link to it.`,
		};
	}
}

/** Said when an agent gets a generation URL it cannot open: it needs the Pruna API key. */
export const generationUrlNote =
	'generation_url needs the Pruna API key to open. Turn on Download Output for a link a person can open.';
