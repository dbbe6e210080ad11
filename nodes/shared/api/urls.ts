/**
 * Where requests go. Every URL the package builds or accepts passes through here, and this module
 * alone decides which origin may receive the API key.
 */

import { downloadContent, getPredictionStatus, statusPathOf } from './endpoints';

export const defaultBaseUrl = 'https://api.pruna.ai';
const statusPathPrefix = getPredictionStatus.path;

/**
 * The URL a routed request carries from its last preSend hook until the pipeline sends it (see
 * pipeline/engine-contract.ts): absolute, so no client joins it to the base URL, and of a protocol
 * no HTTP client sends. The credential refuses it, so a request n8n sends itself fails clearly.
 */
export const unsentRoutedRequestUrl = 'pruna-pipeline://sent-only-through-the-pipeline';

const predictionIdPattern = /^[A-Za-z0-9_-]{1,128}$/;

/** The credential's base URL without trailing slashes; the public API when it is empty. */
export function normalizeBaseUrl(baseUrl: unknown): string {
	const trimmed = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	return (trimmed || defaultBaseUrl).replace(/\/+$/, '');
}

function parseHttpUrl(value: string): URL | undefined {
	try {
		const url = new URL(value);
		return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
	} catch {
		return undefined;
	}
}

/** True when `url` is on the same scheme, host and port as the base URL. */
export function isBaseUrlOrigin(url: string, baseUrl: string): boolean {
	const target = parseHttpUrl(url);
	const base = parseHttpUrl(normalizeBaseUrl(baseUrl));
	return target !== undefined && base !== undefined && target.origin === base.origin;
}

/** The absolute URL a request will reach: its `url` as it is when absolute, else joined to `baseURL`. */
export function requestTarget(options: { url?: string; uri?: string; baseURL?: string }): string {
	const url = options.url ?? options.uri ?? '';
	if (/^[a-z][a-z0-9+.-]*:/i.test(url) || !options.baseURL) return url;
	return `${options.baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function hasTraversal(path: string): boolean {
	let decoded: string;
	try {
		decoded = decodeURIComponent(path);
	} catch {
		return true;
	}
	return decoded.split(/[/\\]/).some((segment) => segment === '..' || segment === '.');
}

/** A parsed value, or what is wrong with the input in words a user can act on. */
export type Parsed<T> = { value: T } | { problem: string };

/**
 * A prediction id from a bare id or any URL that ends in `/v1/predictions/status/{id}` (such as a
 * create answer's `get_url`). Only the id is kept: status is always asked of the base URL.
 */
export function parsePredictionId(value: unknown): Parsed<string> {
	const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (!text) return { problem: 'The prediction ID is empty' };

	let id = text;
	if (text.includes('/')) {
		const url = parseHttpUrl(text);
		const path = url ? url.pathname : text;
		const at = path.lastIndexOf(statusPathPrefix);
		if (at === -1) {
			return {
				problem: `"${text}" is neither a prediction ID nor a status URL (…${statusPathPrefix}<id>)`,
			};
		}
		id = path.slice(at + statusPathPrefix.length).replace(/\/+$/, '');
	}
	if (!predictionIdPattern.test(id)) {
		return {
			problem: `"${text}" is not a valid prediction ID (letters, digits, "-" and "_" only)`,
		};
	}
	return { value: id };
}

export function statusUrl(predictionId: string, baseUrl: string): string {
	return `${normalizeBaseUrl(baseUrl)}${statusPathOf(predictionId)}`;
}

/**
 * An absolute URL for generated content from what Pruna or the user gave: an absolute http(s) URL
 * (any host), a path starting with `/` (joined to the base URL, keeping a proxy's path prefix),
 * or a bare delivery path such as `xezq/…/output_42_0.jpeg`.
 */
export function resolveContentUrl(value: unknown, baseUrl: string): Parsed<string> {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!text) return { problem: 'The content URL is empty' };

	if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
		return parseHttpUrl(text) ? { value: text } : { problem: `"${text}" is not an http(s) URL` };
	}
	if (text.startsWith('//')) {
		return { problem: `"${text}" has no scheme: give a full http(s) URL` };
	}
	if (hasTraversal(text)) {
		return { problem: `"${text}" contains "." or ".." path segments` };
	}
	const path = text.startsWith('/') ? text : `${downloadContent.path}${text}`;
	return { value: `${normalizeBaseUrl(baseUrl)}${path}` };
}

/** The last path segment of a URL, decoded: the name Pruna gave the file. */
export function fileNameFromUrl(url: string): string | undefined {
	const parsed = parseHttpUrl(url);
	const segment = (parsed ? parsed.pathname : url).split('/').filter(Boolean).pop();
	if (!segment) return undefined;
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}
