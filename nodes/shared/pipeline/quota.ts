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
/** `RateLimit-Reset` is in whole seconds, rounded up: a reading is up to this much late. */
const resetRoundingMs = 1_000;
/**
 * A predicted reset is this much later than the arithmetic says: the window may have opened that
 * much after this process woke for it (its first request's way to Pruna).
 */
const carryMarginMs = 250;
/** How long the quota waits when only an answer can tell it more (the answer lets go at once). */
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

/**
 * The longest a window's opening is paced (see `openingPaceWaitMs`): a little more than the second
 * by which `RateLimit-Reset` rounds, so a process that read the reset a second late still finds
 * room. It is also what the pacing costs a batch whose last window is full.
 */
const maxOpeningMs = 1_200;
/** A shorter window's opening is paced over this part of it. */
const openingShareOfWindow = 0.6;

/** Why an alarm's sleep ends early: it was moved. One reason for all, so no error is built per move. */
const alarmMoved = new Error('The quota alarm was moved');

/** A request in its run's line for this quota. */
interface Waiter {
	/** When the request began waiting (a request sent again after a 429 keeps its first wait). */
	since: number;
	/** The node's Rate Limit Wait for the item. */
	budgetMs: number;
	signal: AbortSignal | undefined;
	resolve: (outcome: TakeOutcome) => void;
}

/**
 * A run's line for this quota: one node in one execution (`runKey`). Lines take turns, so
 * executions sharing a process share its room; within a line, requests go in the order they came.
 */
interface RunLine {
	readonly run: string;
	readonly waiting: Waiter[];
	/** Its requests let go and not yet answered: while one is out, the run is being given room. */
	inFlight: number;
	/** When the quota last let one of its requests through (an answer other than 429). */
	lastRoomAt: number;
}

/** Why a request stopped waiting without a ticket. */
export interface QuotaGiveUp {
	/** How long its run had been given no room. */
	waitedMs: number;
	/** Requests of its run that were ahead of it in the line. */
	ahead: number;
	/** When the quota has room again, when that is known (a window's reset). */
	roomAt?: number;
}

export type TakeOutcome = { ticket: QuotaTicket } | { gaveUp: QuotaGiveUp } | { canceled: true };

/** What a request waiting for the quota says of itself. */
export interface QuotaRequest {
	/** The run it belongs to (`runKey`): runs take turns, and Rate Limit Wait counts per run. */
	run: string;
	/** Rate Limit Wait: how long its run may be given no room before the request gives up. */
	budgetMs: number;
	signal: AbortSignal | undefined;
	/** When it began waiting, if it did before (a request sent again after a 429). */
	since?: number;
}

/** A request that may start, and what its answer must be reported against. */
export interface QuotaTicket {
	readonly window: number;
	/** The run it was given to (none when taken with `tryTake` alone). */
	readonly run?: string;
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
	/** What it counts, in the words of its errors: "creates with p-image", "status checks". */
	counts?: string;
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
	/** Each run's line, in the order they take turns (the one served last goes to the end). */
	private readonly lines = new Map<string, RunLine>();
	private waitingCount = 0;
	/** Set while `letGo` runs: an answer that arrives meanwhile is seen by its loop. */
	private lettingGo = false;
	/** One alarm, for the earliest moment a waiting request may go or must give up. */
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
	/** The next sounding is one the share does not cover: it waits for the window's opening to pass. */
	private soundingWaitsForOpening = false;
	/** Requests sent since the last sounding, and those a sounding's answer measures (itself too). */
	private sentSinceSounding = 0;
	private soundingMeasures = 0;
	/** The key's remaining as the last sounding's answer said, in this window. */
	private soundedRemaining: number | undefined;
	/** This window's measurements: requests of ours, and the key's use while they were made. */
	private windowOwn = 0;
	private windowKeyUse = 0;
	/** When the next window should end, predicted as the last one ended on time: see `openingReset`. */
	private predictedResetAt: number | undefined;
	/** Whether a 429 said this window was overrun. */
	private overran = false;
	/** The share the last windows measured, and when; undefined until one has. */
	private carriedShare: number | undefined;
	private carriedShareAt = 0;
	private readonly spread: boolean;
	readonly boundsInFlight: boolean;
	readonly counts: string;

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
		this.counts = spending.counts ?? 'requests';
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
		const paceWaitMs = this.openingPaceWaitMs(now);
		if (paceWaitMs > 0) return { waitMs: paceWaitMs };
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

