/**
 * The requests one node run keeps in flight, sized to the work. n8n's routing engine starts every
 * item together; each request takes a slot here first and gives it back when its answer has been
 * read. How many slots there are follows what the run's requests count against: enough to fill
 * each quota at the measured round trip (see `Quota.inFlightToFill`), never more than the user's
 * Max Requests at Once. 1,000 items then neither open 1,000 sockets at once nor leave a distant
 * user's quota half used.
 */

/** What a request's quota says about the requests worth having in flight for it. */
export interface InFlightDemand {
	/**
	 * Requests in flight that would use the quota fully: 0 while nothing is known yet, Infinity when
	 * the quota sets no limit (no `RateLimit-*` headers).
	 */
	inFlightToFill(): number;
	/**
	 * Whether the quota itself bounds its requests in flight (it lets go only what the key has room
	 * for now, as a claim): then only the user's ceiling applies, not the run's measured size, so a
	 * window's claim goes at once even while answers are slow (Try-Sync holds them a generation).
	 */
	readonly boundsInFlight?: boolean;
}

/**
 * Slots a run starts with, and never goes below: enough for a few requests to measure the round
 * trip, few enough that an API that never answers well is not flooded.
 */
export const minimumInFlight = 4;

/** A request to a host whose quota is not Pruna's (a CDN): only the user's ceiling applies. */
const unpaced: InFlightDemand = { inFlightToFill: () => Number.POSITIVE_INFINITY };

interface Waiter {
	demand: InFlightDemand;
	signal: AbortSignal | undefined;
	resolve: (granted: boolean) => void;
}

class Slots {
	private active = 0;
	/** Slots open now: grows by one per good answer up to the target (doubling per round trip). */
	private allowed: number;
	private readonly queue: Waiter[] = [];
	private readonly demands = new Set<InFlightDemand>();
	/** One abort listener per execution signal, not one per waiter: removing 1,000 listeners costs. */
	private readonly watched = new WeakSet<AbortSignal>();

	constructor(private readonly ceiling: number) {
		this.allowed = Math.min(minimumInFlight, ceiling);
	}

	get idle(): boolean {
		return this.active === 0 && this.queue.length === 0;
	}

	/** The slots the run's quotas call for, between the floor and the user's ceiling. */
	private target(): number {
		let wanted = 0;
		for (const demand of this.demands) wanted = Math.max(wanted, demand.inFlightToFill());
		return Math.min(this.ceiling, Math.max(minimumInFlight, Math.ceil(wanted)));
	}

	async take(demand: InFlightDemand, signal: AbortSignal | undefined): Promise<boolean> {
		if (signal?.aborted) return false;
		this.demands.add(demand);
		if (this.active < this.roomFor(demand)) {
			this.active++;
			return true;
		}
		if (signal && !this.watched.has(signal)) {
			this.watched.add(signal);
			signal.addEventListener('abort', () => this.dropWaitersOf(signal), { once: true });
		}
		return await new Promise<boolean>((resolve) => this.queue.push({ demand, signal, resolve }));
	}

	/**
	 * An answer arrived (`good`: one that measured a real round trip, neither a 429 nor a failure).
	 * Only good answers open more slots, so a slow or failing API does not grow the run's load.
	 */
	answered(good: boolean): void {
		const target = this.target();
		this.allowed = good ? Math.min(target, this.allowed + 1) : Math.min(target, this.allowed);
		this.grantWaiting();
	}

	give(): void {
		this.active--;
		this.grantWaiting();
	}

	/** Requests in flight at which a request of `demand` waits. */
	private roomFor(demand: InFlightDemand): number {
		return demand.boundsInFlight ? this.ceiling : this.allowed;
	}

	/**
	 * Hands free slots to waiting requests a batch at a time: once a quarter of the room (at least
	 * one slot) is free. Requests started one by one, each as an answer arrives, cost n8n and Node
	 * about a third more CPU than the same requests started together (`npm run bench -- per-item`,
	 * docs/per-item-cpu.md). The most in flight stays the room; while requests wait, at least three
	 * quarters of it are in flight.
	 */
	private grantWaiting(): void {
		if (this.queue.length === 0) return;
		const room = this.roomFor(this.queue[0].demand);
		if (room - this.active < Math.max(1, Math.floor(room / 4))) return;
		while (this.queue.length > 0 && this.active < this.roomFor(this.queue[0].demand)) {
			this.active++;
			this.queue.shift()?.resolve(true);
		}
	}

	private dropWaitersOf(signal: AbortSignal): void {
		for (let index = this.queue.length - 1; index >= 0; index--) {
			if (this.queue[index].signal !== signal) continue;
			this.queue[index].resolve(false);
			this.queue.splice(index, 1);
		}
	}
}

const slotsByRun = new Map<string, Slots>();

/** A request's slot: report its answer, then give it back once the answer is read. */
export interface Slot {
	answered(good: boolean): void;
	give(): void;
}

/**
 * A slot for one request of the run `runKey`, counting against `demand` (its quota; none for a host
 * that is not Pruna's). `ceiling` is the run's Max Requests at Once. Undefined when the execution
 * was stopped while waiting.
 */
export async function takeSlot(
	runKey: string,
	ceiling: number,
	demand: InFlightDemand | undefined,
	signal: AbortSignal | undefined,
): Promise<Slot | undefined> {
	let slots = slotsByRun.get(runKey);
	if (!slots) slotsByRun.set(runKey, (slots = new Slots(Math.max(1, Math.floor(ceiling)))));
	const run = slots;
	if (!(await run.take(demand ?? unpaced, signal))) {
		if (run.idle) slotsByRun.delete(runKey);
		return undefined;
	}
	let given = false;
	return {
		answered: (good) => run.answered(good),
		give: () => {
			if (given) return;
			given = true;
			run.give();
			if (run.idle) slotsByRun.delete(runKey);
		},
	};
}
