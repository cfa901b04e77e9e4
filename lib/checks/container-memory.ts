import { freemem, totalmem } from 'node:os';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { PROCESS_CGROUP, readCgroupMemory, type CgroupSource } from './cgroup.js';
import { judge, withLevels } from './levels.js';
import { pickTuning } from './tuning.js';

const ratio = () => z.number().gt(0).lte(1).optional();

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const containerMemorySchema = z.lazy(() =>
  withLevels(checkTuningSchema.extend({ warnUsageRatio: ratio(), maxUsageRatio: ratio() }), [
    ['warnUsageRatio', 'maxUsageRatio', 'above'],
  ]),
);

/**
 * Options of {@link containerMemory}. At least one level is required.
 *
 * - `maxUsageRatio`: DOWN when the working set divided by the limit exceeds this ratio
 *   (0 exclusive to 1).
 * - `warnUsageRatio`: DEGRADED above this ratio; below `maxUsageRatio` when both are set.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type ContainerMemoryOptions = z.input<typeof containerMemorySchema>;

/** Where {@link containerMemory} reads from; tests point it at fixtures. */
export interface MemorySource extends CgroupSource {
  /** The host's memory in bytes; defaults to `os.totalmem()`. */
  readonly totalBytes: () => number;
  /** The host's available memory in bytes; defaults to `os.freemem()`. */
  readonly availableBytes: () => number;
}

const PROCESS_MEMORY: MemorySource = Object.freeze({
  ...PROCESS_CGROUP,
  totalBytes: totalmem,
  availableBytes: freemem,
});

/**
 * Checks the container's memory against its limit, the one the kernel's OOM killer acts
 * on: cgroup v2 `memory.max`, `memory.current` and `memory.events`, else the cgroup v1
 * `memory.limit_in_bytes`, `memory.usage_in_bytes` and `memory.oom_control`. Without a
 * limit (or a limit above the host's memory, or no cgroup at all) the limit is the host's
 * total memory (`os.totalmem()`).
 *
 * The ratio is the working set's, as the kubelet and cAdvisor count it: the usage minus
 * the inactive page cache (`inactive_file` in `memory.stat`), which the kernel reclaims
 * before it kills anything.
 *
 * Details: `source` (`'cgroup v2'`, `'cgroup v1'` or `'host'`), `limitBytes`, `usageBytes`,
 * `workingSetBytes`, `usageRatio` (working set / limit, 0 to 1), `oomKills` (kills in the
 * group so far, `null` when not reported).
 *
 * @param options - see {@link ContainerMemoryOptions}.
 * @param source - internal: where the files are; defaults to this process' own.
 * @throws {HealthOptionsError} when no level is set, a level is out of range, or
 *   `warnUsageRatio` is not below `maxUsageRatio`.
 * @example
 * createHealth({ checks: { memory: checks.containerMemory({ warnUsageRatio: 0.8, maxUsageRatio: 0.95 }) } });
 */
export function containerMemory(
  options: ContainerMemoryOptions,
  source: MemorySource = PROCESS_MEMORY,
): CheckDefinition {
  const { warnUsageRatio, maxUsageRatio, ...tuning } = parseOptions(
    'checks.containerMemory()',
    containerMemorySchema,
    options,
  );
  return {
    ...pickTuning(tuning),
    check: async function containerMemoryCheck() {
      const group = await readCgroupMemory(source);
      const hostBytes = source.totalBytes();
      const limit = group?.limitBytes;
      const limited = group !== undefined && limit !== undefined && limit < hostBytes;
      const usageBytes = group?.usageBytes ?? hostBytes - source.availableBytes();
      const workingSetBytes = Math.max(0, usageBytes - (group?.inactiveFileBytes ?? 0));
      const limitBytes = limited ? limit : hostBytes;
      const usageRatio = Math.round((workingSetBytes / limitBytes) * 1e4) / 1e4;
      const details = {
        source: limited ? `cgroup v${group.version}` : 'host',
        limitBytes,
        usageBytes,
        workingSetBytes,
        usageRatio,
        oomKills: group?.oomKills ?? null,
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