	/**
	 * The opening of a window (1.2 s, or 60 % of a shorter window) is spent evenly: the
	 * key's use, as this process knows it, stays within the opening's share of the window. Workers
	 * learn a reset in whole seconds and wake up to a second apart; without this, the first to wake
	 * would spend the window in a few round trips and the others find it spent, window after window.
	 * Every worker follows the same schedule, from the window's opening as the headers date it, so
	 * each finds room when it comes. Costs up to 1.2 s in a batch's last window.
	 */
	private openingPaceWaitMs(now: number): number {
		const limit = this.limitPerWindow;
		if (limit === undefined || this.windowMs === undefined || this.resetAt === undefined) return 0;
		if (this.remaining === undefined || !Number.isFinite(this.remaining)) return 0;
		const openedAt = Math.min(this.windowStartedAt, this.resetAt - this.windowMs);
		const openingMs = Math.min(maxOpeningMs, this.windowMs * openingShareOfWindow);
		const used = limit - this.remaining;
		const allowedAt =
			this.soundingWaitsForOpening && this.claimLeft <= 0
				? openedAt + openingMs
				: openedAt + (openingMs * used) / limit;
		return allowedAt > now ? Math.ceil(allowedAt - now) : 0;
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
		// Ended on time (something waited for it): the next window opens now, so it ends a window
		// from now at the latest. Only an answer can confirm that (see `openingReset`).
		this.predictedResetAt =
			this.resetAt !== undefined &&
			this.windowMs !== undefined &&
			now - this.resetAt <= carryMarginMs
				? this.resetAt + this.windowMs + carryMarginMs
				: undefined;
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
		this.soundingWaitsForOpening = false;
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
		const covered = share === undefined ? undefined : (share * this.remaining!) / claimDivisor;
		// The claim ends with the next sounding: at least that one request, whatever the share. One
		// the share does not cover waits for the opening to pass: workers sounding together for the
		// last of a window would spend it before a worker that woke later had its first request in.
		this.soundingWaitsForOpening = covered !== undefined && covered < 1;
		this.claimSize =
			covered === undefined ? Math.max(1, this.claimSize * 2) : Math.max(1, Math.floor(covered));
		this.claimLeft = this.claimSize - 1;
	}

	/**
	 * Reports an answer, with the `RateLimit-*` headers it carried, and lets go what it made room
	 * for. Its run was given room unless the answer is a 429.
	 */
	observe(ticket: QuotaTicket, status: number, reading: QuotaReading, now = Date.now()): void {
		this.learn(ticket, status, reading, now);
		this.settle(ticket, status !== 429, now);
		if (this.waitingCount > 0) this.letGo(now);
	}

	private learn(ticket: QuotaTicket, status: number, reading: QuotaReading, now: number): void {
		const endsAt =
			reading.resetSeconds === undefined ? undefined : now + reading.resetSeconds * 1000;
		this.learnRate(reading);
		const isSounding = ticket.answerAwaited && ticket.window === this.window && this.sounding;
		if (status === 429) {
			// A window's first request refused: its reset came early, no share overran it.
			if (!(isSounding && this.remaining === undefined)) this.overran = true;
			if (isSounding) this.sounding = false;
			this.remaining = 0;
			// A reset is read late by up to a second (whole seconds, rounded up): a refusal's reading of
			// the same window only narrows what the window's other answers said. One a second or more
			// beyond it belongs to a window that has begun since.
			const sameWindow =
				endsAt !== undefined &&
				this.resetAt !== undefined &&
				endsAt < this.resetAt + resetRoundingMs;
			if (sameWindow) this.resetAt = Math.min(this.resetAt!, endsAt);
			else if (isSounding && this.resetAt === undefined) this.resetAt = this.openingReset(endsAt);
			else this.resetAt = endsAt ?? now + answerWaitMs;
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
				this.resetAt = this.openingReset(endsAt);
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
			return;
		}
		if (reading.remaining !== undefined && this.remaining !== undefined) {
			this.remaining = Math.min(this.remaining, reading.remaining);
		}
		this.updateReset(endsAt);
	}

