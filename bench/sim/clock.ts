/**
 * What the simulations of `flap-damping.ts` and `backoff.ts` run on: a clock they move by
 * hand, timers that never fire on their own, and a seeded PRNG, so a run is the same on
 * every machine and takes no wall time.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timers } from 'health-probes';

/** A clock that stands still until {@link SimClock.advance} moves it. */
export interface SimClock {
  /** Epoch milliseconds: pass it as `createHealth({ clock })`. */
  readonly now: () => number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
  /** Timers on this clock; the simulations only run on-request checks, so none may fire. */
  readonly timers: Timers;
  /** Timers scheduled so far (0 for on-request checks: the runner never schedules one). */
  readonly scheduled: () => number;
}

/** Where the simulated time starts: 2026-01-01T00:00:00Z. */
export const SIM_START_MS = Date.UTC(2026, 0, 1);

export function simClock(start = SIM_START_MS): SimClock {
  let time = start;
  let scheduled = 0;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
    timers: {
      setTimeout: () => ++scheduled,
      clearTimeout: () => undefined,
    },
    scheduled: () => scheduled,
  };
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): a PRNG returning numbers in
 * [0, 1) from a 32-bit seed. Small, fast and good enough to draw failures and jitter.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed from `BENCH_SEED` (an unsigned 32-bit integer), else `fallback`. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.BENCH_SEED;
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`BENCH_SEED must be an integer from 0 to 4294967295, got ${raw}`);
  }
  return value;
}

/** Whether the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(url);
}
