import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerMemory, type MemorySource } from '../lib/checks/container-memory.js';
import { cpu, type CpuSource } from '../lib/checks/cpu.js';
import { fileDescriptors } from '../lib/checks/file-descriptors.js';
import { checks, createHealth, HealthOptionsError, type CheckDefinition } from '../lib/index.js';
import { runCheck } from './helpers/run-check.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/cgroup/', import.meta.url));
const GiB = 1024 ** 3;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'health-probes-resources-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const memorySource = (layout: string, available = 6 * GiB): MemorySource => ({
  root: `${FIXTURES}${layout}/fs`,
  selfCgroup: `${FIXTURES}${layout}/self-cgroup`,
  totalBytes: () => 8 * GiB,
  availableBytes: () => available,
});

describe('checks.containerMemory', () => {
  // v2-limit: working set 335544320 - 67108864 = 268435456 bytes of a 536870912 limit: 0.5.
  it.each([
    ['below both levels', { warnUsageRatio: 0.6, maxUsageRatio: 0.9 }, 'UP', undefined],
    [
      'past the DEGRADED level',
      { warnUsageRatio: 0.4, maxUsageRatio: 0.9 },
      'DEGRADED',
      'usageRatio 0.5 is above warnUsageRatio 0.4 by 0.1',
    ],
    [
      'past the DOWN level',
      { warnUsageRatio: 0.3, maxUsageRatio: 0.45 },
      'DOWN',
      'usageRatio 0.5 is above maxUsageRatio 0.45 by 0.05',
    ],
    [
      'exactly at the DEGRADED level (strictly past it counts)',
      { warnUsageRatio: 0.5 },
      'UP',
      undefined,
    ],
  ])('%s', async (_name, levels, status, message) => {
    const result = await runCheck(containerMemory(levels, memorySource('v2-limit')));
    expect([result.status, result.message]).toEqual([status, message]);
    expect(result.details).toEqual({
      source: 'cgroup v2',
      limitBytes: 536_870_912,
      usageBytes: 335_544_320,
      workingSetBytes: 268_435_456,
      usageRatio: 0.5,
      oomKills: 2,
    });
  });

  it('falls back to v1, then to the host total when the group has no limit', async () => {
    const v1 = await runCheck(containerMemory({ maxUsageRatio: 0.9 }, memorySource('v1-limit')));
    expect(v1.details).toMatchObject({ source: 'cgroup v1', limitBytes: GiB, oomKills: 3 });
    const unlimited = await runCheck(
      containerMemory({ maxUsageRatio: 0.9 }, memorySource('v2-max')),
    );
    expect(unlimited.details).toMatchObject({
      source: 'host',
      limitBytes: 8 * GiB,
      workingSetBytes: 104_857_600 - 20_971_520,
    });
    const none = await runCheck(
      containerMemory(
        { warnUsageRatio: 0.2 },
        { ...memorySource('none', 6 * GiB), selfCgroup: '/nonexistent' },
      ),
    );
    expect(none).toMatchObject({
      status: 'DEGRADED',
      message: 'usageRatio 0.25 is above warnUsageRatio 0.2 by 0.05',
      details: { source: 'host', usageBytes: 2 * GiB, oomKills: null },
    });
  });

  it('reads this machine', async () => {
    const result = await runCheck(checks.containerMemory({ maxUsageRatio: 1 }));
    expect(result.status).toBe('UP');
    expect(result.details?.usageRatio).toBeGreaterThan(0);
    expect(result.details?.limitBytes).toBeGreaterThan(result.details?.workingSetBytes as number);
  });
});

