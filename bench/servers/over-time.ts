/**
 * Scenario 8 (issue 15): how the one check of a server runs over time, set by the runner in
 * `BENCH_MODE`, `BENCH_CHECK_MS` and `BENCH_MOUNT`. No side effect on import.
 */

/**
 * How the check runs: `interval`, a background check (`intervalMs`); `swr`, on request
 * with stale-while-revalidate; `on-request`, on request with a TTL only (the runner's
 * behaviour before issue 15).
 */
export const OVER_TIME_MODES = ['interval', 'swr', 'on-request'] as const;
export type OverTimeMode = (typeof OVER_TIME_MODES)[number];

/** Where the probes are answered: `healthRouter` in Express 4, or `withHealth` around it. */
export const OVER_TIME_MOUNTS = ['router', 'with-health'] as const;
export type OverTimeMount = (typeof OVER_TIME_MOUNTS)[number];

/** The check latencies measured, in milliseconds. */
export const OVER_TIME_CHECK_MS = [50, 700] as const;

/** `intervalMs` of the background check, in milliseconds. */
export const OVER_TIME_INTERVAL_MS = 1000;
/** `cacheTtlMs` of the on-request checks, in milliseconds (the runner's default). */
export const OVER_TIME_TTL_MS = 1000;
/** `staleWhileRevalidateMs` of the `swr` mode, in milliseconds. */
export const OVER_TIME_SWR_MS = 10_000;
/**
 * `timeoutMs` of the check: well above 700 ms, so a run that a busy machine delays is not
 * cut off (a timed-out run is a 503, and autocannon leaves non-2xx out of its latencies).
 */
export const OVER_TIME_TIMEOUT_MS = 3000;

export interface OverTimeSettings {
  readonly mode: OverTimeMode;
  readonly checkMs: number;
  readonly mount: OverTimeMount;
}

function oneOf<T extends string>(name: string, values: readonly T[]): T {
  const raw = process.env[name] ?? '';
  if (!(values as readonly string[]).includes(raw)) {
    throw new TypeError(`${name} must be one of ${values.join(', ')}, got ${raw}`);
  }
  return raw as T;
}

/** This server's settings, from the environment the runner set. */
export function overTimeSettings(): OverTimeSettings {
  const checkMs = Number(process.env.BENCH_CHECK_MS);
  if (!Number.isInteger(checkMs) || checkMs < 1 || checkMs >= OVER_TIME_TIMEOUT_MS) {
    throw new RangeError(
      `BENCH_CHECK_MS must be an integer from 1 to ${OVER_TIME_TIMEOUT_MS - 1}, got ${process.env.BENCH_CHECK_MS}`,
    );
  }
  return {
    mode: oneOf('BENCH_MODE', OVER_TIME_MODES),
    checkMs,
    mount: oneOf('BENCH_MOUNT', OVER_TIME_MOUNTS),
  };
}

/** The check's options for `mode`, besides `check` and `timeoutMs`. */
export function overTimeTuning(
  mode: OverTimeMode,
): { intervalMs: number } | { cacheTtlMs: number; staleWhileRevalidateMs?: number } {
  switch (mode) {
    case 'interval':
      return { intervalMs: OVER_TIME_INTERVAL_MS };
    case 'swr':
      return { cacheTtlMs: OVER_TIME_TTL_MS, staleWhileRevalidateMs: OVER_TIME_SWR_MS };
    case 'on-request':
      return { cacheTtlMs: OVER_TIME_TTL_MS };
  }
}

/** The setting of `mode` as the report shows it. */
export function describeMode(mode: OverTimeMode): string {
  switch (mode) {
    case 'interval':
      return `(a) background, \`intervalMs: ${OVER_TIME_INTERVAL_MS}\``;
    case 'swr':
      return `(b) on request, \`cacheTtlMs: ${OVER_TIME_TTL_MS}, staleWhileRevalidateMs: ${OVER_TIME_SWR_MS}\``;
    case 'on-request':
      return `(c) on request, \`cacheTtlMs: ${OVER_TIME_TTL_MS}\` (before issue 15)`;
  }
}
