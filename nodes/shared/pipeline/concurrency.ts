/**
 * A cap on the requests one node run has in flight, so 1,000 items do not open 1,000 sockets (or
 * 1,000 uploads) at once. n8n's routing engine starts every item together; each request takes a
 * slot here first and gives it back when its answer has been read.
 */
interface Waiter {
	signal: AbortSignal | undefined;
	resolve: (granted: boolean) => void;
}

class Slots {
	private active = 0;
	private readonly queue: Waiter[] = [];
	/** One abort listener per execution signal, not one per waiter: removing 1,000 listeners costs. */
	private readonly watched = new WeakSet<AbortSignal>();

	constructor(readonly capacity: number) {}

	get idle(): boolean {
		return this.active === 0 && this.queue.length === 0;
	}

	async take(signal: AbortSignal | undefined): Promise<boolean> {
		if (signal?.aborted) return false;
		if (this.active < this.capacity) {
			this.active++;
			return true;
		}
		if (signal && !this.watched.has(signal)) {
			this.watched.add(signal);
			signal.addEventListener('abort', () => this.dropWaitersOf(signal), { once: true });
		}
		return await new Promise<boolean>((resolve) => this.queue.push({ signal, resolve }));
	}

	private dropWaitersOf(signal: AbortSignal): void {
		for (let index = this.queue.length - 1; index >= 0; index--) {
			if (this.queue[index].signal !== signal) continue;
			this.queue[index].resolve(false);
			this.queue.splice(index, 1);
		}
	}

	give(): void {
		const next = this.queue.shift();
		// The slot passes straight to the next in line, so `active` stays as it is.
		if (next) next.resolve(true);
		else this.active--;
	}
}

const slotsByRun = new Map<string, Slots>();

/** A slot for one request of the run `runKey`; call the returned function once the answer is read. */
export async function takeSlot(
	runKey: string,
	capacity: number,
	signal: AbortSignal | undefined,
): Promise<(() => void) | undefined> {
	let slots = slotsByRun.get(runKey);
	if (!slots) slotsByRun.set(runKey, (slots = new Slots(Math.max(1, Math.floor(capacity)))));
	const run = slots;
	if (!(await run.take(signal))) {
		if (run.idle) slotsByRun.delete(runKey);
		return undefined;
	}
	let given = false;
	return () => {
		if (given) return;
		given = true;
		run.give();
		if (run.idle) slotsByRun.delete(runKey);
	};
}
