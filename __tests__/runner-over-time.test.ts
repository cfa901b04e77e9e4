import { describe, expect, it } from 'vitest';
import {
  checks,
  createHealth,
  HealthOptionsError,
  type CheckResult,
  type HealthChangeEvent,
  type HealthCheckEvent,
} from '../lib/index.js';
import { deferred } from './helpers/deferred.js';
import { fakeTimers, settle } from './helpers/fake-timers.js';

const iso = (ms: number) => new Date(ms).toISOString();
const ok = (): boolean => true;

describe('background checks (intervalMs)', () => {
  it('run on their period without any caller, and callers never run them', async () => {
    const timers = fakeTimers();
    let runs = 0;
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        db: {
          intervalMs: 1000,
          check: () => {
            runs++;
          },
        },
      },
    });
    await timers.advance(0);
    expect(runs).toBe(1);
    for (let i = 0; i < 20; i++) await health.run();
    expect(runs).toBe(1);
    await timers.advance(1000);
    expect(runs).toBe(2);
    await timers.advance(5000);
    expect(runs).toBe(7);
    const component = (await health.run()).components.db;
    expect(component?.nextRunAt).toBe(iso(timers.now() + 1000));
    expect(component?.stale).toBe(false);
    health.close();
    expect(timers.pending).toBe(0);
    await timers.advance(10_000);
    expect(runs).toBe(7);
  });

  it('never overlap: the next run is scheduled only after the previous one settled', async () => {
    const timers = fakeTimers();
    const gates: ReturnType<typeof deferred<void>>[] = [];
    let running = 0;
    let maxRunning = 0;
    const health = createHealth({
      clock: timers.now,
      timers,
      timeoutMs: 60_000,
      checks: {
        slow: {
          intervalMs: 100,
          check: async () => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            const gate = deferred();
            gates.push(gate);
            await gate.promise;
            running--;
          },
        },
      },
    });
    await timers.advance(0);
    await timers.advance(1000);
    expect(gates).toHaveLength(1);
    gates[0]?.resolve();
    await settle();
    await timers.advance(100);
    expect(gates).toHaveLength(2);
    expect(maxRunning).toBe(1);
    health.close();
  });

  it('before the first result, callers share the first run; initialDelayMs delays the schedule', async () => {
    const timers = fakeTimers();
    let runs = 0;
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        db: {
          intervalMs: 1000,
          initialDelayMs: 5000,
          check: () => {
            runs++;
          },
        },
      },
    });
    await timers.advance(4000);
    expect(runs).toBe(0);
    const [a, b] = await Promise.all([health.run(), health.run()]);
    expect(runs).toBe(1);
    expect(a.components.db?.status).toBe('UP');
    expect(b).toEqual(a);
    // The caller's run restarted the schedule: next run 1000 ms after it, not at 5000.
    await timers.advance(999);
    expect(runs).toBe(1);
    await timers.advance(1);
    expect(runs).toBe(2);
    health.close();
  });

  it('mix with on-request checks in one runner', async () => {
    const timers = fakeTimers();
    const runs = { bg: 0, onRequest: 0 };
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        bg: {
          intervalMs: 1000,
          check: () => {
            runs.bg++;
          },
        },
        onRequest: {
          cacheTtlMs: 0,
          check: () => {
            runs.onRequest++;
          },
        },
      },
    });
    await timers.advance(0);
    await health.run();
    await health.run();
    expect(runs).toEqual({ bg: 1, onRequest: 2 });
    health.close();
  });

  it('stop at shutdown', async () => {
    const timers = fakeTimers();
    let runs = 0;
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        db: {
          intervalMs: 1000,
          check: () => {
            runs++;
          },
        },
      },
    });
    await timers.advance(0);
    health.markShuttingDown();
    expect(timers.pending).toBe(0);
    await timers.advance(5000);
    expect(runs).toBe(1);
  });
});

