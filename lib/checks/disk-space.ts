import { statfs } from 'node:fs/promises';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { pickTuning } from './tuning.js';

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const diskSpaceSchema = z.lazy(() =>
  checkTuningSchema
    .extend({
      path: z.string().min(1),
      minFreeRatio: z.number().gt(0).lt(1).optional(),
      minFreeBytes: z.number().int().positive().optional(),
    })
    .refine((o) => (o.minFreeRatio === undefined) !== (o.minFreeBytes === undefined), {
      message: 'set exactly one of `minFreeRatio` and `minFreeBytes`',
    }),
);

/**
 * Options of {@link diskSpace}.
 *
 * - `path`: a path on the file system to watch, e.g. `'/'` or the data directory. Required.
 * - `minFreeRatio`: DOWN when the space available to the process, divided by the file
 *   system's size, falls below this ratio (0 to 1, exclusive). Either this or `minFreeBytes`.
 * - `minFreeBytes`: DOWN when fewer bytes than this are available. Either this or `minFreeRatio`.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type DiskSpaceOptions = z.input<typeof diskSpaceSchema>;

/**
 * Checks free disk space with `fs.statfs` (no shell, no external command). "Free" is the
 * space available to an unprivileged process (`bavail`), as `df` shows it.
 *
 * Details: `path`, `freeBytes`, `totalBytes`, `freeRatio` (0 to 1).
 *
 * @throws {HealthOptionsError} when `path` is missing or not exactly one threshold is set.
 * @example
 * createHealth({ checks: { disk: checks.diskSpace({ path: '/', minFreeRatio: 0.05 }) } });
 */
export function diskSpace(options: DiskSpaceOptions): CheckDefinition {
  const { path, minFreeRatio, minFreeBytes, ...tuning } = parseOptions(
    'checks.diskSpace()',
    diskSpaceSchema,
    options,
  );
  return {
    ...pickTuning(tuning),
    check: async function diskSpaceCheck() {
      const stats = await statfs(path);
      const freeBytes = stats.bavail * stats.bsize;
      const totalBytes = stats.blocks * stats.bsize;
      const freeRatio = totalBytes === 0 ? 0 : Math.round((freeBytes / totalBytes) * 1e4) / 1e4;
      const details = { path, freeBytes, totalBytes, freeRatio };
      const low =
        minFreeBytes === undefined ? freeRatio < (minFreeRatio ?? 0) : freeBytes < minFreeBytes;
      if (!low) return { status: 'UP', details };
      const limit =
        minFreeBytes === undefined ? `${minFreeRatio ?? 0} of the total` : `${minFreeBytes} bytes`;
      return {
        status: 'DOWN',
        message: `free space ${freeBytes} bytes is below ${limit}`,
        details,
      };
    },
  };
}
