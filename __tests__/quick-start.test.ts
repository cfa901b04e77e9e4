// Why the quick start uses `checks.redis` and not a hand-written `() => redis.ping()`:
// with Redis down, the hand-written check waits out its timeout on every run and leaves
// one more PING in ioredis's offline queue; the built-in one answers at once and queues
// nothing. Needs no Redis: the client points at a port where nothing listens.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { checks, createHealth, type Health } from '../lib/index.js';
import { closedPort } from './helpers/poll.js';

/** The commands ioredis holds until it reconnects (a private field, read for the test). */
const queued = (client: Redis) =>
  (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length;

describe('a Redis check while Redis is down', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function downClient(): Promise<Redis> {
    // Retrying every second, as ioredis does by default after its first attempts.
    const client = new Redis({
      host: '127.0.0.1',
      port: await closedPort(),
      retryStrategy: () => 1000,
    });
    client.on('error', () => undefined);
    cleanups.push(() => client.disconnect());
    return client;
  }

  function runner(check: Parameters<typeof createHealth>[0]): Health {
    const health = createHealth(check);
    cleanups.push(() => health.close());
    return health;
  }

  it('written by hand, waits the whole timeout on every run and queues one PING per run', async () => {
    const redis = await downClient();
    const health = runner({ cacheTtlMs: 0, timeoutMs: 150, checks: { cache: () => redis.ping() } });
    for (let run = 1; run <= 3; run++) {
      const started = performance.now();
      const report = await health.run();
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      expect(report.components.cache).toMatchObject({
        status: 'DOWN',
        message: 'timed out after 150 ms',
      });
      expect(queued(redis)).toBe(run);
    }
  });

  it('checks.redis answers DOWN at once, every run, and queues nothing', async () => {
    const redis = await downClient();
    const health = runner({
      cacheTtlMs: 0,
      timeoutMs: 150,
      checks: { cache: checks.redis(redis) },
    });
    for (let run = 1; run <= 3; run++) {
      const started = performance.now();
      const report = await health.run();
      expect(performance.now() - started).toBeLessThan(50);
      expect(report.components.cache?.status).toBe('DOWN');
      expect(report.components.cache?.message).toMatch(/^client not ready/);
      expect(queued(redis)).toBe(0);
    }
  });
});
