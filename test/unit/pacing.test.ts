/** The pure parts of the request pipeline: the quota's decisions and the retry delays, by the clock. */
import type { QuotaTicket } from '../../nodes/shared/pipeline/quota';
import { Quota, readQuotaHeaders } from '../../nodes/shared/pipeline/quota';
import { retryDelayMs } from '../../nodes/shared/pipeline/retry';

const t0 = 1_000_000;

function take(quota: Quota, now: number) {
	const taken = quota.tryTake(now);
	if (!('ticket' in taken))
		throw new Error(`expected a ticket at ${now}, got a wait of ${taken.waitMs} ms`);
	return taken.ticket;
}

/** Takes tickets while the quota gives them at `now`; how many, and whether the last one sounds. */
function takeAll(quota: Quota, now: number) {
	const tickets = [];
	for (let taken = quota.tryTake(now); 'ticket' in taken; taken = quota.tryTake(now)) {
		tickets.push(taken.ticket);
		if (taken.ticket.answerAwaited) break;
	}
	return tickets;
}

describe('Quota', () => {
	test('before any answer one request goes alone, even with a published limit; its headers open the window', () => {
		const quota = new Quota(500, {}, t0);
		const probe = take(quota, t0);
		expect(probe.answerAwaited).toBe(true);
		// The account's quota may be below the published one: the others wait for the answer.
		expect(quota.tryTake(t0)).toEqual({ waitMs: 1000 });
		quota.observe(probe, 201, { limit: 5, remaining: 4, resetSeconds: 2 }, t0 + 10);
		// Nothing says yet whether others use the key: one request sounds it, the others wait. (The
		// window's opening, 1.5 s of 2 s, lets one of its 5 go every 300 ms.)
		const sounding = take(quota, t0 + 310);
		expect(sounding.answerAwaited).toBe(true);
		expect(quota.tryTake(t0 + 610)).toEqual({ waitMs: 1000 });
		quota.observe(sounding, 201, { limit: 5, remaining: 0, resetSeconds: 2 }, t0 + 900);
		// None left: wait for the reset the first answer gave (later answers round it up from later).
		expect(quota.tryTake(t0 + 1000)).toEqual({ waitMs: 1010 });
		// Then a new window: one request first.
		take(quota, t0 + 2010);
		expect(quota.tryTake(t0 + 2010)).toEqual({ waitMs: 1000 });
	});

	test("a window's opening is spent evenly, by the key's use as the headers tell it, from when the headers date the window's start", () => {
		const quota = new Quota(undefined, {}, t0);
		// 100 a 60 s window: the opening is 1.2 s, one of the key's use every 12 ms.
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 99, resetSeconds: 60 }, t0);
		expect(quota.tryTake(t0 + 5)).toEqual({ waitMs: 7 });
		const sounding = take(quota, t0 + 12);
		// Others used 20 meanwhile: the key is ahead of the schedule until 22 of 100 are due.
		quota.observe(sounding, 201, { remaining: 78 }, t0 + 30);
		expect(quota.tryTake(t0 + 30)).toEqual({ waitMs: 234 });
		expect('ticket' in quota.tryTake(t0 + 264)).toBe(true);
		// After the opening, a claim goes at once: a third of a share of 2/22 of 77 is 2.
		expect(takeAll(quota, t0 + 2_000)).toHaveLength(1);
	});

	test('a process that joins a window others opened, with a share too small for a claim, sounds again once the opening has passed', () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 99, resetSeconds: 60 }, t0);
		takeAll(quota, t0 + 2_000);
		// Its window ends; it learns the next one from its first answer, a second into it.
		const probe = take(quota, t0 + 60_000);
		quota.observe(probe, 201, { limit: 100, remaining: 10, resetSeconds: 59 }, t0 + 61_000);
		// 90 used by others: its share (1 of 90) covers no claim; the opening (from t0 + 60 s, as the
		// reset dates it) ends at 1.2 s.
		expect(quota.tryTake(t0 + 61_000)).toEqual({ waitMs: 200 });
		expect('ticket' in quota.tryTake(t0 + 61_200)).toBe(true);
	});

	test('claims double while the key use is unknown; a process alone then claims a third of what remains, round after round', () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 99, resetSeconds: 60 }, t0);
		let keyRemaining = 99;
		const claims: number[] = [];
		for (let round = 0; keyRemaining > 0; round++) {
			// After the window's opening (2 s of 60 s), which paces the key's use.
			const tickets = takeAll(quota, t0 + 2_000);
			// Each claim ends with the request that sounds the key again.
			expect(tickets.map((ticket) => ticket.answerAwaited)).toEqual([
				...Array(tickets.length - 1).fill(false),
				true,
			]);
			claims.push(tickets.length);
			// Only this process uses the key: its remaining falls by exactly what it sent.
			keyRemaining -= tickets.length;
			quota.observe(tickets[tickets.length - 1], 201, { remaining: keyRemaining }, t0 + 2_000);
		}
		// 1, 2 and 4: with the window's first, 8 requests of the key's use seen, all ours; then a
		// third of what remains, round after round.
		expect(claims).toEqual([1, 2, 4, 30, 20, 14, 9, 6, 4, 3, 2, 1, 1, 1, 1]);
		expect(quota.tryTake(t0 + 2_001)).toEqual({ waitMs: 60_000 - 2_001 });
	});

	test("a process claims a third of its measured share of what remains: the others' use shows in the headers", () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 99, resetSeconds: 60 }, t0);
		const sounding = take(quota, t0 + 2_000);
		// Ours: 2 with the window's first; the key's use 12: others sent 10.
		quota.observe(sounding, 201, { remaining: 88 }, t0 + 2_001);
		// A third of 2/12 of 88: 4, the last of them sounding again.
		expect(takeAll(quota, t0 + 2_002)).toHaveLength(4);
	});

	test('a window that others opened says so at its first answer: the claims start from that share', () => {
		const quota = new Quota(undefined, {}, t0);
		// Three others' requests came first: a third of a quarter of 96.
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 96, resetSeconds: 60 }, t0);
		expect(takeAll(quota, t0 + 2_000)).toHaveLength(8);
	});

	test('a share carries into the next window; a window overrun halves it, an old one is forgotten', () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 99, resetSeconds: 10 }, t0);
		// Ours 2 of the key's 5: a share of 0.4; a third of that of 95 (after the 2 s opening).
		quota.observe(take(quota, t0 + 2_000), 201, { remaining: 95 }, t0 + 2_001);
		expect(takeAll(quota, t0 + 2_002)).toHaveLength(12);
		// The next window, opened by this process: a third of 0.4 of it after its first answer.
		const probe = take(quota, t0 + 10_000);
		quota.observe(probe, 201, { limit: 100, remaining: 99, resetSeconds: 10 }, t0 + 10_001);
		const next = takeAll(quota, t0 + 12_001);
		expect(next).toHaveLength(13);
		// Together the shares overran it.
		quota.observe(next[0], 429, { remaining: 0, resetSeconds: 5 }, t0 + 12_003);
		const afterOverrun = take(quota, t0 + 17_003);
		quota.observe(afterOverrun, 201, { limit: 100, remaining: 99, resetSeconds: 10 }, t0 + 17_004);
		expect(takeAll(quota, t0 + 19_004)).toHaveLength(6);
		// Two windows later with nothing measured, nobody knows who uses the key: one sounds first.
		const later = take(quota, t0 + 60_000);
		quota.observe(later, 201, { limit: 100, remaining: 99, resetSeconds: 10 }, t0 + 60_001);
		expect(takeAll(quota, t0 + 62_001)).toHaveLength(1);
	});

	test("a window's first request refused (its reset came early) overruns no share", () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 100, remaining: 99, resetSeconds: 10 }, t0);
		quota.observe(take(quota, t0 + 2_000), 201, { remaining: 95 }, t0 + 2_001);
		takeAll(quota, t0 + 2_002);
		const early = take(quota, t0 + 10_000);
		quota.observe(early, 429, { remaining: 0, resetSeconds: 1 }, t0 + 10_001);
		const probe = take(quota, t0 + 11_001);
		quota.observe(probe, 201, { limit: 100, remaining: 99, resetSeconds: 10 }, t0 + 11_002);
		expect(takeAll(quota, t0 + 13_002)).toHaveLength(13);
	});

	test("a refusal read late narrows the window's reset; it does not move it later", () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 10, remaining: 9, resetSeconds: 2 }, t0);
		const claimed = take(quota, t0 + 1_500);
		// Half a second before the reset, a refusal says 1 (whole seconds, rounded up).
		quota.observe(claimed, 429, { remaining: 0, resetSeconds: 1 }, t0 + 1_500);
		expect(quota.tryTake(t0 + 1_600)).toEqual({ waitMs: 400 });
	});

	test('a window that ended on time predicts the next reset, which corrects a first answer read late', () => {
		const quota = new Quota(undefined, {}, t0);
		quota.observe(take(quota, t0), 201, { limit: 10, remaining: 0, resetSeconds: 2 }, t0);
		// The window ends as waited for; the next one opens now and ends 2 s later (with a margin for
		// the first request's way there), though its first answer reads 3 s.
		const first = take(quota, t0 + 2_000);
		quota.observe(first, 201, { limit: 10, remaining: 0, resetSeconds: 3 }, t0 + 2_010);
		expect(quota.tryTake(t0 + 2_020)).toEqual({ waitMs: 2_230 });
	});

	test('a published limit is followed when the answers carry no RateLimit headers', () => {
		const quota = new Quota(3, {}, t0);
		quota.observe(take(quota, t0), 201, {}, t0 + 5);
		take(quota, t0 + 10);
		take(quota, t0 + 10);
		// Three a minute from the window's opening answer.
		expect(quota.tryTake(t0 + 10)).toEqual({ waitMs: 60_000 - 5 });
	});

	test('after a reset one request goes first; its answer opens the window for the others', () => {
		const quota = new Quota(2, {});
		const first = take(quota, t0);
		quota.observe(first, 201, { remaining: 0, resetSeconds: 1 }, t0);
		const probe = take(quota, t0 + 1000);
		expect(quota.tryTake(t0 + 1000)).toEqual({ waitMs: 1000 });
		quota.observe(probe, 201, { remaining: 1, resetSeconds: 1 }, t0 + 1001);
		take(quota, t0 + 1002);
		expect('waitMs' in quota.tryTake(t0 + 1003)).toBe(true);
	});

	test('a 429 empties the window until its reset, even for a request of an earlier window', () => {
		const quota = new Quota(undefined, {});
		const probe = take(quota, t0);
		quota.observe(probe, 200, { remaining: 100, resetSeconds: 60 }, t0);
		const ticket = take(quota, t0 + 2_000);
		quota.observe(ticket, 429, { resetSeconds: 7 }, t0 + 2_001);
		expect(quota.tryTake(t0 + 2_002)).toEqual({ waitMs: 6999 });
	});

	test('an answer without headers leaves nothing to pace by', () => {
		const quota = new Quota(undefined, {});
		quota.observe(take(quota, t0), 200, {}, t0);
		for (let index = 0; index < 1000; index++) take(quota, t0 + 1);
	});

	test("a spread quota lets one second's share go at once, then one start per share of the window", () => {
		const quota = new Quota(undefined, { spread: true });
		const probe = take(quota, t0);
		quota.observe(probe, 200, { remaining: 600, resetSeconds: 60 }, t0);
		// 600 over 60 s: 10 a second; then one per 60 s / 590 left.
		for (let index = 0; index < 10; index++) take(quota, t0);
		expect(quota.tryTake(t0)).toEqual({ waitMs: Math.ceil(60_000 / 590) });
		take(quota, t0 + 102);
	});

	test('a waiting request is let go when an answer brings the reset forward, not at the reset it knew', async () => {
		const quota = new Quota(1, {});
		const probe = take(quota, Date.now());
		quota.observe(probe, 201, { remaining: 1, resetSeconds: 60 }, Date.now() - 5_000);
		const ticket = take(quota, Date.now());
		const startedAt = Date.now();
		const waited = quota.take({ run: 'a', budgetMs: 60_000, signal: undefined });
		quota.observe(ticket, 201, { remaining: 0, resetSeconds: 1 });
		expect('ticket' in (await waited)).toBe(true);
		expect(Date.now() - startedAt).toBeLessThan(1500);
	});

	test('in flight to fill a quota: its rate times the median recent round trip, with headroom', () => {
		const quota = new Quota(undefined, { spread: true });
		// Nothing known yet: the run keeps its floor.
		expect(quota.inFlightToFill()).toBe(0);
		quota.observe(take(quota, t0), 200, { limit: 30_000, remaining: 29_999, resetSeconds: 60 }, t0);
		expect(quota.inFlightToFill()).toBe(0);
		quota.recordRoundTrip(80);
		quota.recordRoundTrip(900);
		quota.recordRoundTrip(60);
		// 500 a second, 80 ms: 40, and half again; one slow answer does not count.
		expect(quota.inFlightToFill()).toBeCloseTo(60);
		// A later, shorter window reset does not shorten the window.
		quota.observe(
			take(quota, t0 + 1),
			200,
			{ limit: 30_000, remaining: 100, resetSeconds: 2 },
			t0 + 58_000,
		);
		expect(quota.inFlightToFill()).toBeCloseTo(60);
	});

	test('in flight to fill: the published limit without headers, no limit without either', () => {
		const published = new Quota(600, {});
		published.observe(take(published, t0), 201, {}, t0);
		published.recordRoundTrip(1000);
		expect(published.inFlightToFill()).toBeCloseTo(15);
		const unknown = new Quota(undefined, {});
		unknown.observe(take(unknown, t0), 200, {}, t0);
		unknown.recordRoundTrip(50);
		expect(unknown.inFlightToFill()).toBe(Number.POSITIVE_INFINITY);
	});

	test('readQuotaHeaders reads numbers and leaves out what is absent or malformed', () => {
		expect(
			readQuotaHeaders({
				'ratelimit-limit': '5',
				'ratelimit-remaining': ['0'],
				'ratelimit-reset': '12',
			}),
		).toEqual({ limit: 5, remaining: 0, resetSeconds: 12 });
		expect(readQuotaHeaders({ 'ratelimit-reset': 'soon', 'ratelimit-remaining': '-1' })).toEqual({
			limit: undefined,
			remaining: undefined,
			resetSeconds: undefined,
		});
	});
});

