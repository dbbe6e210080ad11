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
/**
 * Requests of the key's use a claiming quota must have seen in a window before it trusts the
 * share it measured, unless some were others'; until then its claims double from 1 (1, 2, 4, 8), so
 * a process that does not yet know whether others use the key does not spend a window on a guess.
 */
const shareSampleSize = 8;
/**
 * A claim is a third of the process's share of what remains. Shares are measured by each process
 * over its own moments, from headers a few requests old, so together they may come to more than
 * the whole: a third leaves room for three times the whole, for one more sounding (a round trip)
 * each time what remains shrinks by a third. (A half let two workers overrun a window by 17 in a
 * batch of 750 with Try Sync off.)
 */
const claimDivisor = 3;
/** A share measured longer ago than this many windows says nothing of who uses the key now. */
const shareMemoryWindows = 2;

/** A request waiting for the quota: until when at most, for which execution, how to let it go. */
interface Waiter {
	until: number;
	signal: AbortSignal | undefined;
	resolve: (started: boolean) => void;
}

/** Why an alarm's sleep ends early: it was moved. One reason for all, so no error is built per move. */
const alarmMoved = new Error('The quota alarm was moved');

/** A request that may start, and what its answer must be reported against. */
export interface QuotaTicket {
	readonly window: number;
	/**
	 * Others wait for this request's answer (it opens the window, or sounds what the key has left
	 * before the next claim): a request the server would hold (Try-Sync) should not be held.
	 */
	readonly answerAwaited: boolean;
}

export type TakeResult = { ticket: QuotaTicket } | { waitMs: number };

export interface QuotaSpending {
	/**
	 * Space the starts evenly over what is left of the window instead of claiming: for polling, so
	 * that many waiting items share the quota rather than spend a minute's worth in a few seconds
	 * and then stall. Up to one second's share may start at once.
	 */
	spread?: boolean;
	/**
	 * The claims bound the requests in flight (`InFlightDemand.boundsInFlight`): for creates, whose
	 * answers may be held for a generation, so a window's claim goes at once.
	 */
	boundsInFlight?: boolean;
}

/**
 * One quota of Pruna's (an endpoint, or a model's creates, for one key on one origin), shared by
 * every item and every run in this n8n process, and, through Pruna's headers, with every other
 * process that uses the key (queue mode's workers): `RateLimit-Remaining` counts what all of them
 * used, and is all they share.
 *
 * It learns the window from the answers: `RateLimit-Remaining` says how many more requests the
 * current window takes and `RateLimit-Reset` when it ends. When none remain, callers wait for the
 * reset. Before the first answer, and after each reset, one request goes first and its answer
 * opens the window, so a fixed window and a sliding one are both followed without guessing which
 * Pruna runs, and an account whose quota is below the published one is not overrun by a first
 * burst. Answers to requests sent in an earlier window are ignored, except a 429, which is always
 * the truth.
 *
 * What remains is spent in one of two ways:
 * - **Spread** (status checks): starts are spaced evenly over what is left of the window. A process
 *   that spaces its starts by the key's remaining slows as others use it, so processes together
 *   never spend more than remains.
 * - **Claims** (creates, uploads, downloads): one request sounds what the key has left (the window's
 *   first request is one); then a claim of a third of this process's share of it goes at once, its
 *   last request sounding again. The share is measured between soundings: when the key's remaining
 *   fell by d while this process sent n requests, it made n/d of the key's use. Processes that each
 *   claim a third of their own measured share of what remains do not claim more than remains
 *   together even when their measures are well off, so they converge instead of colliding; a
 *   process alone measures 1 and spends a window in a dozen round trips. A sounding's answer is
 *   never held (see `answerAwaited`), so a claim follows within a round trip whatever the claimed
 *   requests' answers wait for. Until a window has shown enough of the key's use (or any of
 *   others'), claims double from 1; a share is kept from one window to the next while it is fresh,
 *   halved when the window was overrun.
 */
