import { describe, expect, it } from 'vitest';
import { CheckTimeoutError, createHealth, type HealthChangeEvent } from '../lib/index.js';
import { fakeClock } from './helpers/clock.js';
import { deferred } from './helpers/deferred.js';
import { captureWarnings } from './helpers/warnings.js';

describe('check results', () => {
  it.each([
    ['undefined', undefined, 'UP'],
    ['true', true, 'UP'],
    ["Redis' PONG", 'PONG', 'UP'],
    ['null', null, 'UP'],
    ['false', false, 'DOWN'],
    ['a DEGRADED result', { status: 'DEGRADED', message: 'slow' }, 'DEGRADED'],
    ["a driver's query result", { rows: [], rowCount: 1, command: 'SELECT' }, 'UP'],
    ['an array of rows (mysql2)', [[{ 1: 1 }], []], 'UP'],
    ['an object with a numeric status', { status: 200 }, 'UP'],
  ] as const)('%s counts as %s', async (_label, value, status) => {
    const health = createHealth({ checks: { dep: () => value as never } });
    const report = await health.run();
    expect(report.components.dep?.status).toBe(status);
  });

  it.each([
    ['a lowercase status', { status: 'up' }, /status: Invalid option/],
    ['a typo in a key', { status: 'UP', detail: {} }, /Unrecognized key: "detail"/],
    ['unserialisable details', { status: 'UP', details: { big: 1n } }, /not JSON-serialisable/],
  ])('%s is DOWN with a message saying what is wrong', async (_label, value, message) => {
    const health = createHealth({ checks: { dep: () => value as never } });
    const component = (await health.run()).components.dep;
    expect(component?.status).toBe('DOWN');
    expect(component?.message).toMatch(message);
  });

  it('reports critical, duration, checkedAt and details', async () => {
    const clock = fakeClock();
    const health = createHealth({
      clock: clock.now,
      checks: {
        dep: { check: () => ({ status: 'UP', details: { latencyMs: 3 } }), critical: false },
      },
    });
    const component = (await health.run()).components.dep;
    expect(component).toEqual({
      status: 'UP',
      critical: false,
      durationMs: expect.any(Number) as number,
      checkedAt: new Date(clock.now()).toISOString(),
      details: { latencyMs: 3 },
      consecutiveFailures: 0,
      stale: false,
      lastSuccessAt: new Date(clock.now()).toISOString(),
      flapping: false,
    });
  });
});

describe('errors', () => {
  it('a synchronous throw is DOWN with the message and no stack', async () => {
    const health = createHealth({
      checks: {
        dep: () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        },
      },
    });
    const component = (await health.run()).components.dep;
    expect(component?.status).toBe('DOWN');
    expect(component?.message).toBe('connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('drops stack frames embedded in a message and masks URL passwords', async () => {
    const health = createHealth({
      checks: {
        dep: () =>
          Promise.reject(
            new Error('failed postgres://app:s3cret@db:5432/x\n    at Client.connect (pg.js:1:1)'),
          ),
      },
    });
    const message = (await health.run()).components.dep?.message ?? '';
    expect(message).toBe('failed postgres://app:***@db:5432/x');
  });

  it('caps long messages at maxMessageLength', async () => {
    const health = createHealth({
      maxMessageLength: 50,
      checks: { dep: () => Promise.reject(new Error('x'.repeat(500))) },
    });
    const message = (await health.run()).components.dep?.message ?? '';
    expect(message).toHaveLength(50);
    expect(message.endsWith('…')).toBe(true);
  });

  it('withholds error messages when exposeErrors is false', async () => {
    const health = createHealth({
      exposeErrors: false,
      checks: { dep: () => Promise.reject(new Error('tenant hunter2 is over quota')) },
    });
    const component = (await health.run()).components.dep;
    expect(component?.status).toBe('DOWN');
    expect(JSON.stringify(component)).not.toContain('hunter2');
  });

  it('names an error that has no message', async () => {
    const error = Object.assign(new Error(''), { code: 'ECONNRESET' });
    const health = createHealth({ checks: { dep: () => Promise.reject(error) } });
    expect((await health.run()).components.dep?.message).toBe('Error ECONNRESET');
  });
});

