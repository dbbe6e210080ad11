/**
 * Where each node's **Docs** link in the editor leads: its own section of this package's README on
 * npm (package.json's `homepage`). n8n 2.41 opens a node's `documentationUrl` as it is; a codex URL
 * would get tracking parameters appended after the section's anchor.
 */
export const packageDocsUrl = 'https://www.npmjs.com/package/n8n-nodes-pruna';

/** The link to a section of the README, by its heading's anchor. */
export function docsUrlOf(anchor: string): string {
	return `${packageDocsUrl}#${anchor}`;
}
