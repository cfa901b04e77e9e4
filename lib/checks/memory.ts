import { getHeapStatistics } from 'node:v8';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { pickTuning } from './tuning.js';

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const memorySchema = z.lazy(() =>
  checkTuningSchema
    .extend({
      maxHeapRatio: z.number().gt(0).lte(1).optional(),
      maxRssBytes: z.number().int().positive().optional(),
    })
    .refine((o) => o.maxHeapRatio !== undefined || o.maxRssBytes !== undefined, {
      message: 'set `maxHeapRatio`, `maxRssBytes` or both',
    }),
);

/**
 * Options of {@link memory}. At least one limit is required.
 *
 * - `maxHeapRatio`: DOWN when the V8 heap in use, divided by the heap size limit
 *   (`--max-old-space-size`), exceeds this ratio (0 exclusive to 1).
 * - `maxRssBytes`: DOWN when the resident set size exceeds this many bytes.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type MemoryOptions = z.input<typeof memorySchema>;

/**
 * Checks the process' memory against limits, from `v8.getHeapStatistics()` and
 * `process.memoryUsage.rss()`.
 *
 * Details: `heapUsedBytes`, `heapLimitBytes`, `heapRatio` (0 to 1), `rssBytes`.
 *
 * @throws {HealthOptionsError} when no limit is set or a limit is out of range.
 * @example
 * createHealth({ checks: { memory: checks.memory({ maxHeapRatio: 0.9, critical: false }) } });
 */
export function memory(options: MemoryOptions): CheckDefinition {
  const { maxHeapRatio, maxRssBytes, ...tuning } = parseOptions(
    'checks.memory()',
    memorySchema,
    options,
  );
  return {
    ...pickTuning(tuning),
    check: function memoryCheck() {
      const heap = getHeapStatistics();
      const rssBytes = process.memoryUsage.rss();
      const heapRatio = Math.round((heap.used_heap_size / heap.heap_size_limit) * 1e4) / 1e4;
      const details = {
        heapUsedBytes: heap.used_heap_size,
        heapLimitBytes: heap.heap_size_limit,
        heapRatio,
        rssBytes,
      };
      if (maxHeapRatio !== undefined && heapRatio > maxHeapRatio) {
        return {
          status: 'DOWN',
          message: `heap use ${heapRatio} exceeds ${maxHeapRatio}`,
          details,
        };
      }
      if (maxRssBytes !== undefined && rssBytes > maxRssBytes) {
        return { status: 'DOWN', message: `RSS ${rssBytes} bytes exceeds ${maxRssBytes}`, details };
      }
      return { status: 'UP', details };
    },
  };
}