describe('timeouts', () => {
  it('a check that never settles is DOWN at its timeout and its signal is aborted', async () => {
    let signal: AbortSignal | undefined;
    const health = createHealth({
      checks: {
        hang: {
          timeoutMs: 50,
          check: (context) => {
            signal = context.signal;
            return new Promise(() => undefined);
          },
        },
      },
    });
    const component = (await health.run()).components.hang;
    expect(component).toMatchObject({ status: 'DOWN', message: 'timed out after 50 ms' });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(CheckTimeoutError);
  });

  it('a rejection after the timeout is not unhandled', async () => {
    const late = deferred();
    const health = createHealth({ checks: { late: { timeoutMs: 20, check: () => late.promise } } });
    expect((await health.run()).components.late?.status).toBe('DOWN');
    late.reject(new Error('too late'));
    // An unhandled rejection would fail the vitest run.
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe('caching and single-flight', () => {
  it('concurrent callers share one run', async () => {
    let runs = 0;
    const gate = deferred();
    const health = createHealth({
      checks: {
        dep: async () => {
          runs++;
          await gate.promise;
        },
      },
    });
    const reports = Array.from({ length: 50 }, () => health.run());
    gate.resolve();
    await Promise.all(reports);
    expect(runs).toBe(1);
  });

  it('reuses a result until more than cacheTtlMs has passed on the injected clock', async () => {
    const clock = fakeClock();
    let runs = 0;
    const health = createHealth({
      clock: clock.now,
      checks: {
        dep: {
          cacheTtlMs: 2000,
          check: () => {
            runs++;
          },
        },
      },
    });
    await health.run();
    clock.advance(2000);
    await health.run();
    expect(runs).toBe(1);
    clock.advance(1);
    await health.run();
    expect(runs).toBe(2);
  });

  it('runCached() answers at once while every result is cached, and starts nothing', async () => {
    const clock = fakeClock();
    let runs = 0;
    const health = createHealth({
      clock: clock.now,
      checks: {
        db: {
          cacheTtlMs: 1000,
          check: () => {
            runs++;
          },
        },
        cache: { cacheTtlMs: 5000, check: () => ({ status: 'DEGRADED', message: 'slow' }) },
      },
    });
    expect(health.runCached()).toBeUndefined();
    expect(runs).toBe(0);
    const ran = await health.run();
    expect(health.started).toBe(true);
    clock.advance(1000);
    const cached = health.runCached();
    expect(cached).toEqual({
      ...ran,
      timestamp: new Date(clock.now()).toISOString(),
      uptimeSeconds: 1,
    });
    expect(cached?.status).toBe('DEGRADED');
    expect(health.runCached({ only: ['cache'] })?.components).toEqual({
      cache: ran.components.cache,
    });
    // db expired: nothing answers at once, and runCached() does not start it either.
    clock.advance(1);
    expect(health.runCached()).toBeUndefined();
    expect(health.runCached({ only: ['cache'] })?.status).toBe('DEGRADED');
    expect(runs).toBe(1);
    await health.run();
    expect(runs).toBe(2);
  });

  it('runCached() gives the same frozen full report within one clock value, a new one when a result arrives', async () => {
    const clock = fakeClock();
    let status: 'UP' | 'DOWN' = 'UP';
    const health = createHealth({
      clock: clock.now,
      checks: {
        db: { cacheTtlMs: 1000, check: () => ({ status }) },
        cache: { cacheTtlMs: 100, check: () => undefined },
      },
    });
    await health.run();
    const first = health.runCached();
    expect(health.runCached()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.components)).toBe(true);
    // A partial report is its own, never the shared one, and frozen as every report is.
    const partial = health.runCached({ only: ['db'] });
    expect(partial).not.toBe(first);
    expect(Object.isFrozen(partial?.components)).toBe(true);
    clock.advance(1);
    const next = health.runCached();
    expect(next).not.toBe(first);
    expect(next?.timestamp).toBe(new Date(clock.now()).toISOString());
    // A new result within the same millisecond is seen at once.
    status = 'DOWN';
    clock.advance(100);
    const stale = health.runCached();
    expect(stale).toBeUndefined();
    await health.run({ only: ['cache'] });
    expect(health.runCached()?.status).toBe('UP');
    clock.advance(900);
    expect(health.runCached()).toBeUndefined();
    const after = await health.run();
    expect(after.status).toBe('DOWN');
    const shared = health.runCached();
    expect(shared).toEqual(after);
    expect(health.runCached()).toBe(shared);
    health.markShuttingDown();
    expect(health.runCached()).toMatchObject({ status: 'DOWN', message: 'shutting down' });
  });

  it("runCached() has run()'s effects: the aggregate change event and the shutdown report", async () => {
    const clock = fakeClock();
    let status: 'UP' | 'DOWN' = 'UP';
    const health = createHealth({
      clock: clock.now,
      checks: { db: { cacheTtlMs: 1000, check: () => ({ status }) } },
    });
    const changes: HealthChangeEvent[] = [];
    health.on('change', (event) => changes.push(event));
    await health.run();
    expect(health.runCached()?.status).toBe('UP');
    expect(changes.filter((e) => e.name === '')).toHaveLength(1);
    status = 'DOWN';
    clock.advance(1001);
    await health.run();
    health.markShuttingDown();
    expect(health.runCached()).toMatchObject({
      status: 'DOWN',
      message: 'shutting down',
      components: { db: { status: 'DOWN' } },
    });
    expect(changes.filter((e) => e.name === '').map((e) => e.current)).toEqual(['UP', 'DOWN']);
  });

  it('cacheTtlMs 0 runs again for every caller that is not sharing a run', async () => {
    let runs = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        dep: () => {
          runs++;
        },
      },
    });
    await health.run();
    await health.run();
    expect(runs).toBe(2);
  });

  it('runs checks concurrently: a request costs the slowest check, not the sum', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const health = createHealth({
      checks: Object.fromEntries(
        gates.map((gate, i) => [`dep${i}`, () => (started.push(i), gate.promise)]),
      ),
    });
    const report = health.run();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    await report;
  });
});