describe("Quota's lines: runs take turns, and Rate Limit Wait counts the time a run is given no room", () => {
	const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	const request = (run: string, budgetMs = 60_000) => ({ run, budgetMs, signal: undefined });
	/** Answers that opened their window 5 s ago, so the window's opening no longer paces. */
	const opened = { limit: 100, resetSeconds: 60 };
	const past = () => Date.now() - 5_000;

	test('two runs waiting for the same quota take turns, each in its own order', async () => {
		const quota = new Quota(undefined, {});
		const order: string[] = [];
		const tickets: QuotaTicket[] = [];
		const ask = (name: string) =>
			quota.take(request(name[0])).then((outcome) => {
				if (!('ticket' in outcome)) throw new Error(`${name} got none`);
				order.push(name);
				tickets.push(outcome.ticket);
			});
		await ask('a1');
		// While the window's first request is out, both runs queue up behind it.
		const waiting = Promise.all(['a2', 'a3', 'b1', 'b2', 'b3'].map(ask));
		// Others use the key too (half of it is gone): each answer lets one more go.
		for (let answered = 0; answered < tickets.length; answered++) {
			quota.observe(tickets[answered], 201, { ...opened, remaining: 50 - answered }, past());
			await sleep(5);
		}
		await waiting;
		expect(order).toEqual(['a1', 'a2', 'b1', 'a3', 'b2', 'b3']);
	});

	test('a run whose requests are let through keeps waiting past Rate Limit Wait; one given no room gives up', async () => {
		const quota = new Quota(undefined, {});
		const budgetMs = 80;
		const tickets: QuotaTicket[] = [];
		const ask = () =>
			quota.take(request('a', budgetMs)).then((outcome) => {
				if ('ticket' in outcome) tickets.push(outcome.ticket);
				return outcome;
			});
		await ask();
		const line = Promise.all([1, 2, 3, 4].map(ask));
		// One of the run's requests answered every 50 ms: 250 ms in all, three times its budget.
		for (let answered = 0; answered < 5; answered++) {
			await sleep(50);
			quota.observe(tickets[answered], 201, { ...opened, remaining: 50 - answered }, past());
		}
		expect((await line).every((outcome) => 'ticket' in outcome)).toBe(true);
		// The last is refused: no room for the run until the reset, a minute away.
		quota.observe(tickets[4], 429, { remaining: 0, resetSeconds: 60 });
		const outcome = await ask();
		expect('gaveUp' in outcome && outcome.gaveUp.roomAt).toBeGreaterThan(Date.now() + 55_000);
	});

	test('a run with a request out is being given room: its other requests wait for that answer', async () => {
		const quota = new Quota(undefined, {});
		const first = await quota.take(request('a', 30));
		const second = quota.take(request('a', 30));
		const third = quota.take(request('b', 30));
		await sleep(120);
		// Run b had nothing out and nothing let through for 4 times its wait; run a's verdict waits.
		const bOutcome = await third;
		expect(bOutcome).toEqual({ gaveUp: expect.objectContaining({ ahead: 0 }) });
		if (!('ticket' in first)) throw new Error('no ticket');
		quota.observe(first.ticket, 201, { ...opened, remaining: 99 }, Date.now() - 5_000);
		expect('ticket' in (await second)).toBe(true);
	});

	test('a request that gives up says how many of its run were ahead of it', async () => {
		const quota = new Quota(undefined, {});
		const first = await quota.take(request('a'));
		if (!('ticket' in first)) throw new Error('no ticket');
		// Queued while the run's first request is out: no verdict until its answer.
		const line = Promise.all([0, 1, 2].map(() => quota.take(request('a', 1_000))));
		// The window is spent until a reset 30 s away, beyond their Rate Limit Wait.
		quota.observe(first.ticket, 201, { limit: 3, remaining: 0, resetSeconds: 30 });
		const outcomes = await line;
		expect(outcomes.map((outcome) => 'gaveUp' in outcome && outcome.gaveUp.ahead)).toEqual([
			0, 1, 2,
		]);
	});

	test('a stopped execution takes its requests out of the line', async () => {
		const quota = new Quota(undefined, {});
		await quota.take(request('a'));
		const stop = new AbortController();
		const waiting = quota.take({ run: 'a', budgetMs: 60_000, signal: stop.signal });
		stop.abort();
		expect(await waiting).toEqual({ canceled: true });
		expect(quota.hasWaiters).toBe(false);
	});
});

