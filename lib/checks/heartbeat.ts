import * as z from 'zod';
import { describe } from '../describe.js';
import { parseOptions } from '../options.js';
import { MAX_TIMER_MS } from '../runner/check-options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckContext, CheckResult } from '../runner/types.js';
import { pickTuning } from './tuning.js';

const heartbeatSchema = z.lazy(() =>
  checkTuningSchema.extend({
    maxIntervalMs: z.number().int().min(1).max(MAX_TIMER_MS),
    clock: z
      .custom<() => number>((v) => typeof v === 'function', { message: 'expected a function' })
      .optional(),
  }),
);

/**
 * Options of {@link heartbeat}.
 *
 * - `maxIntervalMs`: the longest gap allowed between two `beat()` calls, in milliseconds.
 *   Required.
 * - `clock`: returns milliseconds on a clock that never jumps, injectable for tests.
 *   Defaults to `performance.now()`.
 * - plus the tuning of every check (`critical`, `timeoutMs`, ...). `cacheTtlMs` defaults
 *   to `0` here: reading a timestamp costs nothing, and a `beat()` or `fail()` is then
 *   seen by the next caller.
 */
export type HeartbeatOptions = z.input<typeof heartbeatSchema>;

/**
 * A check the application pushes, as returned by {@link heartbeat}: pass it as a check,
 * and call `beat()` / `fail()` from the loop it watches.
 */
export class HeartbeatCheck {
  /** The check function the runner calls. */
  readonly check: (context: CheckContext) => CheckResult;
  readonly cacheTtlMs: number;
  readonly #maxIntervalMs: number;
  readonly #now: () => number;
  #lastBeat: number | undefined;
  #failure: string | undefined;

  /** Use {@link heartbeat}. */
  constructor(maxIntervalMs: number, now: () => number, cacheTtlMs: number) {
    this.#maxIntervalMs = maxIntervalMs;
    this.#now = now;
    this.cacheTtlMs = cacheTtlMs;
    this.check = () => this.#status();
  }

  /** Records that the watched loop is alive: UP until `maxIntervalMs` passes without another. Clears a `fail()`. */
  beat(): void {
    this.#lastBeat = this.#now();
    this.#failure = undefined;
  }

  /** Reports DOWN with `message` (cut to 300 characters) until the next `beat()`. */
  fail(message = 'failed'): void {
    this.#failure = describe(message, 'failed').slice(0, 300) || 'failed';
  }

  #status(): CheckResult {
    if (this.#failure !== undefined) return { status: 'DOWN', message: this.#failure };
    if (this.#lastBeat === undefined) return { status: 'DOWN', message: 'no heartbeat yet' };
    const sinceMs = Math.round(this.#now() - this.#lastBeat);
    if (sinceMs > this.#maxIntervalMs) {
      return {
        status: 'DOWN',
        message: `no heartbeat for ${sinceMs} ms (max ${this.#maxIntervalMs} ms)`,
        details: { sinceLastBeatMs: sinceMs, maxIntervalMs: this.#maxIntervalMs },
      };
    }
    return {
      status: 'UP',
      details: { sinceLastBeatMs: sinceMs, maxIntervalMs: this.#maxIntervalMs },
    };
  }
}

/**
 * A check the application pushes, like Consul's TTL checks and Spring's availability
 * state: DOWN (`'no heartbeat yet'`) until the first `beat()`, UP while beats come within
 * `maxIntervalMs` of each other, DOWN when none came in time (a stalled queue consumer or
 * job loop) or after `fail(message)`, UP again at the next `beat()`.
 *
 * Details: `sinceLastBeatMs`, `maxIntervalMs`.
 *
 * @throws {HealthOptionsError} when `maxIntervalMs` is missing or invalid.
 * @example
 * const consumer = checks.heartbeat({ maxIntervalMs: 30_000 });
 * const health = createHealth({ checks: { consumer } });
 * for await (const message of queue) { handle(message); consumer.beat(); }
 */
export function heartbeat(options: HeartbeatOptions): HeartbeatCheck {
  const parsed = parseOptions('checks.heartbeat()', heartbeatSchema, options);
  const { cacheTtlMs, ...tuning } = pickTuning(parsed);
  const check = new HeartbeatCheck(
    parsed.maxIntervalMs,
    parsed.clock ?? (() => performance.now()),
    cacheTtlMs ?? 0,
  );
  return Object.assign(check, tuning);
}
