import { afterEach, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, withHealth, type Health } from '../lib/index.js';
import { deferred } from './helpers/deferred.js';
import { fakeTimers } from './helpers/fake-timers.js';
import { HOSTS } from './helpers/hosts.js';
import { listen, type TestServer } from './helpers/server.js';

describe.each(HOSTS)('health over time under %s', (_name, prefix, mount) => {
  let server: TestServer | undefined;
  let health: Health | undefined;
  afterEach(async () => {
    await server?.close();
    health?.close();
  });

  async function serve(runner: Health) {
    health = runner;
    server = await listen(mount(healthRouter(runner)));
    return (path: string) => fetch(`${server?.url}${prefix}${path}`);
  }

  it('a background check answers every probe from its latest result, never running it per request', async () => {
    const timers = fakeTimers();
    let runs = 0;
    const get = await serve(
      createHealth({
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
      }),
    );
    await timers.advance(0);
    for (let i = 0; i < 10; i++) expect((await get('/ready')).status).toBe(200);
    expect(runs).toBe(1);
    await timers.advance(1000);
    expect(runs).toBe(2);
    const body = (await (await get('/')).json()) as {
      components: Record<string, Record<string, unknown>>;
    };
    expect(body.components.db).toMatchObject({
      stale: false,
      consecutiveFailures: 0,
      nextRunAt: new Date(timers.now() + 1000).toISOString(),
    });
  });

  it('stale-while-revalidate answers at once while the refresh is still running', async () => {
    const timers = fakeTimers();
    let gate = deferred();
    let runs = 0;
    const get = await serve(
      createHealth({
        clock: timers.now,
        timers,
        checks: {
          db: {
            cacheTtlMs: 1000,
            staleWhileRevalidateMs: 10_000,
            check: async () => {
              if (runs++ > 0) await gate.promise;
            },
          },
        },
      }),
    );
    expect((await get('/ready')).status).toBe(200);
    await timers.advance(1500);
    // The refresh is blocked on the gate, yet both probes answer.
    expect((await get('/ready')).status).toBe(200);
    const detailed = (await (await get('/')).json()) as {
      components: Record<string, { stale: boolean }>;
    };
    expect(detailed.components.db?.stale).toBe(true);
    expect(runs).toBe(2);
    gate.resolve();
    gate = deferred();
  });

  it('failureThreshold keeps /ready 200 through one blip; the detailed body shows what is pending', async () => {
    let up = true;
    const get = await serve(
      createHealth({
        cacheTtlMs: 0,
        checks: { db: { failureThreshold: 2, check: () => up } },
      }),
    );
    expect((await get('/ready')).status).toBe(200);
    up = false;
    const blip = await get('/ready');
    expect(blip.status).toBe(200);
    // The readiness body keeps its shape.
    expect(await blip.json()).toEqual({ status: 'UP', components: { db: { status: 'UP' } } });
    const detailed = (await (await get('/')).json()) as {
      status: string;
      components: Record<string, Record<string, unknown>>;
    };
    expect(detailed.status).toBe('DOWN');
    expect(detailed.components.db).toMatchObject({ status: 'DOWN', consecutiveFailures: 2 });
    expect(detailed.components.db?.lastFailureAt).toEqual(expect.any(String));
    expect((await get('/ready')).status).toBe(503);
  });

  it('a check registered at run time is served at /ready/<name>, counted by /ready and excludable', async () => {
    const runner = createHealth({ cacheTtlMs: 0, checks: { db: () => true } });
    const get = await serve(runner);
    expect((await get('/ready/tenant')).status).toBe(404);
    const unregister = runner.register('tenant', () => false);
    expect((await get('/ready/tenant')).status).toBe(503);
    expect((await get('/ready')).status).toBe(503);
    expect((await get('/ready?exclude=tenant')).status).toBe(200);
    const body = (await (await get('/')).json()) as { components: Record<string, unknown> };
    expect(Object.keys(body.components)).toEqual(['db', 'tenant']);
    unregister();
    expect((await get('/ready/tenant')).status).toBe(404);
    expect((await get('/ready')).status).toBe(200);
  });
});

describe('health over time on the withHealth fast path', () => {
  it('answers from a background check without running it per request', async () => {
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
    const server = await listen(withHealth((_req, res) => res.end('app'), health));
    try {
      await timers.advance(0);
      for (let i = 0; i < 10; i++) {
        expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
      }
      expect(runs).toBe(1);
    } finally {
      health.close();
      await server.close();
    }
  });
});