describe('retryDelayMs', () => {
	test.each<[string, Parameters<typeof retryDelayMs>[0], number, number, number | undefined]>([
		['paid: never', { kind: 'paid' }, 1, 0.5, undefined],
		['transient: 0.5 s', { kind: 'transient' }, 1, 0.5, 500],
		['transient: 2 s', { kind: 'transient' }, 3, 0.5, 2000],
		['transient: no fourth retry', { kind: 'transient' }, 4, 0.5, undefined],
		[
			'outage: half to whole of 0.5 s',
			{ kind: 'untilDeadline', deadlineAt: t0 + 60_000 },
			1,
			0,
			250,
		],
		['outage: jitter', { kind: 'untilDeadline', deadlineAt: t0 + 60_000 }, 1, 0.5, 375],
		['outage: capped at 5 s', { kind: 'untilDeadline', deadlineAt: t0 + 60_000 }, 10, 0.999, 4998],
		['outage: not past the deadline', { kind: 'untilDeadline', deadlineAt: t0 + 300 }, 3, 1, 300],
		['outage: deadline passed', { kind: 'untilDeadline', deadlineAt: t0 }, 1, 0.5, undefined],
	])('%s', (_name, policy, retry, random, expected) => {
		expect(retryDelayMs(policy, retry, t0, random)).toBe(expected);
	});
});
