import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, type Health, type HealthRouterOptions } from '../lib/index.js';
import { SHOW_DETAILS_TIMEOUT_MS } from '../lib/http/show-details.js';
import { fakeClock } from './helpers/clock.js';
import { deferred } from './helpers/deferred.js';
import { CONTRACT_HOSTS, type HostServer } from './helpers/hosts.js';
import { FOREIGN_VALUES } from './helpers/foreign-values.js';
import { listen, type TestServer } from './helpers/server.js';

const hosts = CONTRACT_HOSTS.map((host) => [host.name, host] as const);

describe.each(hosts)('the HTTP contract under %s', (_name, host) => {
  const { prefix } = host;
  let server: HostServer | undefined;
  let health: Health | undefined;
  afterEach(async () => {
    await server?.close();
    health?.close();
  });

  async function serve(runner: Health, options?: HealthRouterOptions) {
    health = runner;
    server = await host.serve(runner, options);
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

  it('an unknown sub-path goes to the app (next), or gets 404 JSON when there is none', async () => {
    const get = await serve(createHealth({ checks: { db: () => true } }));
    for (const [path, method] of [
      ['/nope', 'GET'],
      ['/ready/extra', 'GET'],
      ['/ready/nope?x=1', 'HEAD'],
      ['/READY', 'GET'],
      ['/live.json', 'POST'],
    ] as const) {
      const response = await get(path, { method });
      if (prefix === '') {
        expect(response.status, path).toBe(404);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        if (method !== 'HEAD') expect(await response.json()).toEqual({ error: 'not found' });
      } else {
        expect(response.status, path).toBe(418);
        if (method !== 'HEAD') expect(await response.text()).toBe(`app: ${method} /health${path}`);
      }
    }
  });

  it('a bad query parameter answers 400 {"error","parameter"}, the shape of the stream\'s', async () => {
    const get = await serve(createHealth({ checks: { db: () => true } }));
    const tooMany = Array.from({ length: 40 }, (_, i) => `exclude=c${i}`).join('&');
    for (const [path, parameter] of [
      ['/?format=xml', 'format'],
      ['/ready?format=a&format=b', 'format'],
      ['/live?format=html', 'format'],
      ['/startup?format=', 'format'],
      [`/ready?${tooMany}`, 'exclude'],
      ['/stream?poll_interval=0', 'poll_interval'],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(body), path).toEqual(['error', 'parameter']);
      expect(body.parameter, path).toBe(parameter);
    }
  });

  it('/ready/<name>?exclude=<name> is a 400: excluding the one check asked for leaves nothing', async () => {
    const get = await serve(createHealth({ checks: { db: () => false, cache: () => true } }));
    const response = await get('/ready/db?exclude=db');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'query parameter `exclude` names "db", the one check this probe answers for',
      parameter: 'exclude',
    });
    // Excluding another name is allowed (and answers for the check asked for).
    expect((await get('/ready/db?exclude=cache')).status).toBe(503);
    expect((await get('/ready/cache?exclude=db')).status).toBe(200);
  });

  it('a showDetails function that never settles denies after the probe timeout, never hangs', async () => {
    const get = await serve(
      createHealth({ checks: { db: () => ({ status: 'DOWN', message: 'secret detail' }) } }),
      { showDetails: () => new Promise<boolean>(() => undefined) },
    );
    const started = performance.now();
    const answers = await Promise.all(
      ['/ready', '/', '/startup', '/?format=servicekit'].map(async (path) => {
        const response = await get(path, { signal: AbortSignal.timeout(5000) });
        return [path, response.status, await response.text()] as const;
      }),
    );
    const elapsedMs = performance.now() - started;
    for (const [path, status, text] of answers) {
      expect(status, path).toBe(503);
      expect(text, path).not.toContain('secret detail');
    }
    expect(elapsedMs).toBeGreaterThanOrEqual(SHOW_DETAILS_TIMEOUT_MS - 5);
    expect(elapsedMs).toBeLessThan(SHOW_DETAILS_TIMEOUT_MS + 500);
  });

  it('200 concurrent /ready requests with a 50 ms check run it once', async () => {
    let runs = 0;
    const get = await serve(
      createHealth({
        // A TTL longer than the 200 requests can take on a loaded machine: one run, not two.
        cacheTtlMs: 60_000,
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
    // Details are snapshot at the run, so a report can no longer break later; a clock can.
    let broken = false;
    const clock = () => {
      if (broken) throw new Error('secret internal detail');
      return Date.now();
    };
    const get = await serve(createHealth({ clock, checks: { db: () => ({ status: 'UP' }) } }));
    const response = await get('/ready');
    expect(response.status).toBe(200);
    broken = true;
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

type Use = (path: string | undefined, handler: unknown) => void;
/** An app of each framework, given its middleware in order; `path` undefined: no mount path. */
const frameworks: [string, (build: (use: Use) => void) => RequestListener][] = [
  [
    'Express 4',
    (build) => {
      const app = express4();
      build((path, handler) =>
        path === undefined ? app.use(handler as never) : app.use(path, handler as never),
      );
      return app;
    },
  ],
  [
    'Express 5',
    (build) => {
      const app = express();
      build((path, handler) =>
        path === undefined ? app.use(handler as never) : app.use(path, handler as never),
      );
      return app;
    },
  ],
  [
    'Connect',
    (build) => {
      const app = connect();
      build((path, handler) =>
        path === undefined ? app.use(handler as never) : app.use(path, handler as never),
      );
      return app;
    },
  ],
];

/** A route of the app's own, answering 200 and its name. */
const route = (name: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(name);
};
/** The app's own 404 handler, last in the chain. */
const appNotFound = (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`app 404: ${(req as { originalUrl?: string }).originalUrl ?? ''}`);
};

describe.each(frameworks)('healthRouter among the routes of a %s app', (_name, makeApp) => {
  let server: TestServer | undefined;
  let health: Health | undefined;
  afterEach(async () => {
    await server?.close();
    health?.close();
  });

  async function serve(build: (use: Use, router: ReturnType<typeof healthRouter>) => void) {
    health = createHealth({ checks: { db: () => true } });
    const router = healthRouter(health);
    server = await listen(makeApp((use) => build(use, router)));
    return async (path: string) => {
      const response = await fetch(`${server?.url}${path}`);
      return [response.status, await response.text()] as const;
    };
  }

  it('mounted without a path, serves the probes and leaves every other path, / included, to the app', async () => {
    const get = await serve((use, router) => {
      use(undefined, router);
      use('/api', route('api'));
      use(undefined, (req: IncomingMessage, res: ServerResponse, next: () => void) =>
        req.url === '/' ? route('home')(req, res) : next(),
      );
      use(undefined, appNotFound);
    });
    expect(await get('/live')).toEqual([200, '{"status":"UP"}']);
    expect(await get('/ready')).toEqual([
      200,
      '{"status":"UP","components":{"db":{"status":"UP"}}}',
    ]);
    expect(await get('/api')).toEqual([200, 'api']);
    expect(await get('/')).toEqual([200, 'home']);
    expect(await get('/nope')).toEqual([404, 'app 404: /nope']);
    expect(await get('/ready/nope')).toEqual([404, 'app 404: /ready/nope']);
  });

  it('mounted at /health, routes added under /health after it are reached, and the app 404s the rest', async () => {
    const get = await serve((use, router) => {
      use('/health', router);
      use('/health/custom', route('custom'));
      use(undefined, appNotFound);
    });
    expect((await get('/health'))[0]).toBe(200);
    expect(await get('/health/live')).toEqual([200, '{"status":"UP"}']);
    expect(await get('/health/custom')).toEqual([200, 'custom']);
    expect(await get('/health/nope')).toEqual([404, 'app 404: /health/nope']);
  });
});

describe('a broken injected clock', () => {
  it('answers 500 instead of throwing out of the handler', async () => {
    // A clock that is broken from the start is refused by createHealth(); this one breaks later.
    let broken = false;
    const health = createHealth({
      clock: () => (broken ? Number.NaN : Date.now()),
      checks: { db: () => true },
    });
    broken = true;
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
