/**
 * How the shared-quota harness turns the simulator's record into the long-batch figures: the
 * longest time without a create while items waited, and the windows the creates opened.
 */
import { longestGapMs, windowOf } from '../harness/shared-quota';

describe('the longest gap without a create while items waited', () => {
	test.each([
		{
			why: 'from go to the first create',
			created: [5_000, 5_100, 5_200],
			items: 3,
			end: 6_000,
			gap: 5_000,
		},
		{
			why: 'between creates, in any order',
			created: [300, 9_300, 1_000],
			items: 3,
			end: 9_500,
			gap: 8_300,
		},
		{
			why: 'not after the last, when every item was created',
			created: [100, 200],
			items: 2,
			end: 60_000,
			gap: 100,
		},
		{
			why: 'to the end, when some items never were',
			created: [100, 200],
			items: 5,
			end: 6_200,
			gap: 6_000,
		},
		{ why: 'the whole run, when none was', created: [], items: 5, end: 6_500, gap: 6_500 },
	])('$why', ({ created, items, end, gap }) => {
		expect(longestGapMs(created, items, end)).toBe(gap);
	});
});

test("fixed windows open with the first request after the last window's end", () => {
	expect(windowOf([0, 1_999, 2_000, 2_500, 4_600, 9_000], 2_000)).toEqual([0, 0, 1, 1, 2, 3]);
});
