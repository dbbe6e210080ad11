import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { InFlightDemand } from './concurrency';

/** What Pruna's `RateLimit-*` headers said on one answer. */
export interface QuotaReading {
	limit?: number;
	remaining?: number;
	resetSeconds?: number;
}

function headerNumber(headers: IDataObject | undefined, name: string): number | undefined {
	const raw = headers?.[name];
	const value = Number(Array.isArray(raw) ? raw[0] : raw);
	return raw === undefined || raw === null || raw === '' || !Number.isFinite(value) || value < 0
		? undefined
		: value;
}

export function readQuotaHeaders(headers: IDataObject | undefined): QuotaReading {
	return {
		limit: headerNumber(headers, 'ratelimit-limit'),
		remaining: headerNumber(headers, 'ratelimit-remaining'),
		resetSeconds: headerNumber(headers, 'ratelimit-reset'),
	};
}

/** When a window's end is unknown (no headers), Pruna's quotas are per minute. */
const assumedWindowMs = 60_000;
/** A reset this much earlier than thought is worth waking the waiters for. */
const resetNewsMs = 100;
/** How long a waiter sleeps when only an answer can tell it more (it is woken by the answer). */
const answerWaitMs = 1_000;

/** In-flight requests per request the quota allows in a round trip: room for jitter. */
const inFlightHeadroom = 1.5;
/** Round trips remembered; their median sizes the requests in flight. */
const roundTripSamples = 32;

/** A request that may start, and what its answer must be reported against. */
export interface QuotaTicket {
	readonly window: number;
}

export type TakeResult = { ticket: QuotaTicket } | { waitMs: number };

/**
 * One quota of Pruna's (an endpoint, or a model's creates, for one key on one origin), shared by
 * every item and every run in this n8n process.
 *
 * It learns the window from the answers: `RateLimit-Remaining` says how many more requests the
 * current window takes and `RateLimit-Reset` when it ends. While requests remain they start at once
 * (or, for a spread quota, evenly over what is left of the window); when none remain, callers wait
 * for the reset. Before the first answer, and after each reset, one request goes first and its
 * answer opens the window, so a fixed window and a sliding one are both followed without guessing
 * which Pruna runs, and an account whose quota is below the published one is not overrun by a first
 * burst. Answers to requests sent in an earlier window are ignored, except a 429, which is always
 * the truth.
 */
export class Quota implements InFlightDemand {
	/** Requests the current window still takes, by our count; undefined: unknown, probe first. */
	private remaining: number | undefined = undefined;
	/** When the current window ends (ms since epoch), once an answer has said. */
	private resetAt: number | undefined;
	private windowStartedAt: number;
	private window = 0;
	private probing = false;
	/** For a spread quota: starts allowed now, refilled at the window's remaining rate. */
	private spreadTokens = 0;
	private spreadRefilledAt = Date.now();
	private readonly wakers = new Set<() => void>();
	/** Requests a window allows, and how long a window lasts (the longest reset seen). */
	private limitPerWindow: number | undefined;
	private windowMs: number | undefined;
	private answered = false;
	private readonly roundTripsMs: number[] = [];
	private nextRoundTrip = 0;

	/**
	 * @param publishedLimit the documented per-minute limit, followed when answers carry no
	 *   `RateLimit-*` headers (the headers, when present, are the account's own truth)
	 * @param spread whether to space the starts over the window instead of spending it in a burst:
	 *   for polling, so that many waiting items share the quota rather than spend a minute's worth in
	 *   a few seconds and then stall. Up to one second's share may start at once.
	 */
	constructor(
		private readonly publishedLimit: number | undefined,
		private readonly spread: boolean,
		now = Date.now(),
	) {
		this.windowStartedAt = now;
	}

	/** A ticket to start a request now, or how long to wait before asking again. */
	tryTake(now = Date.now()): TakeResult {
		if (this.resetAt !== undefined && now >= this.resetAt) {
			// The window is over; the next answer says what the new one allows.
			this.resetAt = undefined;
			this.remaining = undefined;
			this.window++;
		}
		if (this.remaining === undefined) {
			if (this.probing) return { waitMs: answerWaitMs };
			this.probing = true;
			return this.start();
		}
		if (this.remaining <= 0) {
			const endsAt = this.resetAt ?? this.windowStartedAt + assumedWindowMs;
			return { waitMs: Math.max(1, endsAt - now) };
		}
		if (this.spread && this.resetAt !== undefined && this.resetAt > now) {
			const perMs = this.remaining / (this.resetAt - now);
			const burst = Math.max(1, perMs * 1000);
			this.spreadTokens = Math.min(
				burst,
				this.spreadTokens + (now - this.spreadRefilledAt) * perMs,
			);
			this.spreadRefilledAt = now;
			if (this.spreadTokens < 1) {
				return { waitMs: Math.max(1, Math.ceil((1 - this.spreadTokens) / perMs)) };
			}
			this.spreadTokens--;
		}
		this.remaining--;
		return this.start();
	}

	private start(): TakeResult {
		return { ticket: { window: this.window } };
	}