	/**
	 * The reset a window's first answer gives, read up to a second late; or the one predicted when
	 * the last window ended, when it falls within that second. A worker that reads each window's
	 * reset from a single answer (one refused, say) would otherwise wake up to a second late, window
	 * after window, and find each spent.
	 */
	private openingReset(endsAt: number | undefined): number | undefined {
		const predicted = this.predictedResetAt;
		this.predictedResetAt = undefined;
		if (endsAt === undefined) return undefined;
		const closer =
			predicted !== undefined && predicted < endsAt && predicted > endsAt - resetRoundingMs;
		return closer ? predicted : endsAt;
	}

	/** Reset is rounded up to whole seconds: the earliest estimate is the closest. */
	private updateReset(endsAt: number | undefined): void {
		if (endsAt === undefined) return;
		this.resetAt = Math.min(this.resetAt ?? endsAt, endsAt);
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
		return this.waitingCount > 0;
	}

	/**
	 * Waits in the run's line until the quota lets the request go. Runs take turns, one request
	 * each, whenever the quota has room. A request gives up only when its run has been given no
	 * room for its Rate Limit Wait (none of the run's requests let through and answered other than
	 * 429, none out), or when the next room (a reset) comes later than that: a run whose earlier
	 * requests are let through window after window waits however long its line is.
	 */
	async take(request: QuotaRequest, now = Date.now()): Promise<TakeOutcome> {
		const { signal } = request;
		if (signal?.aborted) return { canceled: true };
		if (signal && !this.watchedSignals.has(signal)) {
			this.watchedSignals.add(signal);
			signal.addEventListener('abort', () => this.dropWaitersOf(signal), { once: true });
		}
		let line = this.lines.get(request.run);
		if (!line) {
			line = { run: request.run, waiting: [], inFlight: 0, lastRoomAt: now };
			this.lines.set(request.run, line);
		}
		const waiting = line.waiting;
		const outcome = new Promise<TakeOutcome>((resolve) => {
			const waiter = { since: request.since ?? now, budgetMs: request.budgetMs, signal, resolve };
			// One that waited before (a 429) goes back to the head of its line: it was let go once.
			if (request.since !== undefined) waiting.unshift(waiter);
			else waiting.push(waiter);
		});
		this.waitingCount++;
		this.letGo(now);
		return await outcome;
	}

	/**
	 * Lets waiting requests go while the quota has room, one run at a time in turn; gives up on
	 * those whose run has had no room for its Rate Limit Wait; sets the alarm for the next moment
	 * either may happen.
	 */
	private letGo(now = Date.now()): void {
		if (this.lettingGo) return;
		this.lettingGo = true;
		try {
			for (;;) {
				const line = this.nextLine();
				if (!line) {
					this.setAlarm(Number.POSITIVE_INFINITY);
					return;
				}
				const taken = this.tryTake(now);
				if ('ticket' in taken) {
					this.handOut(line, { ...taken.ticket, run: line.run });
					continue;
				}
				// No room before then; when none remains, that moment is the window's reset.
				const roomAt = now + taken.waitMs;
				const isReset = this.remaining !== undefined && this.remaining <= 0;
				const nextGiveUpAt = this.giveUpWithoutRoom(now, isReset ? roomAt : undefined);
				// Those that gave up may have been the last: no alarm then, nothing left to wake.
				this.setAlarm(
					this.waitingCount > 0 ? Math.min(roomAt, nextGiveUpAt) : Number.POSITIVE_INFINITY,
				);
				return;
			}
		} finally {
			this.lettingGo = false;
		}
	}

	/** The line whose turn it is: the first, in turn order, with a request waiting. */
	private nextLine(): RunLine | undefined {
		if (this.waitingCount === 0) return undefined;
		for (const line of this.lines.values()) if (line.waiting.length > 0) return line;
		return undefined;
	}

