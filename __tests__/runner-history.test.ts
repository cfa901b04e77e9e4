import { describe, expect, it } from 'vitest';
import { createHealth, HealthOptionsError, type HealthFlappingEvent } from '../lib/index.js';
import { percentStateChange, RunRing } from '../lib/runner/run-ring.js';
import { Timeline } from '../lib/runner/timeline.js';
import { fakeTimers } from './helpers/fake-timers.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

describe('RunRing', () => {
  it('keeps the last runs, oldest first, and overwrites the oldest when full', () => {
    const ring = new RunRing(3);
    ring.push(1, 'UP', 1.25);
    ring.push(2, 'DOWN', 2);
    expect(ring.columns()).toEqual({ at: [1, 2], status: ['UP', 'DOWN'], durationMs: [1.3, 2] });
    ring.push(3, 'DEGRADED', 3);
    ring.push(4, 'UP', 4);
    expect(ring.columns()).toEqual({
      at: [2, 3, 4],
      status: ['DOWN', 'DEGRADED', 'UP'],
      durationMs: [2, 3, 4],
    });
    expect(ring.size).toBe(3);
  });

  it('with capacity 0 keeps nothing', () => {
    const ring = new RunRing(0);
    ring.push(1, 'UP', 1);
    expect(ring.columns()).toEqual({ at: [], status: [], durationMs: [] });
  });
});

describe("percentStateChange (Nagios' flap detection)", () => {
  const fill = (statuses: ('UP' | 'DOWN')[]) => {
    const ring = new RunRing(100);
    statuses.forEach((status, i) => ring.push(i, status, 1));
    return ring;
  };

  it('is 0 for a steady check and 100 when every one of the last 21 runs changed state', () => {
    expect(percentStateChange(fill(Array<'UP'>(30).fill('UP')))).toBe(0);
    const alternating = Array.from({ length: 21 }, (_, i): 'UP' | 'DOWN' =>
      i % 2 ? 'DOWN' : 'UP',
    );
    expect(percentStateChange(fill(alternating))).toBe(100);
  });

  it('weighs recent changes more: 0.8 for the oldest change, 1.2 for the newest', () => {
    const newest = [...Array<'UP'>(20).fill('UP'), 'DOWN' as const];
    const oldest = ['DOWN' as const, ...Array<'UP'>(20).fill('UP')];
    expect(percentStateChange(fill(newest))).toBe(6); // 1.2 / 20
    expect(percentStateChange(fill(oldest))).toBe(4); // 0.8 / 20
  });
});

describe('Timeline uptime', () => {
  it('is time-weighted from transitions over 5 min, 1 h and since the start', () => {
    const timeline = new Timeline(100);
    timeline.record(T0, 'UP', undefined);
    timeline.record(T0 + 50 * MINUTE, 'DOWN', 'connection refused');
    timeline.record(T0 + 56 * MINUTE, 'DEGRADED', 'slow');
    timeline.record(T0 + 58 * MINUTE, 'UP', undefined);
    const now = T0 + 60 * MINUTE;
    // Last 5 min: DOWN 55-56 (1 min), DEGRADED 56-58 (2), UP 58-60 (2).
    expect(timeline.uptime(now, 5 * MINUTE)).toEqual({
      up: 0.4,
      upOrDegraded: 0.8,
      coveredSeconds: 300,
    });
    expect(timeline.uptime(now, 60 * MINUTE)).toEqual({
      up: 0.8667,
      upOrDegraded: 0.9,
      coveredSeconds: 3600,
    });
    expect(timeline.uptime(now, Infinity)).toEqual(timeline.uptime(now, 60 * MINUTE));
    expect(timeline.transitions()).toEqual([
      { at: new Date(T0).toISOString(), to: 'UP' },
      {
        at: new Date(T0 + 50 * MINUTE).toISOString(),
        from: 'UP',
        to: 'DOWN',
        message: 'connection refused',
      },
      {
        at: new Date(T0 + 56 * MINUTE).toISOString(),
        from: 'DOWN',
        to: 'DEGRADED',
        message: 'slow',
      },
      { at: new Date(T0 + 58 * MINUTE).toISOString(), from: 'DEGRADED', to: 'UP' },
    ]);
  });

  it('a window longer than the history is cut to what the history covers', () => {
    const timeline = new Timeline(100);
    timeline.record(T0, 'DOWN', undefined);
    timeline.record(T0 + MINUTE, 'UP', undefined);
    expect(timeline.uptime(T0 + 2 * MINUTE, 60 * MINUTE)).toEqual({
      up: 0.5,
      upOrDegraded: 0.5,
      coveredSeconds: 120,
    });
  });

  it('once old transitions are dropped, windows start at the oldest kept; since-start stays exact', () => {
    const timeline = new Timeline(2);
    timeline.record(T0, 'DOWN', undefined); // dropped later
    timeline.record(T0 + 10 * MINUTE, 'UP', undefined);
    timeline.record(T0 + 20 * MINUTE, 'DOWN', undefined);
    timeline.record(T0 + 30 * MINUTE, 'UP', undefined);
    const now = T0 + 40 * MINUTE;
    expect(timeline.transitions()).toHaveLength(2);
    // Kept: DOWN at 20, UP at 30: the hour is cut to 20..40, DOWN half of it.
    expect(timeline.uptime(now, 60 * MINUTE)).toEqual({
      up: 0.5,
      upOrDegraded: 0.5,
      coveredSeconds: 1200,
    });
    // Since the start: DOWN 0-10 and 20-30, UP 10-20 and 30-40.
    expect(timeline.uptime(now, Infinity)).toEqual({
      up: 0.5,
      upOrDegraded: 0.5,
      coveredSeconds: 2400,
    });
  });

  it('right at the first status, the share is that of the status', () => {
    const timeline = new Timeline(10);
    expect(timeline.uptime(T0, 5 * MINUTE)).toBeUndefined();
    timeline.record(T0, 'DOWN', undefined);
    expect(timeline.uptime(T0, 5 * MINUTE)).toEqual({ up: 0, upOrDegraded: 0, coveredSeconds: 0 });
  });
});