describe('aggregation', () => {
  it.each([
    ['all UP', ['UP', 'UP'], [true, true], 'UP'],
    ['a critical DOWN', ['UP', 'DOWN'], [true, true], 'DOWN'],
    ['a non-critical DOWN', ['UP', 'DOWN'], [true, false], 'DEGRADED'],
    ['a critical DEGRADED', ['DEGRADED', 'UP'], [true, true], 'DEGRADED'],
    ['DOWN beats DEGRADED', ['DEGRADED', 'DOWN'], [false, true], 'DOWN'],
  ] as const)('%s -> %s', async (_label, statuses, critical, expected) => {
    const health = createHealth({
      checks: {
        a: { critical: critical[0], check: () => ({ status: statuses[0] }) },
        b: { critical: critical[1], check: () => ({ status: statuses[1] }) },
      },
    });
    const report = await health.run();
    expect(report.status).toBe(expected);
    // The failing component keeps its own status.
    expect(report.components.b?.status).toBe(statuses[1]);
  });

  it('with no checks is UP', async () => {
    expect((await createHealth().run()).status).toBe('UP');
  });
});

describe('lifecycle', () => {
  it('reports version, timestamp and uptime from the injected clock', async () => {
    const clock = fakeClock();
    const health = createHealth({ clock: clock.now, version: '1.2.3' });
    clock.advance(61_500);
    const report = await health.run();
    expect(report).toMatchObject({
      status: 'UP',
      version: '1.2.3',
      uptimeSeconds: 61,
      timestamp: new Date(clock.now()).toISOString(),
    });
  });

  it('latches started on the first run with no critical check DOWN', async () => {
    let status: 'UP' | 'DOWN' = 'DOWN';
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { db: () => ({ status }), optional: { critical: false, check: () => false } },
    });
    await health.run();
    expect(health.started).toBe(false);
    status = 'UP';
    await health.run();
    expect(health.started).toBe(true);
    status = 'DOWN';
    await health.run();
    expect(health.started).toBe(true);
  });

  it('while shutting down runs no check and reports DOWN with the last known components', async () => {
    let runs = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        db: () => {
          runs++;
        },
      },
    });
    await health.run();
    health.markShuttingDown();
    const report = await health.run();
    expect(runs).toBe(1);
    expect(report).toMatchObject({
      status: 'DOWN',
      message: 'shutting down',
      components: { db: { status: 'UP' } },
    });
  });

  it('close() calls every check close() once, even when one throws', () => {
    const closed: string[] = [];
    const health = createHealth({
      checks: {
        a: {
          check: () => true,
          close: () => {
            closed.push('a');
            throw new Error('boom');
          },
        },
        b: { check: () => true, close: () => void closed.push('b') },
      },
    });
    health.close();
    health.close();
    expect(closed).toEqual(['a', 'b']);
    expect(health.shuttingDown).toBe(true);
  });
});

describe('events', () => {
  it('emits change once per transition, for components and the aggregate', async () => {
    let status: 'UP' | 'DOWN' = 'UP';
    const health = createHealth({ cacheTtlMs: 0, checks: { db: () => ({ status }) } });
    const events: HealthChangeEvent[] = [];
    health.on('change', (event) => events.push(event));
    await health.run();
    await health.run();
    status = 'DOWN';
    await health.run();
    await health.run();
    expect(events).toEqual([
      { name: 'db', previous: undefined, current: 'UP' },
      { name: '', previous: undefined, current: 'UP' },
      { name: 'db', previous: 'UP', current: 'DOWN' },
      { name: '', previous: 'UP', current: 'DOWN' },
    ]);
  });

  it('emits shutdown once and the aggregate turning DOWN', async () => {
    const health = createHealth({ checks: { db: () => true } });
    await health.run();
    const seen: string[] = [];
    health.on('shutdown', () => seen.push('shutdown'));
    health.on('change', (event) => seen.push(`${event.name}:${event.current}:${event.message}`));
    health.markShuttingDown();
    health.close();
    expect(seen).toEqual(['shutdown', ':DOWN:shutting down']);
  });

  it('a listener that throws does not break the run', async () => {
    const health = createHealth({ checks: { db: () => true } });
    health.on('change', () => {
      throw new Error('listener bug');
    });
    const warnings = captureWarnings();
    try {
      expect((await health.run()).status).toBe('UP');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.messages).toEqual([
        "health-probes: a 'change' listener threw: listener bug",
        "health-probes: a 'change' listener threw: listener bug",
      ]);
    } finally {
      warnings.restore();
    }
  });
});