	private handOut(line: RunLine, ticket: QuotaTicket): void {
		const waiter = line.waiting.shift()!;
		this.waitingCount--;
		line.inFlight++;
		// Its turn is taken: the line goes to the end of the turn order.
		this.lines.delete(line.run);
		this.lines.set(line.run, line);
		waiter.resolve({ ticket });
	}

	/**
	 * Gives up on the requests whose run has been given no room for their Rate Limit Wait, or will
	 * not be before it ends (`roomAt`, a reset, beyond it). Returns when the next one would give up.
	 * A run with a request out is being given room: its verdict waits for the answer.
	 */
	private giveUpWithoutRoom(now: number, roomAt: number | undefined): number {
		let next = Number.POSITIVE_INFINITY;
		for (const line of this.lines.values()) {
			if (line.waiting.length === 0 || line.inFlight > 0) continue;
			const giveUpAt = (waiter: Waiter) =>
				Math.max(waiter.since, line.lastRoomAt) + waiter.budgetMs;
			const hopeless = (waiter: Waiter) => {
				const at = giveUpAt(waiter);
				// A reset is read up to a second late: it is beyond the wait only if its earliest is.
				return at <= now || (roomAt !== undefined && roomAt - resetRoundingMs > at);
			};
			// The head waited longest; a run's requests share their Rate Limit Wait.
			if (!hopeless(line.waiting[0])) {
				next = Math.min(next, giveUpAt(line.waiting[0]));
				continue;
			}
			const kept: Waiter[] = [];
			line.waiting.forEach((waiter, ahead) => {
				if (!hopeless(waiter)) {
					kept.push(waiter);
					return;
				}
				this.waitingCount--;
				const waitedMs = now - Math.max(waiter.since, line.lastRoomAt);
				waiter.resolve({ gaveUp: { waitedMs, ahead, roomAt } });
			});
			line.waiting.splice(0, line.waiting.length, ...kept);
			if (kept.length > 0) next = Math.min(next, giveUpAt(kept[0]));
		}
		return next;
	}

	/** The run's request was answered, or got none: it is no longer out. */
	private settle(ticket: QuotaTicket, roomGiven: boolean, now: number): void {
		const line = ticket.run === undefined ? undefined : this.lines.get(ticket.run);
		if (!line) return;
		line.inFlight = Math.max(0, line.inFlight - 1);
		if (roomGiven) line.lastRoomAt = now;
		if (line.inFlight === 0 && line.waiting.length === 0) this.lines.delete(line.run);
	}

	/** A request that got no answer (a dropped connection): it tells nothing, but frees the way. */
	abandon(ticket: QuotaTicket, now = Date.now()): void {
		if (ticket.answerAwaited && ticket.window === this.window) this.sounding = false;
		this.settle(ticket, false, now);
		this.letGo(now);
	}

	/** Sets the one alarm for `at` at the latest; Infinity: none (nothing waits). */
	private setAlarm(at: number): void {
		// An earlier alarm stays: it finds nothing to do and sets the next one. Moving it on every
		// answer would cost a timer each.
		if (at !== Number.POSITIVE_INFINITY && at >= this.alarmAt) return;
		this.alarmStop?.abort(alarmMoved);
		this.alarmStop = undefined;
		this.alarmAt = at;
		if (at === Number.POSITIVE_INFINITY) return;
		const stop = new AbortController();
		this.alarmStop = stop;
		void sleep(Math.max(0, at - Date.now()), stop.signal).then(
			() => {
				if (this.alarmStop !== stop) return;
				this.alarmStop = undefined;
				this.alarmAt = Number.POSITIVE_INFINITY;
				this.letGo();
			},
			() => {},
		);
	}

	private dropWaitersOf(signal: AbortSignal): void {
		for (const line of this.lines.values()) {
			const kept = line.waiting.filter((waiter) => {
				if (waiter.signal !== signal) return true;
				this.waitingCount--;
				waiter.resolve({ canceled: true });
				return false;
			});
			line.waiting.splice(0, line.waiting.length, ...kept);
			if (line.inFlight === 0 && line.waiting.length === 0) this.lines.delete(line.run);
		}
		this.letGo();
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