describe('checks.cpu', () => {
  /** A copy of the v2-limit layout (quota 0.5 cores) whose cpu.stat the test rewrites. */
  async function rig() {
    const root = await mkdtemp(join(scratch, 'cpu-'));
    await cp(`${FIXTURES}v2-limit`, root, { recursive: true });
    const group = `${root}/fs/kubepods.slice/kubepods-burstable.slice/cri-containerd-0a1b2c.scope`;
    const clock = { nowMs: 0, cpuMicros: 0 };
    const source: CpuSource = {
      root: `${root}/fs`,
      selfCgroup: `${root}/self-cgroup`,
      cpuUsage: () => ({ user: clock.cpuMicros, system: 0 }),
      now: () => clock.nowMs,
      cores: () => 2,
    };
    const stat = (periods: number, throttled: number) =>
      writeFile(
        `${group}/cpu.stat`,
        `usage_usec 1\nnr_periods ${periods}\nnr_throttled ${throttled}\n`,
      );
    return { clock, source, stat };
  }

  // Over one second: 100 periods, `throttled` of them throttled, `cpuMs` of CPU time used.
  it.each([
    ['below both levels', 5, 200, 'UP', undefined],
    [
      'throttled past the DEGRADED level',
      20,
      200,
      'DEGRADED',
      'throttledRatio 0.2 is above warnThrottledRatio 0.1 by 0.1',
    ],
    [
      'throttled past the DOWN level',
      60,
      200,
      'DOWN',
      'throttledRatio 0.6 is above maxThrottledRatio 0.5 by 0.1',
    ],
    [
      'usage past the DEGRADED level',
      0,
      400,
      'DEGRADED',
      'usageRatio 0.8 is above warnUsageRatio 0.7 by 0.1',
    ],
    [
      'usage past the DOWN level',
      0,
      475,
      'DOWN',
      'usageRatio 0.95 is above maxUsageRatio 0.9 by 0.05',
    ],
  ])('%s', async (_name, throttled, cpuMs, status, message) => {
    const { clock, source, stat } = await rig();
    const definition = cpu(
      { warnThrottledRatio: 0.1, maxThrottledRatio: 0.5, warnUsageRatio: 0.7, maxUsageRatio: 0.9 },
      source,
    );
    const health = createHealth({ cacheTtlMs: 0, checks: { cpu: definition } });
    try {
      const first = (await health.run()).components.cpu;
      expect(first?.details).toMatchObject({ periods: 0, throttledRatio: null, limitCores: 0.5 });
      await stat(1100, 250 + throttled);
      clock.nowMs += 1000;
      clock.cpuMicros += cpuMs * 1000;
      const result = (await health.run()).components.cpu;
      expect([result?.status, result?.message]).toEqual([status, message]);
      expect(result?.details).toEqual({
        source: 'cgroup v2',
        limitCores: 0.5,
        usageCores: cpuMs / 1000,
        usageRatio: cpuMs / 500,
        intervalMs: 1000,
        periods: 100,
        throttledPeriods: throttled,
        throttledRatio: throttled / 100,
      });
    } finally {
      health.close();
    }
  });

  it('measures this process against the core count on this machine', async () => {
    const definition = checks.cpu({ maxUsageRatio: 1 });
    const until = performance.now() + 50;
    while (performance.now() < until) {
      // Spend CPU for real, bounded to 50 ms.
    }
    const result = await runCheck(definition);
    expect(result.status).toBe('UP');
    expect(result.details?.usageCores).toBeGreaterThan(0);
    expect(result.details?.limitCores).toBeGreaterThan(0);
  });
});

