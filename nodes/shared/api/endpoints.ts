/**
 * Pruna's endpoints, each described once. The nodes' routing sends these requests, their hooks
 * call them again (polls, downloads), the pipeline reads from here which quota a request counts
 * against and whether it is paid, and the credential test asks the status endpoint.
 */

/** Which of Pruna's rate limits a request counts against: creates per model, the rest per endpoint. */
export type QuotaScope = 'model' | 'status' | 'files' | 'delivery';

export interface Endpoint {
	method: 'GET' | 'POST';
	/** The path on the base URL; for a path that ends in `/`, the rest (an ID, a file) follows. */
	path: string;
	/** Headers every request to it carries; the hooks add the ones that depend on the item. */
	headers?: Record<string, string>;
	/** Whether the answer is read as a stream (a file) rather than JSON. */
	streamed?: boolean;
	quota: QuotaScope;
	/**
	 * A paid call: a request that reached Pruna may have started a job it bills for, so the
	 * pipeline never sends it again, except after a 429 (which means Pruna did nothing).
	 */
	paid?: boolean;
	/**
	 * A request header with which the server holds its answer until the job is done (Try-Sync). The
	 * pipeline leaves it out of a request whose answer others are waiting for (one that opens a
	 * quota window or measures the key's use): a held answer would hold them all.
	 */
	holdsAnswerHeader?: string;
}

/**
 * Starts a prediction. Headers: `Model` (required) and `Try-Sync: true` (answer when done, up to
 * 60 s). Body: `{ input }`. Answers 201 `{ id, get_url, input }`, or with Try-Sync a finished
 * prediction's status.
 */
export const createPrediction = {
	method: 'POST',
	path: '/v1/predictions',
	headers: { 'Content-Type': 'application/json' },
	quota: 'model',
	paid: true,
	holdsAnswerHeader: 'Try-Sync',
} as const satisfies Endpoint;

/**
 * A prediction's status: `{ status, generation_url?, message?, error? }`, with an `X-Poll-Interval`
 * hint. The prediction ID follows the path.
 */
export const getPredictionStatus = {
	method: 'GET',
	path: '/v1/predictions/status/',
	quota: 'status',
} as const satisfies Endpoint;

/**
 * Stores a file (multipart field `content`, up to 100 MB) for use as a prediction's input.
 * Answers 201 `{ id, urls: { get }, expires_at, … }`.
 */
export const uploadFile = {
	method: 'POST',
	path: '/v1/files',
	quota: 'files',
} as const satisfies Endpoint;

/**
 * A generated file, by the delivery path of a finished prediction's `generation_url`. Pruna may
 * redirect it to a CDN; the bytes come with their Content-Type.
 */
export const downloadContent = {
	method: 'GET',
	path: '/v1/predictions/delivery/',
	headers: { Accept: '*/*' },
	streamed: true,
	quota: 'delivery',
} as const satisfies Endpoint;

const endpoints: readonly Endpoint[] = [
	createPrediction,
	getPredictionStatus,
	uploadFile,
	downloadContent,
];

/** The endpoint a request reaches, from its method and its path on the base URL. */
export function endpointOf(method: string | undefined, path: string): Endpoint | undefined {
	return endpoints.find(
		(endpoint) =>
			endpoint.method === (method ?? 'GET') &&
			(endpoint.path.endsWith('/') ? path.startsWith(endpoint.path) : path === endpoint.path),
	);
}

/** The request as a node's routing declares it: method, path, fixed headers, stream or JSON. */
export function routingRequestOf(endpoint: Endpoint) {
	return {
		method: endpoint.method,
		url: endpoint.path,
		...(endpoint.headers ? { headers: endpoint.headers } : {}),
		...(endpoint.streamed ? { encoding: 'stream' as const } : {}),
	};
}

/** The status path of one prediction. */
export function statusPathOf(predictionId: string): string {
	return `${getPredictionStatus.path}${encodeURIComponent(predictionId)}`;
}