describe('stale-while-revalidate', () => {
  it('serves the last result at once within the window and refreshes it once in the background', async () => {
    const timers = fakeTimers();
    let runs = 0;
    let gate = deferred();
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        db: {
          cacheTtlMs: 1000,
          staleWhileRevalidateMs: 5000,
          check: async () => {
            runs++;
            if (runs > 1) await gate.promise;
          },
        },
      },
    });
    const first = await health.run();
    await timers.advance(1001);
    const [a, b] = [health.runCached(), health.runCached()];
    expect(a?.components.db?.stale).toBe(true);
    expect(a?.components.db?.checkedAt).toBe(first.components.db?.checkedAt);
    expect(b?.status).toBe('UP');
    await settle();
    expect(runs).toBe(2);
    gate.resolve();
    await settle();
    const refreshed = health.runCached();
    expect(refreshed?.components.db?.stale).toBe(false);
    expect(refreshed?.components.db?.checkedAt).toBe(iso(timers.now()));
    // Past TTL + window, callers wait for the run as without the option.
    gate = deferred();
    await timers.advance(6001);
    expect(health.runCached()).toBeUndefined();
    const pending = health.run();
    gate.resolve();
    expect((await pending).components.db?.stale).toBe(false);
    expect(runs).toBe(3);
  });
});

describe('thresholds', () => {
  it('failureThreshold holds UP until that many failed runs in a row, showing what is pending', async () => {
    const timers = fakeTimers();
    let ok = true;
    const changes: HealthChangeEvent[] = [];
    const runs: HealthCheckEvent[] = [];
    const health = createHealth({
      clock: timers.now,
      timers,
      cacheTtlMs: 0,
      checks: { db: { failureThreshold: 3, check: () => (ok ? undefined : false) } },
    });
    health.on('change', (event) => changes.push(event));
    health.on('check', (event) => runs.push(event));
    await health.run();
    ok = false;
    const second = (await health.run()).components.db;
    expect(second?.status).toBe('UP');
    expect(second?.consecutiveFailures).toBe(1);
    expect(second?.pending).toEqual({ status: 'DOWN', count: 1, threshold: 3 });
    expect((await health.run()).components.db?.status).toBe('UP');
    const third = (await health.run()).components.db;
    expect(third?.status).toBe('DOWN');
    expect(third?.pending).toBeUndefined();
    expect(runs.map((r) => r.component.status)).toEqual(['UP', 'DOWN', 'DOWN', 'DOWN']);
    expect(runs.map((r) => r.reported.status)).toEqual(['UP', 'UP', 'UP', 'DOWN']);
    expect(changes.filter((c) => c.name === 'db').map((c) => c.current)).toEqual(['UP', 'DOWN']);
  });

  it('successThreshold holds DOWN until that many successful runs in a row; a failure resets the count', async () => {
    let results: boolean[] = [false, true, false, true, true];
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { db: { successThreshold: 2, check: () => results.shift() ?? true } },
    });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await health.run()).components.db?.status);
    expect(statuses).toEqual(['DOWN', 'DOWN', 'DOWN', 'DOWN', 'UP']);
    results = [];
  });

  it('the first run is reported as it is', async () => {
    const health = createHealth({ checks: { db: { failureThreshold: 5, check: () => false } } });
    expect((await health.run()).components.db?.status).toBe('DOWN');
  });
});

describe('back-off', () => {
  it('waits exponentially longer after each failed run, serving the DOWN result meanwhile; one success resets it', async () => {
    const timers = fakeTimers();
    let up = false;
    const ranAt: number[] = [];
    const health = createHealth({
      clock: timers.now,
      timers,
      cacheTtlMs: 500,
      checks: {
        db: {
          backoff: { initialMs: 1000, maxMs: 8000, jitter: 0 },
          check: () => {
            ranAt.push(timers.now());
            return up;
          },
        },
      },
    });
    const start = timers.now();
    // A probe every 100 ms for 30 s.
    for (let t = 0; t <= 30_000; t += 100) {
      const report = await health.run();
      if (t === 0) expect(report.components.db?.nextRunAt).toBe(iso(start + 1000));
      await timers.advance(100);
    }
    const gaps = ranAt.slice(1).map((at, i) => at - (ranAt[i] as number));
    // A run happens at the first probe after each wait has passed (probes are 100 ms apart).
    expect(gaps.slice(0, 5)).toEqual([1100, 2100, 4100, 8100, 8100]);
    up = true;
    await timers.advance(8100);
    const recovered = (await health.run()).components.db;
    expect(recovered?.status).toBe('UP');
    expect(recovered?.nextRunAt).toBeUndefined();
    const before = ranAt.length;
    await timers.advance(501);
    await health.run();
    expect(ranAt.length).toBe(before + 1);
  });

  it('draws jitter from the injected random, never above maxMs', async () => {
    const timers = fakeTimers();
    const health = createHealth({
      clock: timers.now,
      timers,
      random: () => 0.5,
      checks: {
        db: { backoff: { initialMs: 1000, maxMs: 1000, jitter: 0.2 }, check: () => false },
      },
    });
    const component = (await health.run()).components.db;
    expect(component?.nextRunAt).toBe(iso(timers.now() + 900));
  });

  it('lengthens the period of a background check', async () => {
    const timers = fakeTimers();
    let runs = 0;
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        db: {
          intervalMs: 1000,
          backoff: { initialMs: 1000, maxMs: 4000, jitter: 0 },
          check: () => {
            runs++;
            return false;
          },
        },
      },
    });
    await timers.advance(0);
    await timers.advance(1000 + 2000 + 4000 + 4000);
    expect(runs).toBe(5);
    expect(timers.delays.slice(1, 5)).toEqual([1000, 2000, 4000, 4000]);
    health.close();
  });
});

