/** The pause between status checks, by the time waited: the schedule's table, the hand-set interval, the server's hint. */
import {
	nextPollPauseMs,
	pollScheduleOf,
	waitProfileOf,
} from '../../nodes/shared/pruna/poll-schedule';

describe('nextPollPauseMs', () => {
	test.each([
		// profile, waited (ms), pause (ms)
		['image', 0, 500],
		['image', 4_000, 500],
		['image', 20_000, 2_000],
		['image', 120_000, 5_000],
		['video', 0, 3_000],
		['video', 60_000, 3_000],
		['video', 100_000, 5_000],
		['video', 600_000, 10_000],
		['unknown', 0, 500],
		['unknown', 2_000, 500],
		['unknown', 10_000, 2_000],
		['unknown', 30_000, 3_000],
		['unknown', 100_000, 5_000],
		['unknown', 300_000, 10_000],
	] as const)('%s after %i ms waited: %i ms', (profile, waitedMs, pauseMs) => {
		expect(nextPollPauseMs({ kind: 'adaptive', profile }, waitedMs)).toBe(pauseMs);
	});

	test('a Poll Interval set by hand is kept, however long the wait', () => {
		const schedule = pollScheduleOf(2, 'video');
		expect(schedule).toEqual({ kind: 'fixed', intervalSeconds: 2 });
		expect(nextPollPauseMs(schedule, 0)).toBe(2_000);
		expect(nextPollPauseMs(schedule, 600_000)).toBe(2_000);
	});

	test('no Poll Interval: the profile schedule', () => {
		expect(pollScheduleOf(undefined, 'image')).toEqual({ kind: 'adaptive', profile: 'image' });
	});

	test("the server's X-Poll-Interval wins over both", () => {
		expect(nextPollPauseMs({ kind: 'fixed', intervalSeconds: 10 }, 0, 0.25)).toBe(250);
		expect(nextPollPauseMs({ kind: 'adaptive', profile: 'video' }, 0, 1)).toBe(1_000);
	});
});

describe('waitProfileOf', () => {
	test.each([
		['p-image', 'image'],
		['p-image-edit', 'image'],
		['p-image-upscale', 'image'],
		['p-image-try-on', 'image'],
		['p-video', 'video'],
		['wan-t2v', 'video'],
		['p-image-trainer', 'video'],
		['p-image-pro', 'unknown'],
		[undefined, 'unknown'],
	])('%s waits as %s', (model, profile) => {
		expect(waitProfileOf(model)).toBe(profile);
	});
});