describe('health.history()', () => {
  it('gives each check its runs, transitions, uptime and flapping, and the service its own', async () => {
    const timers = fakeTimers(T0);
    let up = true;
    const health = createHealth({
      clock: timers.now,
      timers,
      checks: {
        db: { intervalMs: 1000, check: () => up },
        cache: { intervalMs: 1000, check: () => true },
      },
    });
    await timers.advance(0);
    await timers.advance(59_000);
    up = false;
    await timers.advance(30_000);
    up = true;
    await timers.advance(30_000);
    const history = health.history();
    const db = history?.checks.db;
    expect(db?.runs.at).toHaveLength(120);
    expect(db?.runs.status.filter((s) => s === 'DOWN')).toHaveLength(30);
    expect(db?.transitions.map((t) => t.to)).toEqual(['UP', 'DOWN', 'UP']);
    // First run at 0 s, now 119 s; DOWN from 60 s to 90 s: 89 of 119 s UP.
    expect(db?.uptime['5m']).toEqual({ up: 0.7479, upOrDegraded: 0.7479, coveredSeconds: 119 });
    expect(db?.flapping).toBe(false);
    expect(history?.service.transitions.map((t) => t.to)).toEqual(['UP', 'DOWN', 'UP']);
    expect(history?.service.uptime.sinceStart?.up).toBe(0.7479);
    expect(Object.keys(health.history({ check: 'cache' })?.checks ?? {})).toEqual(['cache']);
    expect(health.history({ check: 'nope' })).toBeUndefined();
    health.close();
  });

  it('flags a check that flaps, with an event on entering and on leaving', async () => {
    let n = 0;
    let flappy = true;
    const events: HealthFlappingEvent[] = [];
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { db: () => (flappy ? n++ % 2 === 0 : true) },
    });
    health.on('flapping', (event) => events.push(event));
    for (let i = 0; i < 10; i++) await health.run();
    expect(events).toEqual([
      { name: 'db', flapping: true, percentStateChange: expect.any(Number) as number },
    ]);
    expect((await health.run()).components.db?.flapping).toBe(true);
    flappy = false;
    for (let i = 0; i < 30; i++) await health.run();
    expect(events.map((e) => e.flapping)).toEqual([true, false]);
    expect((events[1]?.percentStateChange ?? 100) < 20).toBe(true);
    expect((await health.run()).components.db?.flapping).toBe(false);
  });

  it('history: false keeps nothing and shows no flapping field', async () => {
    const health = createHealth({ history: false, checks: { db: () => true } });
    expect(health.history()).toBeUndefined();
    expect((await health.run()).components.db).not.toHaveProperty('flapping');
  });

  it('rejects a low flap threshold above the high one', () => {
    expect(() => createHealth({ history: { flapLowPercent: 40, flapHighPercent: 30 } })).toThrow(
      HealthOptionsError,
    );
    expect(() => createHealth({ history: { runs: -1 } })).toThrow(/history\.runs/);
  });
});
