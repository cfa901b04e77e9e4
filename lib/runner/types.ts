import type { HealthStatus } from '../status.js';

/** What the runner hands to every check run. */
export interface CheckContext {
  /**
   * Aborted when the run exceeds its `timeoutMs`, with a `CheckTimeoutError` as the
   * reason. Pass it to anything that accepts a signal (`fetch`, driver calls) so the
   * work stops too: a timeout alone only stops the waiting.
   */
  readonly signal: AbortSignal;
}

/**
 * What a check reports when it needs more than up or down.
 *
 * Validated with zod on every run: an object of any other shape makes the component
 * DOWN with a message naming the problem.
 */
export interface CheckResult {
  /** The component's state. */
  status: HealthStatus;
  /** One line for people, e.g. `'replica lag 12 s'`. Capped at `maxMessageLength`. */
  message?: string;
  /** Measurements, JSON-serialisable, with units in the key names (`latencyMs`). */
  details?: Record<string, unknown>;
}

/**
 * What a check function may return, or resolve to.
 *
 * - `undefined`, `true` or any other value that is not shaped like a {@link CheckResult}
 *   (a string such as Redis' `'PONG'`, a number, `null`, a driver's query result): UP, the
 *   check settled without throwing. So `() => pool.query('SELECT 1')` is a check.
 * - `false`: DOWN.
 * - an object with a string `status`: a {@link CheckResult}, validated; one that is not a
 *   valid result (`{ status: 'up' }`, an unknown key) is DOWN with a message that names
 *   the allowed values.
 */
export type CheckReturn =
  CheckResult | CheckSettledValue | boolean | string | number | bigint | null | undefined | void;

/**
 * Any other object a check may resolve to, such as a driver's query result: UP. One with a
 * `status` field must be a {@link CheckResult} (so `{ status: 'up' }` does not compile;
 * at run time an object with a string `status` is validated as a result).
 */
export type CheckSettledValue = object & { readonly status?: never };

/**
 * A check: probes one dependency or resource. Throwing or rejecting means DOWN with the
 * error's message (never its stack).
 */
export type CheckFunction = (context: CheckContext) => CheckReturn | PromiseLike<CheckReturn>;

/** A back-off policy for a failing check; see {@link CheckDefinition.backoff}. */
export interface BackoffOptions {
  /** The wait after the first failed run, in milliseconds. Defaults to `1000` (or `maxMs` when lower). */
  initialMs?: number;
  /** The longest wait, in milliseconds; at least `initialMs`. Required. */
  maxMs: number;
  /** How much longer each wait is than the one before, 1 to 100. Defaults to `2`. */
  factor?: number;
  /**
   * Share of each wait, 0 to 1, drawn at random and taken off it, so replicas that failed
   * together do not retry together. Defaults to `0.1`.
   */
  jitter?: number;
}

/**
 * A check with its tuning. Every field but `check` is optional; the time fields default to
 * the runner's values (`createHealth`'s options of the same names), then to the values
 * given here.
 */
export interface CheckDefinition {
  /** The check itself. */
  check: CheckFunction;
  /**
   * Whether the service cannot work without this component. A DOWN critical check makes
   * the aggregate DOWN (readiness 503); a DOWN non-critical check makes it DEGRADED
   * (readiness stays 200). Defaults to `true`.
   */
  critical?: boolean;
  /** Hard bound on one run, in milliseconds. Defaults to the runner's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * How long a result is reused, in milliseconds, counted from the end of the run.
   * `0` runs the check for every caller that is not already sharing a run in flight.
   * Defaults to the runner's `cacheTtlMs`. Not used by a background check (`intervalMs`).
   */
  cacheTtlMs?: number;
  /**
   * Makes this a background check: the runner runs it every `intervalMs` milliseconds on
   * its own (unref'd timers, cleared by `close()`; the next run starts only after the
   * previous one settled, so runs never overlap), and every caller reads the latest result
   * without waiting. Only before the first result exists do callers wait, sharing that
   * first run. Defaults to none: the check runs on request, cached for `cacheTtlMs`.
   */
  intervalMs?: number;
  /** Delay before a background check's first scheduled run, in milliseconds. Defaults to `0`. Needs `intervalMs`. */
  initialDelayMs?: number;
  /**
   * Stale-while-revalidate (RFC 5861's term) for an on-request check, in milliseconds: a
   * caller that arrives up to this long after the TTL ran out gets the last result at once
   * (`stale: true`), and one background refresh starts; past it, callers wait as they do
   * without it. Defaults to `0`. Not with `intervalMs`.
   */
  staleWhileRevalidateMs?: number;
  /**
   * Failed runs in a row before a component that reports UP or DEGRADED reports DOWN, 1 to
   * 1000 (the kubelet's probe field of the same name). Until then it keeps its status and
   * the detailed body shows the transition as `pending`. Defaults to `1`.
   */
  failureThreshold?: number;
  /**
   * Successful runs in a row before a DOWN component reports UP (or DEGRADED) again, 1 to
   * 1000 (the kubelet's probe field of the same name). Defaults to `1`.
   */
  successThreshold?: number;
  /**
   * Exponential back-off for a failing check: after a failed run the next one waits
   * `initialMs * factor^(failures - 1)` (at most `maxMs`, less the jitter); meanwhile the
   * DOWN result is served without running the check. One success resets it. `false` (the
   * default) retries every `cacheTtlMs` (or `intervalMs`).
   */
  backoff?: BackoffOptions | false;
  /**
   * A successful run slower than this, in milliseconds, reports DEGRADED with a message such
   * as `slow: 412 ms (degraded after 300 ms)`. Below `timeoutMs`. Defaults to none.
   */
  degradedAfterMs?: number;
  /** Called once by `health.close()` (or `unregister`) to release what the check holds (timers, monitors). */
  close?: () => void;
}

