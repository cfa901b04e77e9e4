import { availableParallelism } from 'node:os';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition } from '../runner/types.js';
import { PROCESS_CGROUP, readCgroupCpu, type CgroupSource } from './cgroup.js';
import { judge, withLevels, type Gauge } from './levels.js';
import { pickTuning } from './tuning.js';

const ratio = () => z.number().gt(0).lte(1).optional();

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const cpuSchema = z.lazy(() =>
  withLevels(
    checkTuningSchema.extend({
      warnThrottledRatio: ratio(),
      maxThrottledRatio: ratio(),
      warnUsageRatio: ratio(),
      maxUsageRatio: ratio(),
    }),
    [
      ['warnThrottledRatio', 'maxThrottledRatio', 'above'],
      ['warnUsageRatio', 'maxUsageRatio', 'above'],
    ],
  ),
);

/**
 * Options of {@link cpu}. At least one level is required; each is a ratio, 0 exclusive to 1.
 *
 * - `warnThrottledRatio` / `maxThrottledRatio`: DEGRADED / DOWN when the share of CPU
 *   periods in which the cgroup was throttled, since the previous run, exceeds it.
 * - `warnUsageRatio` / `maxUsageRatio`: DEGRADED / DOWN when the process' CPU time over
 *   the interval, in cores, divided by the cgroup's quota (or the core count), exceeds it.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type CpuOptions = z.input<typeof cpuSchema>;

/** Where {@link cpu} reads from; tests point it at fixtures and inject the clocks. */
export interface CpuSource extends CgroupSource {
  /** The process' CPU time; defaults to `process.cpuUsage()` (microseconds). */
  readonly cpuUsage: () => { user: number; system: number };
  /** A monotonic clock in milliseconds; defaults to `performance.now()`. */
  readonly now: () => number;
  /** The cores without a quota; defaults to `os.availableParallelism()`. */
  readonly cores: () => number;
}

const PROCESS_CPU: CpuSource = Object.freeze({
  ...PROCESS_CGROUP,
  cpuUsage: () => process.cpuUsage(),
  now: () => performance.now(),
  cores: availableParallelism,
});

interface Sample {
  readonly at: number;
  readonly cpuMicros: number;
  readonly periods: number | undefined;
  readonly throttled: number | undefined;
  readonly quotaCores: number | undefined;
  readonly version: 1 | 2 | undefined;
}

async function sample(source: CpuSource): Promise<Sample> {
  const group = await readCgroupCpu(source);
  const usage = source.cpuUsage();
  return {
    at: source.now(),
    cpuMicros: usage.user + usage.system,
    periods: group?.periods,
    throttled: group?.throttled,
    quotaCores: group?.quotaCores,
    version: group?.version,
  };
}

const round = (value: number) => Math.round(value * 1e4) / 1e4;

/**
 * Checks CPU pressure over the interval since the previous run (the first run measures
 * from the call of this factory): the share of the cgroup's enforcement periods that were
 * throttled (`nr_throttled` / `nr_periods` in `cpu.stat`, cgroup v2 or v1), and the
 * process' CPU time (`process.cpuUsage()`) against the quota (`cpu.max`, or v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`), or against the core count when unlimited.
 * Throttling is what makes a healthy process miss its probe deadlines under a quota.
 *
 * Details: `source` (`'cgroup v2'`, `'cgroup v1'` or `'host'`), `limitCores`, `usageCores`,
 * `usageRatio`, `intervalMs`, `periods` and `throttledPeriods` (since the previous run),
 * `throttledRatio` (`null` when the cgroup reports no periods, e.g. without a quota).
 *
 * @param options - see {@link CpuOptions}.
 * @param source - internal: where the files are and the clocks; defaults to this process'.
 * @throws {HealthOptionsError} when no level is set, a level is out of range, or a
 *   `warn*` level is not below its `max*` level.
 * @example
 * createHealth({ checks: { cpu: checks.cpu({ warnThrottledRatio: 0.1, maxThrottledRatio: 0.5, critical: false }) } });
 */
export function cpu(options: CpuOptions, source: CpuSource = PROCESS_CPU): CheckDefinition {
  const { warnThrottledRatio, maxThrottledRatio, warnUsageRatio, maxUsageRatio, ...tuning } =
    parseOptions('checks.cpu()', cpuSchema, options);
  let previous = sample(source);
  // Awaited by the first run; a failure then becomes that run's DOWN, never unhandled.
  previous.catch(() => undefined);
  return {
    ...pickTuning(tuning),
    check: async function cpuCheck() {
      const [before, after] = [await previous, await sample(source)];
      previous = Promise.resolve(after);
      const intervalMs = Math.max(after.at - before.at, 0.001);
      const limitCores = after.quotaCores ?? source.cores();
      const usageCores = round((after.cpuMicros - before.cpuMicros) / 1000 / intervalMs);
      const periods = delta(before.periods, after.periods);
      const throttledPeriods = delta(before.throttled, after.throttled);
      const throttledRatio =
        periods === null || throttledPeriods === null || periods === 0
          ? null
          : round(throttledPeriods / periods);
      const usageRatio = round(usageCores / limitCores);
      const details = {
        source: after.version === undefined ? 'host' : `cgroup v${after.version}`,
        limitCores,
        usageCores,
        usageRatio,
        intervalMs: Math.round(intervalMs),
        periods,
        throttledPeriods,
        throttledRatio,
      };
      const gauges: Gauge[] = [
        {
          name: 'usageRatio',
          value: usageRatio,
          worse: 'above',
          warn: ['warnUsageRatio', warnUsageRatio],
          down: ['maxUsageRatio', maxUsageRatio],
        },
      ];
      if (throttledRatio !== null) {
        gauges.unshift({
          name: 'throttledRatio',
          value: throttledRatio,
          worse: 'above',
          warn: ['warnThrottledRatio', warnThrottledRatio],
          down: ['maxThrottledRatio', maxThrottledRatio],
        });
      }
      return { ...judge(gauges), details };
    },
  };
}

// A counter that went backwards (the group was recreated) has no meaningful delta.
function delta(before: number | undefined, after: number | undefined): number | null {
  if (before === undefined || after === undefined || after < before) return null;
  return after - before;
}