describe('checks.fileDescriptors', () => {
  async function procSelf(entries: number, limits: string) {
    const dir = await mkdtemp(join(scratch, 'proc-'));
    await mkdir(`${dir}/fd`);
    // One more entry than counted: the real listing sees its own descriptor.
    await Promise.all(
      Array.from({ length: entries + 1 }, (_, i) => writeFile(`${dir}/fd/${i}`, '')),
    );
    await writeFile(`${dir}/limits`, limits);
    return dir;
  }
  const limits = (soft: string) =>
    [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             63432                63432                processes ',
      `Max open files            ${soft.padEnd(20)} 1048576              files     `,
      'Max locked memory         8388608              8388608              bytes     ',
      '',
    ].join('\n');

  it.each([
    ['below both levels', 50, 'UP', undefined],
    [
      'past the DEGRADED level',
      85,
      'DEGRADED',
      'usageRatio 0.85 is above warnUsageRatio 0.8 by 0.05',
    ],
    ['past the DOWN level', 97, 'DOWN', 'usageRatio 0.97 is above maxUsageRatio 0.95 by 0.02'],
  ])('%s', async (_name, open, status, message) => {
    const dir = await procSelf(open, limits('100'));
    const result = await runCheck(
      fileDescriptors({ warnUsageRatio: 0.8, maxUsageRatio: 0.95 }, dir),
    );
    expect([result.status, result.message]).toEqual([status, message]);
    expect(result.details).toEqual({
      openDescriptors: open,
      softLimit: 100,
      usageRatio: open / 100,
    });
  });

  it('is UP with softLimit null when the soft limit is unlimited', async () => {
    const dir = await procSelf(3, limits('unlimited'));
    const result = await runCheck(fileDescriptors({ maxUsageRatio: 0.9 }, dir));
    expect(result).toMatchObject({ status: 'UP', details: { softLimit: null, usageRatio: 0 } });
  });

  it('is UP saying it cannot measure where there is no /proc', async () => {
    const result = await runCheck(
      fileDescriptors({ maxUsageRatio: 0.9 }, '/nonexistent/proc/self'),
    );
    expect(result).toEqual(
      expect.objectContaining({
        status: 'UP',
        message: 'cannot measure file descriptors here (ENOENT)',
      }),
    );
    expect(result.details).toBeUndefined();
  });

  it('counts 100 more sockets after opening 100 connections, and fewer after closing them', async () => {
    const definition = checks.fileDescriptors({ maxUsageRatio: 1 });
    const count = async () => (await runCheck(definition)).details?.openDescriptors as number;
    const server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const sockets: Socket[] = [];
    try {
      const before = await count();
      for (let i = 0; i < 100; i++) {
        const socket = connect(port, '127.0.0.1');
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
      }
      const after = await count();
      // Each connection holds two descriptors here: the client's and the accepted one.
      expect(after - before).toBeGreaterThanOrEqual(100);
      expect(after - before).toBeLessThanOrEqual(220);
      for (const socket of sockets.splice(0)) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      expect(await count()).toBeLessThan(after - 90);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});

describe('warning levels on the process checks', () => {
  const rss = process.memoryUsage.rss();
  const cases: [string, () => CheckDefinition, string, RegExp | undefined][] = [
    [
      'memory below both',
      () => checks.memory({ warnRssBytes: rss * 4, maxRssBytes: rss * 8 }),
      'UP',
      undefined,
    ],
    [
      'memory past warnRssBytes',
      () => checks.memory({ warnRssBytes: 1024, maxRssBytes: rss * 8 }),
      'DEGRADED',
      /^rssBytes \d+ bytes is above warnRssBytes 1024 bytes by \d+ bytes$/,
    ],
    [
      'memory past maxRssBytes',
      () => checks.memory({ warnRssBytes: 1024, maxRssBytes: 2048 }),
      'DOWN',
      /^rssBytes \d+ bytes is above maxRssBytes 2048 bytes by \d+ bytes$/,
    ],
    [
      'memory past warnHeapRatio',
      () => checks.memory({ warnHeapRatio: 0.0001, maxHeapRatio: 1 }),
      'DEGRADED',
      /^heapRatio [\d.]+ is above warnHeapRatio 0.0001 by [\d.]+$/,
    ],
    [
      'disk below both',
      () => checks.diskSpace({ path: '/', warnFreeBytes: 2, minFreeBytes: 1 }),
      'UP',
      undefined,
    ],
    [
      'disk past warnFreeRatio',
      () => checks.diskSpace({ path: '/', warnFreeRatio: 0.9999, minFreeBytes: 1 }),
      'DEGRADED',
      /^freeRatio [\d.]+ is below warnFreeRatio 0.9999 by [\d.]+$/,
    ],
    [
      'disk past minFreeBytes',
      () =>
        checks.diskSpace({
          path: '/',
          warnFreeBytes: Number.MAX_SAFE_INTEGER,
          minFreeBytes: Number.MAX_SAFE_INTEGER - 1,
        }),
      'DOWN',
      /^freeBytes \d+ bytes is below minFreeBytes 9007199254740990 bytes by \d+ bytes$/,
    ],
  ];

  it.each(cases)('%s', async (_name, build, status, message) => {
    const result = await runCheck(build());
    expect(result.status).toBe(status);
    if (message === undefined) expect(result.message).toBeUndefined();
    else expect(result.message).toMatch(message);
  });

  it('eventLoopDelay: DEGRADED past warnP99Ms, below maxP99Ms', async () => {
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { loop: checks.eventLoopDelay({ warnP99Ms: 50, maxP99Ms: 5000, resolutionMs: 10 }) },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // Block the event loop for real, bounded to 150 ms.
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const blocked = (await health.run()).components.loop;
      expect(blocked?.status).toBe('DEGRADED');
      expect(blocked?.message).toMatch(/^p99Ms [\d.]+ ms is above warnP99Ms 50 ms by [\d.]+ ms$/);
    } finally {
      health.close();
    }
  });

  it.each<[string, () => unknown, string, RegExp]>([
    [
      'a warn level past its max level',
      () => checks.memory({ warnHeapRatio: 0.9, maxHeapRatio: 0.8 }),
      'warnHeapRatio',
      /must be below `maxHeapRatio` \(0.8\)/,
    ],
    [
      'a warn level equal to its min level',
      () => checks.diskSpace({ path: '/', warnFreeRatio: 0.1, minFreeRatio: 0.1 }),
      'warnFreeRatio',
      /must be above `minFreeRatio`/,
    ],
    ['no level at all', () => checks.cpu({}), '', /set at least one of `warnThrottledRatio`/],
    [
      'a usage ratio above 1',
      () => checks.fileDescriptors({ maxUsageRatio: 2 }),
      'maxUsageRatio',
      /<=1/,
    ],
    [
      'containerMemory with a typo',
      () => checks.containerMemory({ maxUsage: 0.9 } as never),
      'maxUsage',
      /Did you mean `maxUsageRatio`/,
    ],
  ])('rejects %s', (_name, build, option, message) => {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HealthOptionsError);
    expect((thrown as HealthOptionsError).option).toBe(option);
    expect((thrown as HealthOptionsError).message).toMatch(message);
  });
});
