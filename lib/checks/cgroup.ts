import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where to read the control groups from: the cgroup file system's mount point and the
 * process' own `/proc/self/cgroup`. Tests point both at fixture copies of real layouts.
 */
export interface CgroupSource {
  /** Defaults to `'/sys/fs/cgroup'`. */
  readonly root: string;
  /** Defaults to `'/proc/self/cgroup'`. */
  readonly selfCgroup: string;
}

/** The default {@link CgroupSource}: this process' own control groups. */
export const PROCESS_CGROUP: CgroupSource = Object.freeze({
  root: '/sys/fs/cgroup',
  selfCgroup: '/proc/self/cgroup',
});

/** The container's memory, as its cgroup accounts it; `undefined` fields were not readable. */
export interface CgroupMemory {
  readonly version: 1 | 2;
  /** `undefined` when there is no limit (`max`, or the v1 "unlimited" page-counter maximum). */
  readonly limitBytes: number | undefined;
  readonly usageBytes: number;
  /** Page cache the kernel reclaims before an OOM kill (`inactive_file` in `memory.stat`). */
  readonly inactiveFileBytes: number | undefined;
  readonly oomKills: number | undefined;
}

/** The container's CPU quota and throttling counters; `undefined` fields were not readable. */
export interface CgroupCpu {
  readonly version: 1 | 2;
  /** The quota in cores (quota / period); `undefined` when unlimited. */
  readonly quotaCores: number | undefined;
  /** Enforcement periods so far (`nr_periods` in `cpu.stat`). */
  readonly periods: number | undefined;
  /** Periods in which the group was throttled (`nr_throttled`). */
  readonly throttled: number | undefined;
}

// cgroup v1 reports "no limit" as the page counter's maximum rounded to pages (2^63 - 4096).
const V1_UNLIMITED = 2 ** 62;

async function text(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  return Number(value);
}

/** The value of `key` in a flat-keyed file (`memory.stat`, `cpu.stat`, `memory.events`). */
function keyed(content: string | undefined, key: string): number | undefined {
  for (const line of content?.split('\n') ?? []) {
    const [name, value] = line.trim().split(/\s+/);
    if (name === key) return integer(value);
  }
  return undefined;
}

/**
 * The directory of the process' group for `controller` (`''` for the v2 unified
 * hierarchy), trying the path named in `/proc/self/cgroup` under the mount, then the mount
 * itself (a container that sees its own group as the root, with or without a cgroup
 * namespace). The first candidate holding `probe` wins.
 */
async function groupDir(
  source: CgroupSource,
  controller: string,
  probe: string,
): Promise<string | undefined> {
  const lines = (await text(source.selfCgroup))?.split('\n') ?? [];
  for (const line of lines) {
    // `hierarchy-ID:controller-list:cgroup-path`, as cgroups(7) describes it.
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1) || '/';
    const names = controllers.split(',');
    if (controller === '' ? controllers !== '' : !names.includes(controller)) continue;
    const mounts = controller === '' ? [source.root] : [join(source.root, controllers)];
    if (controller !== '' && controllers !== controller) mounts.push(join(source.root, controller));
    for (const mount of mounts) {
      for (const dir of [join(mount, path), mount]) {
        if ((await text(join(dir, probe))) !== undefined) return dir;
      }
    }
  }
  return undefined;
}

/** Reads the memory controller of the process' cgroup: v2 first, then v1; `undefined` if neither. */
export async function readCgroupMemory(source: CgroupSource): Promise<CgroupMemory | undefined> {
  const v2 = await groupDir(source, '', 'memory.current');
  if (v2 !== undefined) {
    const max = await text(join(v2, 'memory.max'));
    return {
      version: 2,
      limitBytes: max === 'max' ? undefined : integer(max),
      usageBytes: integer(await text(join(v2, 'memory.current'))) ?? 0,
      inactiveFileBytes: keyed(await text(join(v2, 'memory.stat')), 'inactive_file'),
      oomKills: keyed(await text(join(v2, 'memory.events')), 'oom_kill'),
    };
  }
  const v1 = await groupDir(source, 'memory', 'memory.usage_in_bytes');
  if (v1 === undefined) return undefined;
  const limit = integer(await text(join(v1, 'memory.limit_in_bytes')));
  const stat = await text(join(v1, 'memory.stat'));
  return {
    version: 1,
    limitBytes: limit === undefined || limit >= V1_UNLIMITED ? undefined : limit,
    usageBytes: integer(await text(join(v1, 'memory.usage_in_bytes'))) ?? 0,
    inactiveFileBytes: keyed(stat, 'total_inactive_file') ?? keyed(stat, 'inactive_file'),
    oomKills: keyed(await text(join(v1, 'memory.oom_control')), 'oom_kill'),
  };
}

/** Reads the CPU controller of the process' cgroup: v2 first, then v1; `undefined` if neither. */
export async function readCgroupCpu(source: CgroupSource): Promise<CgroupCpu | undefined> {
  const v2 = await groupDir(source, '', 'cpu.max');
  if (v2 !== undefined) {
    const [quota, period] = (await text(join(v2, 'cpu.max')))?.split(/\s+/) ?? [];
    const stat = await text(join(v2, 'cpu.stat'));
    return {
      version: 2,
      quotaCores: cores(integer(quota), integer(period)),
      periods: keyed(stat, 'nr_periods'),
      throttled: keyed(stat, 'nr_throttled'),
    };
  }
  const v1 = await groupDir(source, 'cpu', 'cpu.cfs_quota_us');
  if (v1 === undefined) return undefined;
  const stat = await text(join(v1, 'cpu.stat'));
  return {
    version: 1,
    quotaCores: cores(
      integer(await text(join(v1, 'cpu.cfs_quota_us'))),
      integer(await text(join(v1, 'cpu.cfs_period_us'))),
    ),
    periods: keyed(stat, 'nr_periods'),
    throttled: keyed(stat, 'nr_throttled'),
  };
}

function cores(quota: number | undefined, period: number | undefined): number | undefined {
  if (quota === undefined || period === undefined || quota <= 0 || period <= 0) return undefined;
  return Math.round((quota / period) * 1e4) / 1e4;
}
