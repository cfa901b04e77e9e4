import * as z from 'zod';
import type { HealthStatus } from '../status.js';
import { percentStateChange, RunRing, type RunColumns } from './run-ring.js';
import { Timeline, UPTIME_WINDOWS, type Transition, type UptimeShare } from './timeline.js';

/** The history's defaults: an hour of a check run once a second. */
export const HISTORY_DEFAULTS = Object.freeze({
  runs: 3600,
  transitions: 200,
  /** Percent state change below which a flapping check stops flapping (Nagios' low threshold). */
  flapLowPercent: 20,
  /** Percent state change above which a check starts flapping (Nagios' high threshold). */
  flapHighPercent: 30,
});

/** Schema of the `history` option of `createHealth`. */
export const historySchema = z.union([
  z.literal(false),
  z.strictObject({
    runs: z.number().int().min(0).max(100_000).optional(),
    transitions: z.number().int().min(0).max(10_000).optional(),
    flapLowPercent: z.number().min(0).max(100).optional(),
    flapHighPercent: z.number().min(0).max(100).optional(),
  }),
]);

/** The `history` option with its defaults, `undefined` when off. */
export interface ResolvedHistory {
  readonly runs: number;
  readonly transitions: number;
  readonly flapLowPercent: number;
  readonly flapHighPercent: number;
}

/** Uptime of one check or of the service, per window. */
export interface Uptime {
  readonly '5m'?: UptimeShare;
  readonly '1h'?: UptimeShare;
  readonly sinceStart?: UptimeShare;
}

/** The history of one check, as `GET /health/history` shows it. */
export interface CheckHistorySnapshot {
  readonly runs: RunColumns;
  readonly transitions: readonly Transition[];
  readonly uptime: Uptime;
  readonly flapping: boolean;
  /** Nagios' percent state change over the last 21 runs, 0 to 100. */
  readonly percentStateChange: number;
}

/** The uptime of a {@link Timeline} per window at `nowMs`. */
export function uptimeOf(timeline: Timeline, nowMs: number): Uptime {
  const five = timeline.uptime(nowMs, UPTIME_WINDOWS['5m'] * 1000);
  const hour = timeline.uptime(nowMs, UPTIME_WINDOWS['1h'] * 1000);
  const all = timeline.uptime(nowMs, Infinity);
  return {
    ...(five === undefined ? {} : { '5m': five }),
    ...(hour === undefined ? {} : { '1h': hour }),
    ...(all === undefined ? {} : { sinceStart: all }),
  };
}

/**
 * One check's bounded history: its last runs (raw status and duration), the transitions of
 * its reported status with uptime, and whether it is flapping, with hysteresis as Nagios
 * does: it starts flapping above `flapHighPercent` and stops below `flapLowPercent`.
 */
export class CheckHistory {
  readonly #settings: ResolvedHistory;
  readonly #runs: RunRing;
  readonly timeline: Timeline;
  #flapping = false;
  #percent = 0;

  constructor(settings: ResolvedHistory) {
    this.#settings = settings;
    this.#runs = new RunRing(settings.runs);
    this.timeline = new Timeline(settings.transitions);
  }

  /** Whether the check is flapping now. */
  get flapping(): boolean {
    return this.#flapping;
  }

  /**
   * Records a run: its raw status (what flap detection looks at) and the reported status
   * after it (what the timeline and uptime follow). Returns whether `flapping` changed.
   */
  record(
    atMs: number,
    raw: HealthStatus,
    durationMs: number,
    reported: HealthStatus,
    message: string | undefined,
  ): boolean {
    this.#runs.push(atMs, raw, durationMs);
    this.timeline.record(atMs, reported, message);
    this.#percent = percentStateChange(this.#runs);
    const { flapLowPercent, flapHighPercent } = this.#settings;
    const flapping = this.#flapping
      ? this.#percent >= flapLowPercent
      : this.#percent > flapHighPercent;
    if (flapping === this.#flapping) return false;
    this.#flapping = flapping;
    return true;
  }

  /** The percent state change of the last 21 runs. */
  get percentStateChange(): number {
    return this.#percent;
  }

  /** What `GET /health/history` shows of this check at `nowMs`. */
  snapshot(nowMs: number): CheckHistorySnapshot {
    return {
      runs: this.#runs.columns(),
      transitions: this.timeline.transitions(),
      uptime: uptimeOf(this.timeline, nowMs),
      flapping: this.#flapping,
      percentStateChange: this.#percent,
    };
  }
}

/** Resolves the `history` option; `undefined` when it is `false`. */
export function resolveHistory(
  option: z.output<typeof historySchema> | undefined,
): ResolvedHistory | undefined {
  if (option === false) return undefined;
  return Object.freeze({
    runs: option?.runs ?? HISTORY_DEFAULTS.runs,
    transitions: option?.transitions ?? HISTORY_DEFAULTS.transitions,
    flapLowPercent: option?.flapLowPercent ?? HISTORY_DEFAULTS.flapLowPercent,
    flapHighPercent: option?.flapHighPercent ?? HISTORY_DEFAULTS.flapHighPercent,
  });
}

/** What `health.history()` and `GET /health/history` give. */
export interface HealthHistory {
  /** When it was made, ISO 8601. */
  readonly generatedAt: string;
  /** The aggregate status over time (the service as probes see it). */
  readonly service: { readonly transitions: readonly Transition[]; readonly uptime: Uptime };
  /** Each check's history, in declaration order. */
  readonly checks: Readonly<Record<string, CheckHistorySnapshot>>;
}
