import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { getPredictionStatus, statusPathOf } from '../nodes/shared/api/endpoints';
import {
	defaultBaseUrl,
	isBaseUrlOrigin,
	requestTarget,
	unsentRoutedRequestUrl,
} from '../nodes/shared/api/urls';

export class PrunaApi implements ICredentialType {
	name = 'prunaApi';

	displayName = 'Pruna API';

	icon: Icon = { light: 'file:../icons/pruna.svg', dark: 'file:../icons/pruna.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-pruna#the-pruna-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Your key from the Pruna dashboard. It is sent in the "apikey" header.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: defaultBaseUrl,
			description:
				'Where the Pruna API lives. Change it only for a proxy or a test server; the key is sent to this origin only.',
		},
	];

	/**
	 * Adds the key only to requests for the base URL's origin. A generation URL on another host (a
	 * CDN, a presigned link) is fetched without it, whichever node or path makes the request.
	 * A node's routed request that n8n sends itself, not through the package's send step, is
	 * refused here, before it is sent: n8n then runs the nodes in a way this version does not
	 * support (see nodes/shared/pipeline/engine-contract.ts).
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		if (requestOptions.url === unsentRoutedRequestUrl) {
			throw new Error(
				"This version of n8n-nodes-pruna does not support the installed n8n: n8n sent the node's request itself instead of handing it to the package's send step. Nothing was sent to Pruna. Install a version of n8n-nodes-pruna whose Compatibility table lists your n8n (Help → About n8n shows it), or report it.",
			);
		}
		if (!isBaseUrlOrigin(requestTarget(requestOptions), String(credentials.baseUrl ?? ''))) {
			return requestOptions;
		}
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, apikey: String(credentials.apiKey ?? '') },
		};
	}

	/**
	 * Pruna has no account endpoint. Asking for the status of an id that cannot exist answers 404 with
	 * a valid key and 401 with a wrong one: 404 counts as success, 401 and 403 name the key, server
	 * errors and rate limits fail with their own status.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl }}',
			url: statusPathOf('n8n-credential-test'),
			method: getPredictionStatus.method,
			ignoreHttpStatusErrors: { ignore: true, except: [400, 401, 403, 429, 500, 502, 503, 504] },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Invalid API key: Pruna rejected it (HTTP 401). Copy the key again from the Pruna dashboard.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: 'This API key is not allowed to use the Pruna API (HTTP 403).',
				},
			},
		],
	};
}