describe('slow is degraded (degradedAfterMs)', () => {
  it('a successful run slower than degradedAfterMs is DEGRADED with the time in the message', async () => {
    const timers = fakeTimers();
    let delayMs = 412;
    const health = createHealth({
      clock: timers.now,
      cacheTtlMs: 0,
      checks: {
        api: {
          degradedAfterMs: 300,
          check: () => {
            // The injected clock times the run.
            void timers.advance(delayMs);
          },
        },
      },
    });
    const slow = (await health.run()).components.api;
    expect(slow?.status).toBe('DEGRADED');
    expect(slow?.message).toBe('slow: 412 ms (degraded after 300 ms)');
    delayMs = 10;
    expect((await health.run()).components.api?.status).toBe('UP');
  });
});

describe('state shown per component', () => {
  it('lastSuccessAt, lastFailureAt and consecutiveFailures follow the runs', async () => {
    const timers = fakeTimers();
    const results: (boolean | CheckResult)[] = [true, false, false];
    const health = createHealth({
      clock: timers.now,
      cacheTtlMs: 0,
      checks: { db: () => results.shift() ?? true },
    });
    const t0 = timers.now();
    await health.run();
    await timers.advance(1000);
    await health.run();
    await timers.advance(1000);
    const component = (await health.run()).components.db;
    expect(component).toMatchObject({
      status: 'DOWN',
      consecutiveFailures: 2,
      stale: false,
      lastSuccessAt: iso(t0),
      lastFailureAt: iso(t0 + 2000),
    });
  });
});

describe('checks registered at run time', () => {
  it('register() adds a check everywhere at once; the returned function removes it', async () => {
    let closed = 0;
    const health = createHealth({ checks: { db: () => true } });
    const events: string[] = [];
    health.on('register', ({ name }) => events.push(`+${name}`));
    health.on('unregister', ({ name }) => events.push(`-${name}`));
    const unregister = health.register('tenant', { check: () => false, close: () => closed++ });
    expect(health.checkNames).toEqual(['db', 'tenant']);
    const report = await health.run();
    expect(report.status).toBe('DOWN');
    expect(Object.keys(report.components)).toEqual(['db', 'tenant']);
    unregister();
    unregister();
    expect(closed).toBe(1);
    expect(health.checkNames).toEqual(['db']);
    const after = await health.run();
    expect(after.status).toBe('UP');
    expect(Object.keys(after.components)).toEqual(['db']);
    expect(events).toEqual(['+tenant', '-tenant']);
    expect(health.unregister('tenant')).toBe(false);
  });

  it('a registered background check starts its schedule, and unregistering clears its timer', async () => {
    const timers = fakeTimers();
    let runs = 0;
    const health = createHealth({ clock: timers.now, timers });
    health.register('bg', {
      intervalMs: 1000,
      check: () => {
        runs++;
      },
    });
    await timers.advance(2000);
    expect(runs).toBe(3);
    health.unregister('bg');
    expect(timers.pending).toBe(0);
  });

  it.each([
    ['a duplicate name', 'db', () => true, /exists already/],
    ['an invalid name', 'a b', () => true, /invalid check name/],
    ['an invalid definition', 'x', { check: () => true, timeoutMs: -1 }, /checks\.x\.timeoutMs/],
    ['a driver object', 'pool', { query: () => 1 }, /checks\.postgres\(pool\)/],
  ])('rejects %s', (_label, name, check, message) => {
    const health = createHealth({ checks: { db: () => true } });
    expect(() => health.register(name, check as never)).toThrow(HealthOptionsError);
    expect(() => health.register(name, check as never)).toThrow(message);
    expect(health.checkNames).toEqual(['db']);
  });

  it('a run in flight when its check is unregistered settles unseen', async () => {
    const gate = deferred();
    const health = createHealth({});
    health.register('slow', () => gate.promise);
    const pending = health.run();
    health.unregister('slow');
    const changes: HealthChangeEvent[] = [];
    health.on('change', (event) => changes.push(event));
    gate.resolve();
    await pending;
    expect(changes.filter((c) => c.name === 'slow')).toEqual([]);
    expect(Object.keys((await health.run()).components)).toEqual([]);
  });
});

