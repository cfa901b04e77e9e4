import type { RequestListener } from 'node:http';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, type Health, type HealthRouterOptions } from '../lib/index.js';
import { fakeClock } from './helpers/clock.js';
import { deferred } from './helpers/deferred.js';
import { FOREIGN_VALUES } from './helpers/foreign-values.js';
import { listen, type TestServer } from './helpers/server.js';

type Mount = (router: ReturnType<typeof healthRouter>) => RequestListener;

/** The four hosts the router must work under, each with the prefix it is served at. */
const hosts: [string, string, Mount][] = [
  ['Express 4', '/health', (router) => express4().use('/health', router)],
  ['Express 5', '/health', (router) => express().use('/health', router)],
  ['Connect', '/health', (router) => connect().use('/health', router)],
  ['node:http', '', (router) => router],
];

describe.each(hosts)('healthRouter under %s', (_name, prefix, mount) => {
  let server: TestServer | undefined;
  let health: Health | undefined;
  afterEach(async () => {
    await server?.close();
    health?.close();
  });

  async function serve(runner: Health, options?: HealthRouterOptions) {
    health = runner;
    server = await listen(mount(healthRouter(runner, options)));
    return (path: string, init?: RequestInit) => fetch(`${server?.url}${prefix}${path}`, init);
  }

  it('GET / answers the detailed report with JSON and no-store headers', async () => {
    const get = await serve(createHealth({ version: '2.0.0', checks: { db: () => true } }));
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'status',
      'timestamp',
      'uptimeSeconds',
      'version',
      'components',
    ]);
    expect(body).toMatchObject({
      status: 'UP',
      version: '2.0.0',
      components: { db: { status: 'UP', critical: true } },
    });
  });

  it('/live answers 200 {"status":"UP"} without running checks', async () => {
    let runs = 0;
    const get = await serve(
      createHealth({
        checks: {
          db: () => {
            runs++;
          },
        },
      }),
    );
    const response = await get('/live');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"status":"UP"}');
    expect(runs).toBe(0);
  });

  it('/ready answers the compact component body, tolerating a query and a trailing slash', async () => {
    const get = await serve(
      createHealth({
        checks: {
          db: () => true,
          cache: { critical: false, check: () => ({ status: 'DOWN', message: 'no route' }) },
        },
      }),
    );
    for (const path of ['/ready', '/ready/', '/ready?probe=kubelet', '/ready/?x=1&y']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toEqual({
        status: 'DEGRADED',
        components: { db: { status: 'UP' }, cache: { status: 'DOWN', message: 'no route' } },
      });
    }
  });

  it('a critical check DOWN answers 503, or the configured status code', async () => {
    const get = await serve(createHealth({ checks: { db: () => false } }), {
      statusCodes: { DOWN: 500 },
    });
    expect((await get('/ready')).status).toBe(500);
    expect((await get('/')).status).toBe(500);
    expect((await get('/startup')).status).toBe(500);
    expect((await get('/live')).status).toBe(200);
  });

  it('HEAD answers the same status and headers with no body', async () => {
    const get = await serve(createHealth({ checks: { db: () => false } }));
    const head = await get('/ready', { method: 'HEAD' });
    const full = await get('/ready');
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
    expect(head.headers.get('content-length')).toBe(full.headers.get('content-length'));
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('other methods get 405 with Allow: GET, HEAD', async () => {
    const get = await serve(createHealth());
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await get('/ready', { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(await response.json()).toEqual({ error: 'method not allowed' });
    }
  });

  it('unknown sub-paths get 404 JSON', async () => {
    const get = await serve(createHealth());
    for (const path of ['/nope', '/ready/extra', '/READY', '/live.json']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ error: 'not found' });
    }
  });

  it('200 concurrent /ready requests with a 50 ms check run it once', async () => {
    let runs = 0;
    const get = await serve(
      createHealth({
        checks: {
          db: async () => {
            runs++;
            await new Promise((resolve) => setTimeout(resolve, 50));
          },
        },
      }),
    );
    const responses = await Promise.all(Array.from({ length: 200 }, () => get('/ready')));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(runs).toBe(1);
  });

  it('a check that never settles answers 503 within its timeout and aborts its signal', async () => {
    const aborted = deferred<unknown>();
    const get = await serve(
      createHealth({
        checks: {
          hang: {
            timeoutMs: 200,
            check: ({ signal }) => {
              signal.addEventListener('abort', () => aborted.resolve(signal.reason));
              return new Promise(() => undefined);
            },
          },
        },
      }),
    );
    const started = performance.now();
    const response = await get('/ready');
    const elapsedMs = performance.now() - started;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'DOWN',
      components: { hang: { status: 'DOWN', message: 'timed out after 200 ms' } },
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(195);
    expect(elapsedMs).toBeLessThan(200 + 250);
    expect(await aborted.promise).toBeInstanceOf(Error);
  });

  it('with exposeErrors false a secret in an error appears in no response', async () => {
    const get = await serve(
      createHealth({
        exposeErrors: false,
        checks: { db: () => Promise.reject(new Error('tenant hunter2 is over quota')) },
      }),
    );
    for (const path of ['/', '/ready', '/startup', '/live']) {
      const text = await (await get(path)).text();
      expect(text, path).not.toContain('hunter2');
    }
    expect(await (await get('/ready')).json()).toEqual({
      status: 'DOWN',
      components: { db: { status: 'DOWN', message: 'check failed (reason withheld)' } },
    });
  });

  it('by default an error message is shown, secrets masked, never a stack frame', async () => {
    // Until 0.1.0 a `password=` pair was shown as thrown; issue 13 masks it by default.
    const get = await serve(
      createHealth({
        checks: { db: () => Promise.reject(new Error('auth failed: password=hunter2 user=app')) },
      }),
    );
    for (const path of ['/', '/ready', '/startup']) {
      const text = await (await get(path)).text();
      expect(text, path).toContain('auth failed: password=*** user=app');
      expect(text, path).not.toContain('hunter2');
      expect(text, path).not.toMatch(/\bat .*\(|\.ts:\d+|\.js:\d+|node:internal/);
    }
  });

  it('/startup answers 503 until no critical check is DOWN, then 200 for good', async () => {
    let up = false;
    let runs = 0;
    const get = await serve(
      createHealth({ cacheTtlMs: 0, checks: { migrations: () => (runs++, up) } }),
    );
    const before = await get('/startup');
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({
      status: 'DOWN',
      components: { migrations: { status: 'DOWN' } },
    });
    up = true;
    expect((await get('/startup')).status).toBe(200);
    up = false;
    const runsAtLatch = runs;
    const after = await get('/startup');
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'UP' });
    expect(runs).toBe(runsAtLatch);
    expect((await get('/ready')).status).toBe(503);
  });

  it('markStarted() latches /startup by hand', async () => {
    const runner = createHealth({ checks: { db: () => false } });
    const get = await serve(runner);
    expect((await get('/startup')).status).toBe(503);
    runner.markStarted();
    expect((await get('/startup')).status).toBe(200);
  });

  it('while shutting down, readiness and startup answer 503 and liveness stays 200', async () => {
    const runner = createHealth({ checks: { db: () => true } });
    const get = await serve(runner);
    expect((await get('/ready')).status).toBe(200);
    runner.markShuttingDown();
    const ready = await get('/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'DOWN',
      message: 'shutting down',
      components: { db: { status: 'UP' } },
    });
    expect(await (await get('/startup')).json()).toEqual({
      status: 'DOWN',
      message: 'shutting down',
    });
    expect((await get('/startup')).status).toBe(503);
    expect((await get('/live')).status).toBe(200);
    expect((await get('/')).status).toBe(503);
  });

  it('a failure inside the library answers 500 with no detail', async () => {
    let serialisations = 0;
    const flaky = {
      toJSON() {
        if (serialisations++ > 0) throw new Error('secret internal detail');
        return 1;
      },
    };
    const get = await serve(
      createHealth({ checks: { db: () => ({ status: 'UP', details: { flaky } }) } }),
    );
    const response = await get('/ready');
    expect(response.status).toBe(200);
    const detailedResponse = await get('/');
    expect(detailedResponse.status).toBe(500);
    expect(await detailedResponse.json()).toEqual({ status: 'DOWN', error: 'internal error' });
  });
});

