import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  PROCESS_CGROUP,
  readCgroupCpu,
  readCgroupMemory,
  type CgroupSource,
} from '../lib/checks/cgroup.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/cgroup/', import.meta.url));

/** A fixture directory copying a real layout: `fs/` is the mount, `self-cgroup` the process' file. */
const layout = (name: string): CgroupSource => ({
  root: `${FIXTURES}${name}/fs`,
  selfCgroup: `${FIXTURES}${name}/self-cgroup`,
});

describe('readCgroupMemory on copies of real layouts', () => {
  it.each([
    [
      'v2, a Kubernetes container seen by its host path, limit set',
      'v2-limit',
      {
        version: 2,
        limitBytes: 536_870_912,
        usageBytes: 335_544_320,
        inactiveFileBytes: 67_108_864,
        oomKills: 2,
      },
    ],
    [
      'v2 in a cgroup namespace, memory.max "max"',
      'v2-max',
      {
        version: 2,
        limitBytes: undefined,
        usageBytes: 104_857_600,
        inactiveFileBytes: 20_971_520,
        oomKills: 0,
      },
    ],
    [
      'v2 with memory.max, memory.stat and memory.events missing',
      'v2-missing',
      {
        version: 2,
        limitBytes: undefined,
        usageBytes: 52_428_800,
        inactiveFileBytes: undefined,
        oomKills: undefined,
      },
    ],
    [
      'v1, Docker without a namespace (host path absent, group at the mount root)',
      'v1-limit',
      {
        version: 1,
        limitBytes: 1_073_741_824,
        usageBytes: 858_993_459,
        inactiveFileBytes: 134_217_728,
        oomKills: 3,
      },
    ],
    [
      'v1 unlimited (the page-counter maximum), nested group path',
      'v1-max',
      {
        version: 1,
        limitBytes: undefined,
        usageBytes: 2_511_523_840,
        inactiveFileBytes: 53_809_152,
        oomKills: 0,
      },
    ],
  ])('%s', async (_name, dir, expected) => {
    expect(await readCgroupMemory(layout(dir))).toEqual(expected);
  });

  it('is undefined without any cgroup file system', async () => {
    const none = { root: `${FIXTURES}none`, selfCgroup: `${FIXTURES}none/self-cgroup` };
    expect(await readCgroupMemory(none)).toBeUndefined();
    expect(await readCgroupCpu(none)).toBeUndefined();
  });
});

describe('readCgroupCpu on copies of real layouts', () => {
  it.each([
    [
      'v2, cpu.max "50000 100000"',
      'v2-limit',
      { version: 2, quotaCores: 0.5, periods: 1000, throttled: 250 },
    ],
    [
      'v2, cpu.max "max 100000"',
      'v2-max',
      { version: 2, quotaCores: undefined, periods: 0, throttled: 0 },
    ],
    [
      'v2 without cpu.stat',
      'v2-missing',
      { version: 2, quotaCores: 2, periods: undefined, throttled: undefined },
    ],
    [
      'v1, cpu,cpuacct co-mounted, quota 150000/100000',
      'v1-limit',
      { version: 1, quotaCores: 1.5, periods: 400, throttled: 40 },
    ],
    [
      'v1, cfs_quota_us -1',
      'v1-max',
      { version: 1, quotaCores: undefined, periods: 0, throttled: 0 },
    ],
  ])('%s', async (_name, dir, expected) => {
    expect(await readCgroupCpu(layout(dir))).toEqual(expected);
  });
});

describe('the cgroup readers on this machine', () => {
  // The group's directory as cgroups(7) places it: the mount, plus the path in
  // /proc/self/cgroup when that exists under it.
  function groupDir(controller: string, probe: string): string | undefined {
    const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
    for (const line of lines) {
      const [, controllers = '', path = '/'] = line.split(':');
      const match =
        controller === '' ? controllers === '' : controllers.split(',').includes(controller);
      if (!match) continue;
      const mount = controller === '' ? '/sys/fs/cgroup' : `/sys/fs/cgroup/${controllers}`;
      return [`${mount}${path}`, mount].find((dir) => existsSync(`${dir}/${probe}`));
    }
    return undefined;
  }

  it.skipIf(!existsSync('/proc/self/cgroup'))(
    'read the limits the kernel shows this process',
    async () => {
      const memory = await readCgroupMemory(PROCESS_CGROUP);
      const v2 = groupDir('', 'memory.current');
      const v1 = groupDir('memory', 'memory.usage_in_bytes');
      expect(memory?.version).toBe(v2 === undefined ? 1 : 2);
      if (v2 !== undefined) {
        const max = readFileSync(`${v2}/memory.max`, 'utf8').trim();
        expect(memory?.limitBytes).toBe(max === 'max' ? undefined : Number(max));
      } else {
        const limit = Number(readFileSync(`${v1 ?? ''}/memory.limit_in_bytes`, 'utf8'));
        expect(memory?.limitBytes).toBe(limit >= 2 ** 62 ? undefined : limit);
      }
      expect(memory?.usageBytes).toBeGreaterThan(process.memoryUsage.rss() / 2);

      const cpu = await readCgroupCpu(PROCESS_CGROUP);
      const cpuV2 = groupDir('', 'cpu.max');
      const cpuV1 = groupDir('cpu', 'cpu.cfs_quota_us');
      if (cpuV2 === undefined && cpuV1 === undefined) {
        expect(cpu).toBeUndefined();
        return;
      }
      const quota =
        cpuV2 === undefined
          ? Number(readFileSync(`${cpuV1 ?? ''}/cpu.cfs_quota_us`, 'utf8'))
          : readFileSync(`${cpuV2}/cpu.max`, 'utf8').split(' ')[0];
      expect(cpu?.quotaCores === undefined).toBe(quota === 'max' || quota === -1);
      if (cpu?.periods !== undefined) expect(cpu.throttled).toBeLessThanOrEqual(cpu.periods);
    },
  );
});
