import type { ResolvedBackoff } from './check-options.js';

/**
 * The wait after the `failures`-th failed run in a row, in milliseconds: exponential,
 * `initialMs * factor^(failures - 1)` capped at `maxMs`, then shortened by up to
 * `jitter` of itself (drawn from `random`), so replicas that failed together do not
 * retry together ("equal jitter" in the AWS architecture blog's terms, on the lower side
 * only: the wait never exceeds `maxMs`).
 *
 * @param failures - failed runs in a row, 1 or more.
 * @param random - returns a number in [0, 1).
 */
export function backoffDelayMs(
  backoff: ResolvedBackoff,
  failures: number,
  random: () => number,
): number {
  const exponent = Math.max(0, failures - 1);
  // factor^exponent overflows to Infinity long before it matters; min() caps it.
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** exponent);
  const draw = clampUnit(random);
  return Math.max(1, Math.round(base * (1 - backoff.jitter * draw)));
}

/** `random()` in [0, 1]; 0 when it throws or returns something else (an injected one may). */
function clampUnit(random: () => number): number {
  let value: unknown;
  try {
    value = random();
  } catch {
    return 0;
  }
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
}