export class Quota implements InFlightDemand {
	/** Requests the current window still takes, by our count; undefined: unknown, probe first. */
	private remaining: number | undefined = undefined;
	/** When the current window ends (ms since epoch), once an answer has said. */
	private resetAt: number | undefined;
	private windowStartedAt: number;
	private window = 0;
	/** A request whose answer the others wait for is out (the window's first, or a sounding). */
	private sounding = false;
	/** For a spread quota: starts allowed now, refilled at the window's remaining rate. */
	private spreadTokens = 0;
	private spreadRefilledAt = Date.now();
	/** Requests waiting to start; one alarm wakes those whose wait is over. */
	private readonly waiters = new Set<Waiter>();
	private alarmAt = Number.POSITIVE_INFINITY;
	private alarmStop: AbortController | undefined;
	/** One abort listener per execution signal, not one per wait: with thousands waiting that costs. */
	private readonly watchedSignals = new WeakSet<AbortSignal>();
	/** Requests a window allows, and how long a window lasts (the longest reset seen). */
	private limitPerWindow: number | undefined;
	private windowMs: number | undefined;
	private answered = false;
	private readonly roundTripsMs: number[] = [];
	private nextRoundTrip = 0;

	/**
	 * The current claim's requests not yet started, before the one that ends it by sounding again;
	 * and the claim's size, that sounding included.
	 */
	private claimLeft = 0;
	private claimSize = 0;
	/** Requests sent since the last sounding, and those a sounding's answer measures (itself too). */
	private sentSinceSounding = 0;
	private soundingMeasures = 0;
	/** The key's remaining as the last sounding's answer said, in this window. */
	private soundedRemaining: number | undefined;
	/** This window's measurements: requests of ours, and the key's use while they were made. */
	private windowOwn = 0;
	private windowKeyUse = 0;
	/** Whether a 429 said this window was overrun. */
	private overran = false;
	/** The share the last windows measured, and when; undefined until one has. */
	private carriedShare: number | undefined;
	private carriedShareAt = 0;
	private readonly spread: boolean;
	readonly boundsInFlight: boolean;

	/**
	 * @param publishedLimit the documented per-minute limit, followed when answers carry no
	 *   `RateLimit-*` headers (the headers, when present, are the account's own truth)
	 */
	constructor(
		private readonly publishedLimit: number | undefined,
		spending: QuotaSpending = {},
		now = Date.now(),
	) {
		this.spread = spending.spread === true;
		this.boundsInFlight = spending.boundsInFlight === true && !this.spread;
		this.windowStartedAt = now;
	}

	/** A ticket to start a request now, or how long to wait before asking again. */
	tryTake(now = Date.now()): TakeResult {
		if (this.resetAt !== undefined && now >= this.resetAt) this.endWindow(now);
		if (this.remaining !== undefined && this.remaining <= 0) {
			const endsAt = this.resetAt ?? this.windowStartedAt + assumedWindowMs;
			return { waitMs: Math.max(1, endsAt - now) };
		}
		if (this.remaining !== undefined && this.spread) return this.takeSpread(now);
		if (this.remaining === undefined || this.claimLeft <= 0) {
			// The window's first request, or the next sounding: the others wait for its answer.
			if (this.sounding) return { waitMs: answerWaitMs };
			this.sounding = true;
			this.soundingMeasures = this.sentSinceSounding + 1;
			this.sentSinceSounding = 0;
			if (this.remaining !== undefined) this.remaining--;
			return this.start(true);
		}
		this.claimLeft--;
		this.remaining--;
		this.sentSinceSounding++;
		return this.start(false);
	}