/** A check as given to `createHealth`: a bare function or a {@link CheckDefinition}. */
export type Check = CheckFunction | CheckDefinition;

/** One check run as it ended, before the thresholds: what the `check` event carries. */
export interface CheckRunReport {
  /** The component's state. */
  readonly status: HealthStatus;
  /** Why it is not UP, or what the check said. Absent when there is nothing to say. */
  readonly message?: string;
  /** Whether the check is critical (see {@link CheckDefinition.critical}). */
  readonly critical: boolean;
  /** How long the run took, in milliseconds (0.1 ms resolution). */
  readonly durationMs: number;
  /** When the run finished, ISO 8601 in UTC. Older than the request while cached. */
  readonly checkedAt: string;
  /** The measurements the check returned: a frozen JSON-safe copy, at most 64 KiB as JSON. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A status transition held back by `failureThreshold` or `successThreshold`. */
export interface PendingTransition {
  /** The status the latest runs had, which the component will report once `count` reaches `threshold`. */
  readonly status: HealthStatus;
  /** The latest run's message. */
  readonly message?: string;
  /** Runs in a row with that outcome so far. */
  readonly count: number;
  /** Runs in a row needed. */
  readonly threshold: number;
}

/**
 * A component as reported: its status after the thresholds (`status`, `message` and
 * `details` are those of the run that set the status; `durationMs` and `checkedAt` those
 * of the latest run), with its state over time.
 */
export interface ComponentReport extends CheckRunReport {
  /** Failed runs in a row, 0 after a success. */
  readonly consecutiveFailures: number;
  /**
   * `true` while a result past its freshness is served: an on-request result past its TTL
   * (within `staleWhileRevalidateMs`, while it is refreshed), or a background result whose
   * next run is overdue by more than its timeout.
   */
  readonly stale: boolean;
  /** When a run last succeeded (UP or DEGRADED), ISO 8601; absent before the first. */
  readonly lastSuccessAt?: string;
  /** When a run last failed (DOWN), ISO 8601; absent before the first. */
  readonly lastFailureAt?: string;
  /** When the check runs next, ISO 8601: set for a background check, and while backed off. */
  readonly nextRunAt?: string;
  /** A transition the thresholds are holding back, absent when none is. */
  readonly pending?: PendingTransition;
  /** Whether the check is flapping (see the `history` option); absent when history is off. */
  readonly flapping?: boolean;
}

/**
 * The aggregate health of the service. Frozen (with its `components` map), since the
 * runner hands one report to every caller of the same millisecond; copy it to change it.
 */
export interface HealthReport {
  /** Worst of the components (a non-critical DOWN counts as DEGRADED); DOWN while shutting down. */
  readonly status: HealthStatus;
  /** `'shutting down'` after `markShuttingDown()` or `close()`, otherwise absent. */
  readonly message?: string;
  /** When the report was made, ISO 8601 in UTC. */
  readonly timestamp: string;
  /** Whole seconds since `createHealth()` was called. */
  readonly uptimeSeconds: number;
  /** The `version` option, when given. */
  readonly version?: string;
  /** One entry per check, in the order the checks were declared. */
  readonly components: Readonly<Record<string, ComponentReport>>;
}
