import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checks, createHealth } from '../lib/index.js';

const run = promisify(execFile);

async function component(definition: ReturnType<typeof checks.memory>) {
  const health = createHealth({ checks: { subject: definition } });
  try {
    return (await health.run()).components.subject;
  } finally {
    health.close();
  }
}

describe('checks.diskSpace', () => {
  it('reports the file system as statfs sees it', async () => {
    const stats = await statfs('/');
    const result = await component(checks.diskSpace({ path: '/', minFreeRatio: 0.0001 }));
    expect(result?.status).toBe('UP');
    const details = result?.details as {
      freeBytes: number;
      totalBytes: number;
      freeRatio: number;
      path: string;
    };
    expect(details.path).toBe('/');
    expect(details.totalBytes).toBe(stats.blocks * stats.bsize);
    expect(details.freeBytes).toBeGreaterThan(0);
    expect(details.freeBytes).toBeLessThanOrEqual(details.totalBytes);
    expect(details.freeRatio).toBeCloseTo(details.freeBytes / details.totalBytes, 3);
  });

  it('is DOWN below minFreeBytes, with the measurement in the message', async () => {
    const result = await component(
      checks.diskSpace({ path: '/', minFreeBytes: Number.MAX_SAFE_INTEGER }),
    );
    expect(result?.status).toBe('DOWN');
    expect(result?.message).toMatch(
      /^freeBytes \d+ bytes is below minFreeBytes 9007199254740991 bytes by \d+ bytes$/,
    );
  });

  it('is DOWN for a path that does not exist', async () => {
    const result = await component(checks.diskSpace({ path: '/no/such/dir', minFreeRatio: 0.1 }));
    expect(result?.status).toBe('DOWN');
    expect(result?.message).toMatch(/ENOENT/);
  });

  it('passes its tuning on to the runner', async () => {
    const result = await component(
      checks.diskSpace({ path: '/', minFreeBytes: Number.MAX_SAFE_INTEGER, critical: false }),
    );
    expect(result?.critical).toBe(false);
  });
});

describe('checks.memory', () => {
  it('reports heap and RSS in bytes', async () => {
    const result = await component(checks.memory({ maxHeapRatio: 1 }));
    expect(result?.status).toBe('UP');
    const details = result?.details as Record<string, number>;
    expect(details.heapUsedBytes).toBeGreaterThan(0);
    expect(details.heapLimitBytes).toBeGreaterThan(details.heapUsedBytes ?? 0);
    expect(details.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(details.heapRatio).toBeGreaterThan(0);
  });

  it('is DOWN above maxRssBytes', async () => {
    const result = await component(checks.memory({ maxRssBytes: 1024 }));
    expect(result?.status).toBe('DOWN');
    expect(result?.message).toMatch(
      /^rssBytes \d+ bytes is above maxRssBytes 1024 bytes by \d+ bytes$/,
    );
  });
});

describe('checks.eventLoopDelay', () => {
  it('is DOWN after the loop was blocked, UP again in a quiet window', async () => {
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { loop: checks.eventLoopDelay({ maxP99Ms: 100, resolutionMs: 10 }) },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // Block the event loop for real, as a CPU-bound handler would.
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const blocked = (await health.run()).components.loop;
      expect(blocked?.status).toBe('DOWN');
      expect((blocked?.details as { maxMs: number }).maxMs).toBeGreaterThan(250);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const quiet = (await health.run()).components.loop;
      expect(quiet?.status).toBe('UP');
      expect((quiet?.details as { p99Ms: number }).p99Ms).toBeLessThan(100);
    } finally {
      health.close();
    }
  });

  it('never keeps the process alive, with or without close()', async () => {
    const script = `
      import { checks, createHealth } from 'health-probes';
      const health = createHealth({ checks: { loop: checks.eventLoopDelay({ maxP99Ms: 50 }) } });
      const report = await health.run();
      console.log(report.components.loop.status);
      if (process.argv[1] === 'close') health.close();
    `;
    for (const mode of ['close', 'no-close']) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, mode], {
        cwd: process.cwd(),
        timeout: 10_000,
      });
      expect(stdout.trim()).toBe('UP');
    }
  });
});
