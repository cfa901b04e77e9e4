import { statfs } from 'node:fs/promises';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { judge, withLevels } from './levels.js';
import { pickTuning } from './tuning.js';

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const diskSpaceSchema = z.lazy(() =>
  withLevels(
    checkTuningSchema
      .extend({
        path: z.string().min(1),
        warnFreeRatio: z.number().gt(0).lt(1).optional(),
        minFreeRatio: z.number().gt(0).lt(1).optional(),
        warnFreeBytes: z.number().int().positive().optional(),
        minFreeBytes: z.number().int().positive().optional(),
      })
      .refine((o) => (o.minFreeRatio === undefined) !== (o.minFreeBytes === undefined), {
        message: 'set exactly one of `minFreeRatio` and `minFreeBytes`',
      }),
    [
      ['warnFreeRatio', 'minFreeRatio', 'below'],
      ['warnFreeBytes', 'minFreeBytes', 'below'],
    ],
  ),
);

/**
 * Options of {@link diskSpace}.
 *
 * - `path`: a path on the file system to watch, e.g. `'/'` or the data directory. Required.
 * - `minFreeRatio`: DOWN when the space available to the process, divided by the file
 *   system's size, falls below this ratio (0 to 1, exclusive). Either this or `minFreeBytes`.
 * - `minFreeBytes`: DOWN when fewer bytes than this are available. Either this or `minFreeRatio`.
 * - `warnFreeRatio`, `warnFreeBytes`: DEGRADED below this ratio or this many bytes; each
 *   above its `min*` level when both are set. Optional, and either may go with either `min*`.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type DiskSpaceOptions = z.input<typeof diskSpaceSchema>;

/**
 * Checks free disk space with `fs.statfs` (no shell, no external command). "Free" is the
 * space available to an unprivileged process (`bavail`), as `df` shows it.
 *
 * Details: `path`, `freeBytes`, `totalBytes`, `freeRatio` (0 to 1). The message names each
 * level crossed and by how much, e.g. `'freeRatio 0.04 is below minFreeRatio 0.05 by 0.01'`.
 *
 * @throws {HealthOptionsError} when `path` is missing, not exactly one `min*` level is set,
 *   or a `warn*` level is not above its `min*` level.
 * @example
 * createHealth({ checks: { disk: checks.diskSpace({ path: '/', minFreeRatio: 0.05 }) } });
 */
export function diskSpace(options: DiskSpaceOptions): CheckDefinition {
  const { path, warnFreeRatio, minFreeRatio, warnFreeBytes, minFreeBytes, ...tuning } =
    parseOptions('checks.diskSpace()', diskSpaceSchema, options);
  return {
    ...pickTuning(tuning),
    check: async function diskSpaceCheck() {
      const stats = await statfs(path);
      const freeBytes = stats.bavail * stats.bsize;
      const totalBytes = stats.blocks * stats.bsize;
      const freeRatio = totalBytes === 0 ? 0 : Math.round((freeBytes / totalBytes) * 1e4) / 1e4;
      const details = { path, freeBytes, totalBytes, freeRatio };
      const verdict = judge([
        {
          name: 'freeRatio',
          value: freeRatio,
          worse: 'below',
          warn: ['warnFreeRatio', warnFreeRatio],
          down: ['minFreeRatio', minFreeRatio],
        },
        {
          name: 'freeBytes',
          value: freeBytes,
          worse: 'below',
          unit: ' bytes',
          warn: ['warnFreeBytes', warnFreeBytes],
          down: ['minFreeBytes', minFreeBytes],
        },
      ]);
      return { ...verdict, details };
    },
  };
}
