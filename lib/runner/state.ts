import type { HealthStatus } from '../status.js';
import { backoffDelayMs } from './backoff.js';
import type { ResolvedCheck } from './check-options.js';
import type { CheckRunReport, ComponentReport, PendingTransition } from './types.js';

/** How a check's latest result stands against its time windows. */
export type Freshness =
  /** No result yet: callers wait for the first run. */
  | 'none'
  /** Within its TTL (or back-off, or a background check's period): serve it, run nothing. */
  | 'fresh'
  /** Past its TTL, within `staleWhileRevalidateMs`: serve it and refresh in the background. */
  | 'stale'
  /** Past both: callers wait for a new run. */
  | 'expired';

/** The clocks a state reads: one for ages (never jumps), one for wall-clock timestamps. */
export interface StateClocks {
  /** Milliseconds on a clock that never jumps back (`performance.now()` or the injected clock). */
  readonly monotonic: () => number;
  /** Milliseconds since the Unix epoch. */
  readonly epoch: () => number;
  /** A number in [0, 1), for back-off jitter. */
  readonly random: () => number;
}

/**
 * One check's state over time: its latest run, what it reports (after the thresholds),
 * its counters and its back-off. Pure bookkeeping on the clocks it is given: it runs
 * nothing and schedules nothing (see `Scheduler`), so it is tested on an injected clock.
 *
 * Thresholds follow the kubelet's probe semantics: a component that reports UP or
 * DEGRADED reports DOWN only after `failureThreshold` failed runs in a row, and a DOWN
 * one reports UP again only after `successThreshold` successful runs in a row. Until
 * then it keeps its previous status, and {@link ComponentReport.pending} says what is
 * pending. The first run is reported as it is: there is no earlier status to keep.
 */
