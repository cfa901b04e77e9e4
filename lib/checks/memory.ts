import { getHeapStatistics } from 'node:v8';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { judge, withLevels } from './levels.js';
import { pickTuning } from './tuning.js';

const ratio = () => z.number().gt(0).lte(1).optional();
const bytes = () => z.number().int().positive().optional();

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const memorySchema = z.lazy(() =>
  withLevels(
    checkTuningSchema.extend({
      warnHeapRatio: ratio(),
      maxHeapRatio: ratio(),
      warnRssBytes: bytes(),
      maxRssBytes: bytes(),
    }),
    [
      ['warnHeapRatio', 'maxHeapRatio', 'above'],
      ['warnRssBytes', 'maxRssBytes', 'above'],
    ],
  ),
);

/**
 * Options of {@link memory}. At least one level is required.
 *
 * - `maxHeapRatio`: DOWN when the V8 heap in use, divided by the heap size limit
 *   (`--max-old-space-size`), exceeds this ratio (0 exclusive to 1).
 * - `warnHeapRatio`: DEGRADED above this ratio; below `maxHeapRatio` when both are set.
 * - `maxRssBytes`: DOWN when the resident set size exceeds this many bytes.
 * - `warnRssBytes`: DEGRADED above this many bytes; below `maxRssBytes` when both are set.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type MemoryOptions = z.input<typeof memorySchema>;

/**
 * Checks the process' memory against levels, from `v8.getHeapStatistics()` and
 * `process.memoryUsage.rss()`. For the container's limit see `checks.containerMemory`.
 *
 * Details: `heapUsedBytes`, `heapLimitBytes`, `heapRatio` (0 to 1), `rssBytes`. The
 * message names each level crossed and by how much, e.g.
 * `'rssBytes 1200 bytes is above maxRssBytes 1024 bytes by 176 bytes'`.
 *
 * @throws {HealthOptionsError} when no level is set, a level is out of range, or a
 *   `warn*` level is not below its `max*` level.
 * @example
 * createHealth({ checks: { memory: checks.memory({ warnHeapRatio: 0.8, maxHeapRatio: 0.9, critical: false }) } });
 */
export function memory(options: MemoryOptions): CheckDefinition {
  const { warnHeapRatio, maxHeapRatio, warnRssBytes, maxRssBytes, ...tuning } = parseOptions(
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
      const verdict = judge([
        {
          name: 'heapRatio',
          value: heapRatio,
          worse: 'above',
          warn: ['warnHeapRatio', warnHeapRatio],
          down: ['maxHeapRatio', maxHeapRatio],
        },
        {
          name: 'rssBytes',
          value: rssBytes,
          worse: 'above',
          unit: ' bytes',
          warn: ['warnRssBytes', warnRssBytes],
          down: ['maxRssBytes', maxRssBytes],
        },
      ]);
      return { ...verdict, details };
    },
  };
}
