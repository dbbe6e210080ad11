/**
 * When to check a prediction again while waiting for it.
 *
 * A fixed interval makes a bad trade: 2 s leaves a one-second image waiting a second more, 0.5 s
 * spends a video's wait on hundreds of checks. Unless the user sets a Poll Interval, the pause
 * grows with the time already waited: a check lands within a small share of the prediction's own
 * time, so a short prediction is noticed quickly and a long one costs few checks. A server's
 * `X-Poll-Interval` takes precedence over both (see polling.ts), and the status quota's pacing
 * still spreads the checks of many waiting items (see pipeline/quota.ts).
 */
import type { ModelTask } from '../api/model-catalog';
import { findModel } from '../api/model-catalog';

/**
 * What the waiting knows about how long the prediction takes: Pruna's image models take seconds,
 * its video models and LoRA trainers tens of seconds to minutes, and a custom model or a bare
 * prediction ID (Get Prediction Status) may be either.
 */
export type WaitProfile = 'image' | 'video' | 'unknown';

const profileOfTask: Record<ModelTask, WaitProfile> = {
	textToImage: 'image',
	imageEditing: 'image',
	upscaling: 'image',
	tryOn: 'image',
	video: 'video',
	loraTraining: 'video',
};

/** The catalog's task group decides; a custom model (or none) is unknown. */
export function waitProfileOf(model: unknown): WaitProfile {
	const task = typeof model === 'string' ? findModel(model)?.task : undefined;
	return task ? profileOfTask[task] : 'unknown';
}

/**
 * The pause is `earlyShare` of the time waited until it reaches `plateauMs`, stays there until
 * `lateShare` of the time waited is longer, and is kept within `minPauseMs` and `maxPauseMs`. The
 * share bounds how long a result waits, in proportion to its own time.
 */
interface AdaptiveSchedule {
	/** The shortest pause, also the pause before the first check of a just-created prediction. */
	minPauseMs: number;
	earlyShare: number;
	plateauMs: number;
	lateShare: number;
	/** The longest pause, so a long job is still noticed within seconds. */
	maxPauseMs: number;
}

/**
 * - Image: 0.5 s (the default of Pruna's own Python client) until 5 s have passed, then a tenth of
 *   the time waited, up to 5 s. Mostly used when Try-Sync is off, or ran out after 60 s.
 * - Video and LoRA training: 3 s at first (Pruna advises polling video every 2 to 5 s), then a
 *   twentieth of the time waited, up to 10 s: a result waits at most 5 % of its own time past 60 s,
 *   with fewer checks than a fixed 3 s interval once the job runs over a minute.
 * - Unknown (a bare ID, a custom model): like an image at first, a fifth of the time waited from
 *   2.5 s, 3 s from 15 s, then like a video: an image is still noticed within a few hundred ms,
 *   and a video costs a third more checks than the video schedule, not twice as many.
 */
const schedules: Record<WaitProfile, AdaptiveSchedule> = {
	image: { minPauseMs: 500, earlyShare: 0.1, plateauMs: 5_000, lateShare: 0, maxPauseMs: 5_000 },
	video: {
		minPauseMs: 3_000,
		earlyShare: 0.05,
		plateauMs: 3_000,
		lateShare: 0.05,
		maxPauseMs: 10_000,
	},
	unknown: {
		minPauseMs: 500,
		earlyShare: 0.2,
		plateauMs: 3_000,
		lateShare: 0.05,
		maxPauseMs: 10_000,
	},
};

/** How the item waits: the user's Poll Interval when set by hand, else the profile's schedule. */
export type PollSchedule =
	| { kind: 'fixed'; intervalSeconds: number }
	| { kind: 'adaptive'; profile: WaitProfile };

/**
 * The pause before the next check, `waitedMs` after the prediction was created (or, when that is
 * unknown, after the wait began). A server's hint (`X-Poll-Interval`, in seconds) wins.
 */
export function nextPollPauseMs(
	schedule: PollSchedule,
	waitedMs: number,
	serverPollIntervalSeconds?: number,
): number {
	if (serverPollIntervalSeconds !== undefined) return serverPollIntervalSeconds * 1000;
	if (schedule.kind === 'fixed') return schedule.intervalSeconds * 1000;
	const { minPauseMs, earlyShare, plateauMs, lateShare, maxPauseMs } = schedules[schedule.profile];
	const waited = Math.max(0, waitedMs);
	const shapedMs = Math.min(waited * earlyShare, Math.max(plateauMs, waited * lateShare));
	return Math.round(Math.min(maxPauseMs, Math.max(minPauseMs, shapedMs)));
}

/** The schedule for a Poll Interval option: a number set by hand is kept as it is. */
export function pollScheduleOf(pollIntervalSeconds: unknown, profile: WaitProfile): PollSchedule {
	const seconds = Number(pollIntervalSeconds);
	if (pollIntervalSeconds === undefined || pollIntervalSeconds === '' || !(seconds > 0)) {
		return { kind: 'adaptive', profile };
	}
	return { kind: 'fixed', intervalSeconds: seconds };
}
