import type { HealthStatus } from '../status.js';

// What the prom-client and the OpenTelemetry exporters share; neither imports the other.

/**
 * Buckets of `health_check_duration_seconds`, in seconds: 5 ms to 5 s, which spans a
 * cache ping to a check that runs into a generous `timeoutMs`.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** The gauge value of each status: 1 UP, 0.5 DEGRADED, 0 DOWN. */
export const STATUS_VALUES: Readonly<Record<HealthStatus, number>> = Object.freeze({
  UP: 1,
  DEGRADED: 0.5,
  DOWN: 0,
});

/**
 * Seconds from `checkedAt` to `timestamp` (both ISO 8601, both from the runner's clock, so
 * an injected `clock` drives it too), never negative; 0 when either does not parse.
 */
export function ageSeconds(checkedAt: string, timestamp: string): number {
  const age = (Date.parse(timestamp) - Date.parse(checkedAt)) / 1000;
  return Number.isFinite(age) ? Math.max(0, age) : 0;
}