describe('healthRouter mounted in an Express app', () => {
  it('leaves the rest of the app alone and builds a runner from options', async () => {
    const app = express();
    app.use('/health', healthRouter({ checks: { db: () => true } }));
    app.get('/api', (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(app);
    try {
      expect(await (await fetch(`${server.url}/api`)).json()).toEqual({ ok: true });
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${server.url}/health?x=1`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a broken injected clock', () => {
  it('answers 500 instead of throwing out of the handler', async () => {
    const health = createHealth({ clock: () => Number.NaN, checks: { db: () => true } });
    const server = await listen(healthRouter(health));
    try {
      for (const path of ['/ready', '/', '/startup']) {
        const response = await fetch(`${server.url}${path}`);
        expect(response.status, path).toBe(500);
        expect(await response.json()).toEqual({ status: 'DOWN', error: 'internal error' });
      }
      expect((await fetch(`${server.url}/live`)).status).toBe(200);
    } finally {
      await server.close();
      health.close();
    }
  });

  it.each(FOREIGN_VALUES)(
    'answers 500 and logs a string when the clock throws %s',
    async (_label, value) => {
      const logged: unknown[] = [];
      const log = (object: unknown) => logged.push(object);
      let armed = false;
      const health = createHealth({
        clock: () => {
          if (armed) throw value;
          return 1_000_000;
        },
        checks: { db: () => true },
        logger: { info: log, warn: log, error: log },
      });
      const server = await listen(healthRouter(health));
      try {
        armed = true;
        const response = await fetch(`${server.url}/ready`);
        expect(response.status).toBe(500);
        expect(await response.json()).toEqual({ status: 'DOWN', error: 'internal error' });
        expect(logged).toContainEqual({ error: expect.any(String) as string, url: '/ready' });
      } finally {
        await server.close();
        health.close();
      }
    },
  );

  it('answers 500 when it breaks after the results were cached (the synchronous path)', async () => {
    let broken = false;
    const health = createHealth({
      clock: () => (broken ? Number.NaN : 1_000_000),
      checks: { db: () => true },
    });
    const server = await listen(healthRouter(health));
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      broken = true;
      const response = await fetch(`${server.url}/ready`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ status: 'DOWN', error: 'internal error' });
    } finally {
      await server.close();
      health.close();
    }
  });
});

describe('cached readiness', () => {
  it('answers from the cache until a result expires or changes, then from the new one', async () => {
    const clock = fakeClock();
    let db: 'UP' | 'DOWN' = 'UP';
    let runs = 0;
    const health = createHealth({
      clock: clock.now,
      checks: {
        db: {
          cacheTtlMs: 1000,
          check: () => {
            runs++;
            return { status: db };
          },
        },
        cache: { cacheTtlMs: 5000, check: () => true },
      },
    });
    const server = await listen(healthRouter(health));
    const ready = async () => {
      const response = await fetch(`${server.url}/ready`);
      return [response.status, ((await response.json()) as { status: string }).status];
    };
    try {
      expect(await ready()).toEqual([200, 'UP']);
      db = 'DOWN';
      // Within the TTL, from the cache, even across milliseconds.
      clock.advance(999);
      expect(await ready()).toEqual([200, 'UP']);
      expect(runs).toBe(1);
      // Expired: the check runs again and the answer follows it at once.
      clock.advance(2);
      expect(await ready()).toEqual([503, 'DOWN']);
      expect(runs).toBe(2);
      // A result that arrives from elsewhere (a partial run) changes the answer too.
      db = 'UP';
      clock.advance(1001);
      await health.run({ only: ['db'] });
      expect(await ready()).toEqual([200, 'UP']);
      expect(runs).toBe(3);
      health.markShuttingDown();
      expect(await ready()).toEqual([503, 'DOWN']);
    } finally {
      await server.close();
      health.close();
    }
  });
});
