/** A node run's slots for requests in flight (concurrency.ts), by the order of grants alone. */
import type { Slot } from '../../nodes/shared/pipeline/concurrency';
import { minimumInFlight, takeSlot } from '../../nodes/shared/pipeline/concurrency';

/** Lets every settled promise's continuation run. */
const settle = async () => await new Promise((resolve) => setImmediate(resolve));

describe('slots', () => {
	test('free slots go to waiting requests a quarter of the allowed at a time, never more than allowed', async () => {
		const run = 'unit|batched';
		const ceiling = 8;
		expect(minimumInFlight).toBe(4);
		const first: Slot[] = [];
		for (let index = 0; index < minimumInFlight; index++) {
			first.push((await takeSlot(run, ceiling, undefined, undefined))!);
		}
		const granted: Slot[] = [];
		for (let index = 0; index < 10; index++) {
			void takeSlot(run, ceiling, undefined, undefined).then((slot) => granted.push(slot!));
		}
		await settle();
		expect(granted).toHaveLength(0);

		// Four good answers open one slot each, up to the ceiling (a host with no quota: 8). Up to 7
		// allowed a quarter is one slot, so each is handed on at once; at 8 it takes two free.
		for (const slot of first) slot.answered(true);
		await settle();
		expect(granted).toHaveLength(3);

		first[0].give(); // two free of 8: both go
		await settle();
		expect(granted).toHaveLength(5);
		first[1].give(); // one free: it waits for a second
		await settle();
		expect(granted).toHaveLength(5);
		first[2].give();
		await settle();
		expect(granted).toHaveLength(7);

		for (const slot of [first[3], ...granted]) slot.give();
		await settle();
		for (const slot of granted.slice(7)) slot.give();
		expect(granted).toHaveLength(10);
	});
});