export class CheckState {
  readonly check: ResolvedCheck;
  readonly #clocks: StateClocks;
  /** The latest real run, as it ended. */
  #raw: CheckRunReport | undefined;
  /** What is reported: the raw run, or the previous status held by a threshold. */
  #base: CheckRunReport | undefined;
  #pending: PendingTransition | undefined;
  #finishedMono = 0;
  #finishedEpoch = 0;
  #consecutiveFailures = 0;
  #consecutiveSuccesses = 0;
  #lastSuccessAt: string | undefined;
  #lastFailureAt: string | undefined;
  /** The back-off after the latest failed run, in ms; 0 when not backed off. */
  #backoffMs = 0;
  /** When the scheduler will run a background check next (epoch ms), if it will. */
  #nextRunEpoch: number | undefined;
  #flapping: boolean | undefined;
  #views: [fresh: ComponentReport | undefined, stale: ComponentReport | undefined] = [
    undefined,
    undefined,
  ];

  constructor(check: ResolvedCheck, clocks: StateClocks) {
    this.check = check;
    this.#clocks = clocks;
  }

  /** The reported status, `undefined` before the first run. */
  get status(): HealthStatus | undefined {
    return this.#base?.status;
  }

  /** The latest real run, `undefined` before the first. */
  get latestRun(): CheckRunReport | undefined {
    return this.#raw;
  }

  /** Failed runs in a row (0 after a success). */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /**
   * How long to wait after the latest run before the next one, in ms: the TTL, or the
   * back-off when it is longer (for a background check: its `intervalMs`, or the back-off).
   */
  get delayMs(): number {
    const period = this.check.intervalMs ?? this.check.cacheTtlMs;
    return Math.max(period, this.#backoffMs);
  }

  /**
   * Records a finished run: the counters, the thresholds and the back-off. Returns the
   * reported status before and after, for `change` events.
   */
  record(run: CheckRunReport): { previous: HealthStatus | undefined; current: HealthStatus } {
    const previous = this.#base;
    const failed = run.status === 'DOWN';
    this.#raw = run;
    this.#finishedMono = this.#clocks.monotonic();
    this.#finishedEpoch = this.#clocks.epoch();
    if (failed) {
      this.#consecutiveFailures++;
      this.#consecutiveSuccesses = 0;
      this.#lastFailureAt = run.checkedAt;
      this.#backoffMs =
        this.check.backoff === undefined
          ? 0
          : backoffDelayMs(this.check.backoff, this.#consecutiveFailures, this.#clocks.random);
    } else {
      this.#consecutiveSuccesses++;
      this.#consecutiveFailures = 0;
      this.#lastSuccessAt = run.checkedAt;
      this.#backoffMs = 0;
    }
    this.#hold(previous, run, failed);
    this.#views = [undefined, undefined];
    return { previous: previous?.status, current: (this.#base ?? run).status };
  }

  /** Applies the thresholds: report `run`, or keep `previous` with a pending transition. */
  #hold(previous: CheckRunReport | undefined, run: CheckRunReport, failed: boolean): void {
    const { failureThreshold, successThreshold } = this.check;
    const count = failed ? this.#consecutiveFailures : this.#consecutiveSuccesses;
    const threshold = failed ? failureThreshold : successThreshold;
    const crossing = previous !== undefined && (previous.status === 'DOWN') !== failed;
    if (!crossing || count >= threshold) {
      this.#base = run;
      this.#pending = undefined;
      return;
    }
    // Hold the previous status; the timing is the new run's, so freshness follows it.
    this.#base = Object.freeze({
      ...previous,
      durationMs: run.durationMs,
      checkedAt: run.checkedAt,
    });
    this.#pending = Object.freeze({
      status: run.status,
      ...(run.message === undefined ? {} : { message: run.message }),
      count,
      threshold,
    });
  }

  /** Sets whether the check is flapping (`undefined`: history is off). */
  set flapping(flapping: boolean | undefined) {
    if (flapping === this.#flapping) return;
    this.#flapping = flapping;
    this.#views = [undefined, undefined];
  }

  /** Tells the state when the scheduler will run it next (`undefined`: not scheduled). */
  scheduledAt(epochMs: number | undefined): void {
    if (epochMs === this.#nextRunEpoch) return;
    this.#nextRunEpoch = epochMs;
    this.#views = [undefined, undefined];
  }

  /**
   * Where the latest result stands, at `now` on the monotonic clock. A result is fresh up
   * to and including its TTL (as lru-cache counts it), never with a TTL of 0.
   */
  freshness(now = this.#clocks.monotonic()): Freshness {
    if (this.#base === undefined) return 'none';
    if (this.check.intervalMs !== undefined) return 'fresh';
    const age = now - this.#finishedMono;
    const delay = this.delayMs;
    if (delay > 0 && age <= delay) return 'fresh';
    const window = this.check.staleWhileRevalidateMs;
    return window > 0 && age <= delay + window ? 'stale' : 'expired';
  }

  /** Milliseconds the latest result stays fresh from `now`, 0 when it is not. */
  remainingFreshMs(now = this.#clocks.monotonic()): number {
    if (this.#base === undefined) return 0;
    if (this.check.intervalMs !== undefined) return Infinity;
    return Math.max(0, this.#finishedMono + this.delayMs - now);
  }

  /**
   * The component as reported now, `undefined` before the first run: the reported status
   * with the time fields. Frozen, and the same object while nothing changes.
   */
  view(now = this.#clocks.monotonic()): ComponentReport | undefined {
    const base = this.#base;
    if (base === undefined) return undefined;
    const stale = this.#isStale(now);
    const index = stale ? 1 : 0;
    const cached = this.#views[index];
    if (cached !== undefined) return cached;
    const nextRunEpoch =
      this.check.intervalMs !== undefined
        ? this.#nextRunEpoch
        : this.#backoffMs > 0
          ? this.#finishedEpoch + this.#backoffMs
          : undefined;
    const view: ComponentReport = Object.freeze({
      ...base,
      consecutiveFailures: this.#consecutiveFailures,
      stale,
      ...(this.#lastSuccessAt === undefined ? {} : { lastSuccessAt: this.#lastSuccessAt }),
      ...(this.#lastFailureAt === undefined ? {} : { lastFailureAt: this.#lastFailureAt }),
      ...(nextRunEpoch === undefined ? {} : { nextRunAt: new Date(nextRunEpoch).toISOString() }),
      ...(this.#pending === undefined ? {} : { pending: this.#pending }),
      ...(this.#flapping === undefined ? {} : { flapping: this.#flapping }),
    });
    this.#views[index] = view;
    return view;
  }

  /**
   * Whether the result served is past its freshness: an on-request result past its TTL
   * (served within `staleWhileRevalidateMs`), or a background result whose next run is
   * overdue by more than its timeout (the event loop was blocked, or timers stopped).
   */
  #isStale(now: number): boolean {
    const age = now - this.#finishedMono;
    if (this.check.intervalMs === undefined) return age > this.delayMs;
    return age > this.delayMs + this.check.timeoutMs;
  }
}