	private takeSpread(now: number): TakeResult {
		if (this.resetAt !== undefined && this.resetAt > now) {
			const perMs = this.remaining! / (this.resetAt - now);
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
		this.remaining!--;
		return this.start(false);
	}

	private start(answerAwaited: boolean): TakeResult {
		return { ticket: { window: this.window, answerAwaited } };
	}

	/** The window is over; the next answer says what the new one allows. */
	private endWindow(now: number): void {
		const measured = this.measuredShare();
		if (measured !== undefined) {
			this.carriedShare = measured;
			this.carriedShareAt = now;
		}
		// Shares that overran the window together: the next window starts from half of ours.
		if (this.overran && this.carriedShare !== undefined) this.carriedShare /= 2;
		this.overran = false;
		this.resetAt = undefined;
		this.remaining = undefined;
		// A sounding still out belongs to the old window: the new one's first request goes now.
		this.sounding = false;
		this.window++;
		this.claimLeft = 0;
		this.claimSize = 0;
		this.sentSinceSounding = 0;
		this.soundedRemaining = undefined;
		this.windowOwn = 0;
		this.windowKeyUse = 0;
	}

	/** This window's measure of our share, once it has seen enough of the key's use or any of others'. */
	private measuredShare(): number | undefined {
		return this.windowKeyUse >= shareSampleSize || this.windowKeyUse > this.windowOwn
			? this.windowOwn / this.windowKeyUse
			: undefined;
	}

	/** Our share of the key's use: this window's measure, else a fresh one of the last windows. */
	private share(now: number): number | undefined {
		const measured = this.measuredShare();
		if (measured !== undefined) return measured;
		const memoryMs = shareMemoryWindows * (this.windowMs ?? assumedWindowMs);
		if (this.carriedShare !== undefined && now - this.carriedShareAt <= memoryMs) {
			return this.carriedShare;
		}
		return undefined;
	}

	/** A sounding was answered: what the key's use was since the last one, and the next claim. */
	private claimAfterSounding(keyRemaining: number | undefined, now: number): void {
		if (keyRemaining === undefined) {
			// No headers: nothing to measure a share by, nobody to share with that could be seen.
			this.claimLeft = this.claimSize = this.remaining!;
			return;
		}
		if (this.soundedRemaining !== undefined) {
			const keyUse = this.soundedRemaining - keyRemaining;
			// Fewer than our own: some of ours arrived after the sounding; measure nothing.
			if (keyUse >= this.soundingMeasures) {
				this.windowOwn += this.soundingMeasures;
				this.windowKeyUse += keyUse;
			}
		}
		this.soundedRemaining = keyRemaining;
		const share = this.share(now);
		// The claim ends with the next sounding: at least that one request, whatever the share.
		this.claimSize =
			share === undefined
				? Math.max(1, this.claimSize * 2)
				: Math.max(1, Math.floor((share * this.remaining!) / claimDivisor));
		this.claimLeft = this.claimSize - 1;
	}

	/**
	 * Reports an answer, with the `RateLimit-*` headers it carried. Waiters are woken only when the
	 * answer may let one of them go (a window opened, a sounding answered, or more room than
	 * counted), not on every answer: with 1,000 items waiting that would be a million wake-ups.
	 */
	observe(ticket: QuotaTicket, status: number, reading: QuotaReading, now = Date.now()): void {
		const endsAt =
			reading.resetSeconds === undefined ? undefined : now + reading.resetSeconds * 1000;
		this.learnRate(reading);
		const isSounding = ticket.answerAwaited && ticket.window === this.window && this.sounding;
		if (status === 429) {
			// A window's first request refused: its reset came early, no share overran it.
			if (!(isSounding && this.remaining === undefined)) this.overran = true;
			if (isSounding) this.sounding = false;
			this.remaining = 0;
			this.resetAt = endsAt ?? now + answerWaitMs;
			this.wakeAll();
			return;
		}
		if (ticket.window !== this.window) return;
		if (isSounding) {
			this.sounding = false;
			if (this.remaining === undefined) {
				// The answer that opens a window. No header: the published limit a minute, or nothing to
				// pace by until a 429 says otherwise.
				this.windowStartedAt = now;
				this.remaining =
					reading.remaining ??
					(this.publishedLimit === undefined ? Number.POSITIVE_INFINITY : this.publishedLimit - 1);
				this.resetAt = endsAt;
				// What the window had taken before this answer was others', but for this request.
				if (this.limitPerWindow !== undefined && reading.remaining !== undefined) {
					this.windowOwn += 1;
					this.windowKeyUse += Math.max(1, this.limitPerWindow - reading.remaining);
				}
				// A new window's first second's share may go at once (the next take caps it).
				this.spreadTokens = Number.POSITIVE_INFINITY;
				this.spreadRefilledAt = now;
			} else if (reading.remaining !== undefined) {
				this.remaining = Math.min(this.remaining, reading.remaining);
			}
			if (!this.spread) this.claimAfterSounding(reading.remaining, now);
			this.updateReset(endsAt);
			this.wakeAll();
			return;
		}
		if (reading.remaining !== undefined && this.remaining !== undefined) {
			this.remaining = Math.min(this.remaining, reading.remaining);
		}
		if (this.updateReset(endsAt)) this.wakeAll();
	}

	/**
	 * Reset is rounded up to whole seconds: the earliest estimate is the closest. True when waiters
	 * should hear of it: they sleep until the reset they knew of, so wake them when it is first
	 * known or earlier.
	 */
	private updateReset(endsAt: number | undefined): boolean {
		if (endsAt === undefined) return false;
		const before = this.resetAt;
		this.resetAt = Math.min(before ?? endsAt, endsAt);
		return before === undefined || before - this.resetAt >= resetNewsMs;
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

	/** Whether requests are waiting for this quota to let them go. */
	get hasWaiters(): boolean {
		return this.waiters.size > 0;
	}

	/** A request that got no answer (a dropped connection): it tells nothing, but frees the way. */
	abandon(ticket: QuotaTicket): void {
		if (ticket.answerAwaited && ticket.window === this.window) this.sounding = false;
		this.wakeAll();
	}

	private wakeAll(): void {
		for (const waiter of this.waiters) waiter.resolve(true);
		this.waiters.clear();
		this.setAlarm(Number.POSITIVE_INFINITY);
	}

	/**
	 * Waits until a request may start. Ends early when an answer arrives (it may free the way) or
	 * the signal aborts; returns false when aborted. All waits share one alarm, set for the earliest.
	 */
	async wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
		if (signal?.aborted) return false;
		if (signal && !this.watchedSignals.has(signal)) {
			this.watchedSignals.add(signal);
			signal.addEventListener('abort', () => this.dropWaitersOf(signal), { once: true });
		}
		return await new Promise<boolean>((resolve) => {
			const until = Date.now() + ms;
			this.waiters.add({ until, signal, resolve });
			if (until < this.alarmAt) this.setAlarm(until);
		});
	}

	/** Sets the one alarm for `at`, in place of a later one; Infinity: none. */
	private setAlarm(at: number): void {
		this.alarmStop?.abort(alarmMoved);
		this.alarmStop = undefined;
		this.alarmAt = at;
		if (at === Number.POSITIVE_INFINITY) return;
		const stop = new AbortController();
		this.alarmStop = stop;
		void sleep(Math.max(0, at - Date.now()), stop.signal).then(
			() => {
				if (this.alarmStop === stop) this.ring();
			},
			() => {},
		);
	}

	/** The alarm went off: the waits that are over end; the alarm is set for the next. */
	private ring(): void {
		const now = Date.now();
		let next = Number.POSITIVE_INFINITY;
		for (const waiter of this.waiters) {
			if (waiter.until <= now) {
				this.waiters.delete(waiter);
				waiter.resolve(true);
			} else next = Math.min(next, waiter.until);
		}
		this.alarmStop = undefined;
		this.setAlarm(next);
	}

	private dropWaitersOf(signal: AbortSignal): void {
		for (const waiter of this.waiters) {
			if (waiter.signal !== signal) continue;
			this.waiters.delete(waiter);
			waiter.resolve(false);
		}
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
	spending: QuotaSpending,
): Quota {
	let quota = quotas.get(scope);
	if (!quota) quotas.set(scope, (quota = new Quota(publishedLimit, spending)));
	return quota;
}
