import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import { judge, withLevels } from './levels.js';
import { pickTuning } from './tuning.js';

const ratio = () => z.number().gt(0).lte(1).optional();

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const fileDescriptorsSchema = z.lazy(() =>
  withLevels(checkTuningSchema.extend({ warnUsageRatio: ratio(), maxUsageRatio: ratio() }), [
    ['warnUsageRatio', 'maxUsageRatio', 'above'],
  ]),
);

/**
 * Options of {@link fileDescriptors}. At least one level is required.
 *
 * - `maxUsageRatio`: DOWN when the open descriptors divided by the soft `RLIMIT_NOFILE`
 *   exceed this ratio (0 exclusive to 1).
 * - `warnUsageRatio`: DEGRADED above this ratio; below `maxUsageRatio` when both are set.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type FileDescriptorsOptions = z.input<typeof fileDescriptorsSchema>;

/** The soft limit in `/proc/<pid>/limits`; `Infinity` for `unlimited`, `undefined` if absent. */
function softLimit(limits: string): number | undefined {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return Infinity;
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/**
 * Checks the process' open file descriptors (the entries of `/proc/self/fd`) against its
 * soft `RLIMIT_NOFILE` (`Max open files` in `/proc/self/limits`): past that limit every new
 * socket, file or pipe fails with `EMFILE`. The descriptor that lists the directory is not
 * counted.
 *
 * On a platform without `/proc` (macOS, Windows) the check is UP with a message saying it
 * cannot measure, and no details: never a crash, never DOWN for want of a reading.
 *
 * Details: `openDescriptors`, `softLimit`, `usageRatio` (0 to 1).
 *
 * @param options - see {@link FileDescriptorsOptions}.
 * @param procSelf - internal: the process' `/proc` directory; defaults to `'/proc/self'`.
 * @throws {HealthOptionsError} when no level is set, a level is out of range, or
 *   `warnUsageRatio` is not below `maxUsageRatio`.
 * @example
 * createHealth({ checks: { fds: checks.fileDescriptors({ warnUsageRatio: 0.8, maxUsageRatio: 0.95 }) } });
 */
export function fileDescriptors(
  options: FileDescriptorsOptions,
  procSelf = '/proc/self',
): CheckDefinition {
  const { warnUsageRatio, maxUsageRatio, ...tuning } = parseOptions(
    'checks.fileDescriptors()',
    fileDescriptorsSchema,
    options,
  );
  return {
    ...pickTuning(tuning),
    check: async function fileDescriptorsCheck(): Promise<CheckResult> {
      let entries: string[];
      let limit: number | undefined;
      try {
        entries = await readdir(join(procSelf, 'fd'));
        limit = softLimit(await readFile(join(procSelf, 'limits'), 'utf8'));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const why = typeof code === 'string' ? ` (${code})` : '';
        return { status: 'UP', message: `cannot measure file descriptors here${why}` };
      }
      if (limit === undefined) {
        return { status: 'UP', message: 'cannot measure file descriptors here (no soft limit)' };
      }
      // The listing itself holds one descriptor open while it reads the directory.
      const openDescriptors = Math.max(0, entries.length - 1);
      const usageRatio = limit === Infinity ? 0 : Math.round((openDescriptors / limit) * 1e4) / 1e4;
      const details = {
        openDescriptors,
        softLimit: limit === Infinity ? null : limit,
        usageRatio,
      };
      const verdict = judge([
        {
          name: 'usageRatio',
          value: usageRatio,
          worse: 'above',
          warn: ['warnUsageRatio', warnUsageRatio],
          down: ['maxUsageRatio', maxUsageRatio],
        },
      ]);
      return { ...verdict, details };
    },
  };
}
