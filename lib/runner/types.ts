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
 * - `undefined`, `true` or any other non-object value (a string such as Redis'
 *   `'PONG'`, a number, `null`): UP, the check settled without throwing.
 * - `false`: DOWN.
 * - a {@link CheckResult}: as given.
 */
export type CheckReturn = CheckResult | boolean | string | number | null | undefined | void;

/**
 * A check: probes one dependency or resource. Throwing or rejecting means DOWN with the
 * error's message (never its stack).
 */
export type CheckFunction = (context: CheckContext) => CheckReturn | PromiseLike<CheckReturn>;

/** A check with its tuning. Every field but `check` is optional. */
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
   * Defaults to the runner's `cacheTtlMs`.
   */
  cacheTtlMs?: number;
  /** Called once by `health.close()` to release what the check holds (timers, monitors). */
  close?: () => void;
}

/** A check as given to `createHealth`: a bare function or a {@link CheckDefinition}. */
export type Check = CheckFunction | CheckDefinition;

/** The result of one check run, as reported per component. */
export interface ComponentReport {
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
  /** The measurements the check returned. */
  readonly details?: Readonly<Record<string, unknown>>;
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
