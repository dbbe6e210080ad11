/** The pure parts of the request pipeline: the quota's decisions and the retry delays, by the clock. */
import { Quota, readQuotaHeaders } from '../../nodes/shared/pipeline/quota';
import { retryDelayMs } from '../../nodes/shared/pipeline/retry';

const t0 = 1_000_000;

function take(quota: Quota, now: number) {
	const taken = quota.tryTake(now);
	if (!('ticket' in taken))
		throw new Error(`expected a ticket at ${now}, got a wait of ${taken.waitMs} ms`);
	return taken.ticket;
}

describe('Quota', () => {
	test('before any answer one request goes alone, even with a published limit; its headers open the window', () => {
		const quota = new Quota(500, false, t0);
		const probe = take(quota, t0);
		// The account's quota may be below the published one: the others wait for the answer.
		expect(quota.tryTake(t0)).toEqual({ waitMs: 1000 });
		quota.observe(probe, 201, { limit: 5, remaining: 4, resetSeconds: 2 }, t0 + 10);
		const tickets = [0, 1, 2, 3].map(() => take(quota, t0 + 20));
		expect(quota.tryTake(t0 + 20)).toEqual({ waitMs: 2010 - 20 });
		// Later answers round the same reset up from later moments: the earliest estimate stays.
		for (const ticket of tickets) {
			quota.observe(ticket, 201, { limit: 5, remaining: 0, resetSeconds: 2 }, t0 + 900);
		}
		expect(quota.tryTake(t0 + 1000)).toEqual({ waitMs: 1010 });
		// Then a new window: one request first.
		take(quota, t0 + 2010);
		expect(quota.tryTake(t0 + 2010)).toEqual({ waitMs: 1000 });
	});

	test('a published limit is followed when the answers carry no RateLimit headers', () => {
		const quota = new Quota(3, false, t0);
		quota.observe(take(quota, t0), 201, {}, t0 + 5);
		take(quota, t0 + 10);
		take(quota, t0 + 10);
		// Three a minute from the window's opening answer.
		expect(quota.tryTake(t0 + 10)).toEqual({ waitMs: 60_000 - 5 });
	});

	test('after a reset one request goes first; its answer opens the window for the others', () => {
		const quota = new Quota(2, false);
		const first = take(quota, t0);
		quota.observe(first, 201, { remaining: 0, resetSeconds: 1 }, t0);
		const probe = take(quota, t0 + 1000);
		expect(quota.tryTake(t0 + 1000)).toEqual({ waitMs: 1000 });
		quota.observe(probe, 201, { remaining: 1, resetSeconds: 1 }, t0 + 1001);
		take(quota, t0 + 1002);
		expect('waitMs' in quota.tryTake(t0 + 1003)).toBe(true);
	});

	test('a 429 empties the window until its reset, even for a request of an earlier window', () => {
		const quota = new Quota(undefined, false);
		const probe = take(quota, t0);
		quota.observe(probe, 200, { remaining: 100, resetSeconds: 60 }, t0);
		const ticket = take(quota, t0 + 1);
		quota.observe(ticket, 429, { resetSeconds: 7 }, t0 + 2);
		expect(quota.tryTake(t0 + 3)).toEqual({ waitMs: 6999 });
	});

	test('an answer without headers leaves nothing to pace by', () => {
		const quota = new Quota(undefined, false);
		quota.observe(take(quota, t0), 200, {}, t0);
		for (let index = 0; index < 1000; index++) take(quota, t0 + 1);
	});

	test("a spread quota lets one second's share go at once, then one start per share of the window", () => {
		const quota = new Quota(undefined, true);
		const probe = take(quota, t0);
		quota.observe(probe, 200, { remaining: 600, resetSeconds: 60 }, t0);
		// 600 over 60 s: 10 a second; then one per 60 s / 590 left.
		for (let index = 0; index < 10; index++) take(quota, t0);
		expect(quota.tryTake(t0)).toEqual({ waitMs: Math.ceil(60_000 / 590) });
		take(quota, t0 + 102);
	});

	test('waiters are woken when the reset becomes known, not only by their timers', async () => {
		const quota = new Quota(1, false);
		const probe = take(quota, Date.now());
		quota.observe(probe, 201, { remaining: 1, resetSeconds: 60 });
		const ticket = take(quota, Date.now());
		const startedAt = Date.now();
		const waited = quota.wait(60_000, undefined);
		quota.observe(ticket, 201, { remaining: 0, resetSeconds: 1 });
		expect(await waited).toBe(true);
		expect(Date.now() - startedAt).toBeLessThan(1000);
	});

	test('in flight to fill a quota: its rate times the median recent round trip, with headroom', () => {
		const quota = new Quota(undefined, true);
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
		const published = new Quota(600, false);
		published.observe(take(published, t0), 201, {}, t0);
		published.recordRoundTrip(1000);
		expect(published.inFlightToFill()).toBeCloseTo(15);
		const unknown = new Quota(undefined, false);
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