describe('checks.heartbeat()', () => {
  it('is DOWN before the first beat, UP while beats come in time, DOWN when they stop or after fail()', async () => {
    const timers = fakeTimers();
    const consumer = checks.heartbeat({ maxIntervalMs: 30_000, clock: timers.now });
    const health = createHealth({ clock: timers.now, checks: { consumer } });
    const status = async () => (await health.run()).components.consumer;
    expect((await status())?.message).toBe('no heartbeat yet');
    consumer.beat();
    expect((await status())?.status).toBe('UP');
    await timers.advance(30_001);
    expect(await status()).toMatchObject({
      status: 'DOWN',
      message: 'no heartbeat for 30001 ms (max 30000 ms)',
    });
    consumer.beat();
    expect((await status())?.status).toBe('UP');
    consumer.fail('queue connection lost');
    expect(await status()).toMatchObject({ status: 'DOWN', message: 'queue connection lost' });
    consumer.beat();
    expect((await status())?.status).toBe('UP');
  });

  it('rejects a missing maxIntervalMs', () => {
    expect(() => checks.heartbeat({} as never)).toThrow(/checks\.heartbeat\(\): .*maxIntervalMs/);
  });
});

describe('options over time', () => {
  it.each([
    [{ checks: { db: { check: ok, successThreshold: 0 } } }, 'checks.db.successThreshold'],
    [{ checks: { db: { check: ok, failureThreshold: 1.5 } } }, 'checks.db.failureThreshold'],
    [
      { checks: { db: { check: ok, backoff: { initialMs: 5000, maxMs: 1000 } } } },
      'checks.db.backoff.maxMs',
    ],
    [{ backoff: { initialMs: 5000, maxMs: 1000 } }, 'backoff.maxMs'],
    [{ checks: { db: { check: ok, backoff: { initialMs: 10 } } } }, 'checks.db.backoff.maxMs'],
    [
      { checks: { db: { check: ok, intervalMs: 1000, staleWhileRevalidateMs: 100 } } },
      'checks.db.staleWhileRevalidateMs',
    ],
    [{ intervalMs: 1000, staleWhileRevalidateMs: 100 }, 'staleWhileRevalidateMs'],
    [{ checks: { db: { check: ok, initialDelayMs: 100 } } }, 'checks.db.initialDelayMs'],
    [
      { checks: { db: { check: ok, degradedAfterMs: 900, timeoutMs: 800 } } },
      'checks.db.degradedAfterMs',
    ],
    [{ checks: { db: { check: ok, intervalMs: 0 } } }, 'checks.db.intervalMs'],
    [{ timers: { setTimeout: () => 1 } }, 'timers'],
  ])('%j is rejected naming %s', (options, option) => {
    let error: unknown;
    try {
      createHealth(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HealthOptionsError);
    expect((error as HealthOptionsError).option).toBe(option);
    expect((error as Error).message).toContain(option.split('.').pop() ?? option);
  });

  it('runner-wide values are defaults that a check overrides', async () => {
    let ok = false;
    const health = createHealth({
      cacheTtlMs: 0,
      failureThreshold: 2,
      checks: { a: () => ok, b: { failureThreshold: 1, check: () => ok } },
    });
    ok = true;
    await health.run();
    ok = false;
    const report = await health.run();
    expect(report.components.a?.status).toBe('UP');
    expect(report.components.b?.status).toBe('DOWN');
  });
});
