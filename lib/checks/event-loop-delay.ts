import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { judge, withLevels } from './levels.js';
import { pickTuning } from './tuning.js';

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const eventLoopDelaySchema = z.lazy(() =>
  withLevels(
    checkTuningSchema.extend({
      warnP99Ms: z.number().positive().optional(),
      maxP99Ms: z.number().positive(),
      resolutionMs: z.number().int().min(1).max(1000).optional(),
    }),
    [['warnP99Ms', 'maxP99Ms', 'above']],
  ),
);

/**
 * Options of {@link eventLoopDelay}.
 *
 * - `maxP99Ms`: DOWN when the 99th percentile of the event-loop delay since the previous
 *   run exceeds this many milliseconds. Required.
 * - `warnP99Ms`: DEGRADED above this many milliseconds; below `maxP99Ms`. Optional.
 * - `resolutionMs`: sampling interval of the monitor, in milliseconds. Defaults to `20`.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type EventLoopDelayOptions = z.input<typeof eventLoopDelaySchema>;

const NS_PER_MS = 1e6;

/**
 * Checks the event-loop delay with `perf_hooks.monitorEventLoopDelay`. The monitor starts
 * when this is called, samples on an unref'd timer (it never keeps the process alive) and
 * is stopped by `health.close()`. Each run reports the window since the previous run and
 * then resets it.
 *
 * Details: `p50Ms`, `p99Ms`, `maxMs`, `meanMs`. The message names the level crossed and by
 * how much, e.g. `'p99Ms 240 ms is above maxP99Ms 200 ms by 40 ms'`.
 *
 * @throws {HealthOptionsError} when `maxP99Ms` is missing or not positive, or `warnP99Ms`
 *   is not below it.
 * @example
 * createHealth({ checks: { eventLoop: checks.eventLoopDelay({ maxP99Ms: 200, critical: false }) } });
 */
export function eventLoopDelay(options: EventLoopDelayOptions): CheckDefinition {
  const {
    warnP99Ms,
    maxP99Ms,
    resolutionMs = 20,
    ...tuning
  } = parseOptions('checks.eventLoopDelay()', eventLoopDelaySchema, options);
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  // The histogram records the whole interval between samples, the sampling period
  // included (nodejs/node#34661); the delay is what exceeds the period.
  const delayMs = (ns: number) =>
    Math.max(0, Math.round((ns / NS_PER_MS - resolutionMs) * 100) / 100);
  histogram.enable();
  return {
    ...pickTuning(tuning),
    check: function eventLoopDelayCheck() {
      // No sample yet (the first run right after start): nothing to judge.
      const sampled = histogram.count > 0;
      const details = sampled
        ? {
            p50Ms: delayMs(histogram.percentile(50)),
            p99Ms: delayMs(histogram.percentile(99)),
            maxMs: delayMs(histogram.max),
            meanMs: delayMs(histogram.mean),
          }
        : { p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 };
      histogram.reset();
      const verdict = judge([
        {
          name: 'p99Ms',
          value: details.p99Ms,
          worse: 'above',
          unit: ' ms',
          warn: ['warnP99Ms', warnP99Ms],
          down: ['maxP99Ms', maxP99Ms],
        },
      ]);
      return { ...verdict, details };
    },
    close: () => histogram.disable(),
  };
}