	/**
	 * Reports an answer, with the `RateLimit-*` headers it carried. Waiters are woken only when the
	 * answer may let one of them go (a window opened, or more room than counted), not on every answer:
	 * with 1,000 items waiting that would be a million wake-ups.
	 */
	observe(ticket: QuotaTicket, status: number, reading: QuotaReading, now = Date.now()): void {
		const endsAt =
			reading.resetSeconds === undefined ? undefined : now + reading.resetSeconds * 1000;
		this.learnRate(reading);
		if (status === 429) {
			this.remaining = 0;
			this.resetAt = endsAt ?? now + answerWaitMs;
			if (ticket.window === this.window && this.probing) {
				this.probing = false;
				this.wakeAll();
			}
			return;
		}
		if (ticket.window !== this.window) return;
		if (this.probing) {
			// The answer that opens a window.
			this.probing = false;
			this.windowStartedAt = now;
			// No header: the published limit a minute, or nothing to pace by until a 429 says otherwise.
			this.remaining =
				reading.remaining ??
				(this.publishedLimit === undefined ? Number.POSITIVE_INFINITY : this.publishedLimit - 1);
			this.resetAt = endsAt;
			// A new window's first second's share may go at once (the next take caps it).
			this.spreadTokens = Number.POSITIVE_INFINITY;
			this.spreadRefilledAt = now;
			this.wakeAll();
			return;
		}
		if (reading.remaining !== undefined) {
			this.remaining = Math.min(this.remaining ?? reading.remaining, reading.remaining);
		}
		// Reset is rounded up to whole seconds: the earliest estimate is the closest.
		if (endsAt !== undefined) {
			const before = this.resetAt;
			this.resetAt = Math.min(before ?? endsAt, endsAt);
			// Waiters sleep until the reset they knew of: wake them when it is first known or earlier.
			if (before === undefined || before - this.resetAt >= resetNewsMs) this.wakeAll();
		}
	}

	private learnRate(reading: QuotaReading): void {
		this.answered = true;
		if (reading.limit !== undefined) this.limitPerWindow = reading.limit;
		else if (reading.remaining !== undefined && this.limitPerWindow === undefined) {
			this.limitPerWindow = reading.remaining + 1;
		}
		// A reset is never longer than the window it ends, so the longest seen is the closest.
		if (reading.resetSeconds !== undefined && reading.resetSeconds > 0) {
			this.windowMs = Math.max(this.windowMs ?? 0, reading.resetSeconds * 1000);
		}
	}

	/**
	 * A request's round trip, from sending it to its answer's headers; only of answers that measured
	 * the network and the API (not a 429, not a failure), so a failing API does not raise it.
	 */
	recordRoundTrip(ms: number): void {
		this.roundTripsMs[this.nextRoundTrip] = Math.max(1, ms);
		this.nextRoundTrip = (this.nextRoundTrip + 1) % roundTripSamples;
	}

	/**
	 * Requests in flight that use this quota fully: its rate times the round trip, with headroom
	 * (Little's law). The round trip is the median of the recent ones, as a request holds its slot:
	 * the network, the API and the time its answer waits in a busy process. One slow answer does
	 * not move it; a slow API does, up to the ceiling (Max Requests at Once).
	 * 0 while nothing is known; Infinity when no limit is (no headers and no published limit).
	 */
	inFlightToFill(): number {
		if (!this.answered || this.roundTripsMs.length === 0) return 0;
		const limit = this.limitPerWindow ?? this.publishedLimit;
		if (limit === undefined) return Number.POSITIVE_INFINITY;
		const perMs = limit / (this.windowMs ?? assumedWindowMs);
		const sorted = [...this.roundTripsMs].sort((a, b) => a - b);
		return perMs * sorted[Math.floor(sorted.length / 2)] * inFlightHeadroom;
	}

	/** A request that got no answer (a dropped connection): it tells nothing, but frees the probe. */
	abandon(ticket: QuotaTicket): void {
		if (ticket.window === this.window && this.probing) this.probing = false;
		this.wakeAll();
	}

	private wakeAll(): void {
		for (const wake of this.wakers) wake();
		this.wakers.clear();
	}

	/**
	 * Waits until a request may start. Ends early when an answer arrives (it may free the way) or
	 * the signal aborts; returns false when aborted.
	 */
	async wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
		if (signal?.aborted) return false;
		const stop = new AbortController();
		const onAbort = () => stop.abort();
		signal?.addEventListener('abort', onAbort, { once: true });
		let wake: () => void = () => {};
		const woken = new Promise<void>((resolve) => (wake = resolve));
		this.wakers.add(wake);
		try {
			await Promise.race([sleep(ms, stop.signal).catch(() => {}), woken]);
		} finally {
			this.wakers.delete(wake);
			signal?.removeEventListener('abort', onAbort);
			stop.abort();
		}
		return !signal?.aborted;
	}
}

/** Every quota of this process, by origin, key and bucket. A handful per key: never pruned. */
const quotas = new Map<string, Quota>();

/** A short, non-reversible tag for an API key, so the key itself is not a map key. */
export function keyTag(apiKey: string): string {
	let hash = 0x811c9dc5;
	for (let index = 0; index < apiKey.length; index++) {
		hash = Math.imul(hash ^ apiKey.charCodeAt(index), 0x01000193) >>> 0;
	}
	return hash.toString(36);
}

export function quotaFor(
	scope: string,
	publishedLimit: number | undefined,
	spread: boolean,
): Quota {
	let quota = quotas.get(scope);
	if (!quota) quotas.set(scope, (quota = new Quota(publishedLimit, spread)));
	return quota;
}
