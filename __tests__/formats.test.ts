import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealth,
  detailedBodySchema,
  healthJsonSchema,
  healthRouter,
  probeBodySchema,
  servicekitBodySchema,
  type Health,
  type HealthReport,
  type HealthRouterOptions,
} from '../lib/index.js';
import { detailsShown } from '../lib/http/show-details.js';
import { probeBody } from '../lib/format/components.js';
import { resolveProbeOptions } from '../lib/http/probe-options.js';
import { toHealthJson } from '../lib/format/health-json.js';
import { toServicekit } from '../lib/format/servicekit.js';
import { fakeClock } from './helpers/clock.js';
import { listen, type TestServer } from './helpers/server.js';

let server: TestServer | undefined;
let health: Health | undefined;
afterEach(async () => {
  await server?.close();
  health?.close();
  server = undefined;
});

async function serve(runner: Health, options?: HealthRouterOptions) {
  health = runner;
  server = await listen(healthRouter(runner, options));
  return (path: string, init?: RequestInit) => fetch(`${server?.url}${path}`, init);
}

/** One critical check UP, one non-critical DOWN with a message, from a fixed clock. */
function mixedHealth(extra: Parameters<typeof createHealth>[0] = {}) {
  const clock = fakeClock();
  return createHealth({
    clock: clock.now,
    version: '3.4.5',
    checks: {
      database: () => ({ status: 'UP', details: { latencyMs: 2 } }),
      cache: { critical: false, check: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    },
    ...extra,
  });
}

describe('default component JSON', () => {
  it('/ready and / match their exported schemas', async () => {
    const get = await serve(mixedHealth());
    expect(probeBodySchema.parse(await (await get('/ready')).json())).toMatchObject({
      status: 'DEGRADED',
    });
    expect(detailedBodySchema.parse(await (await get('/')).json())).toMatchObject({
      version: '3.4.5',
    });
  });
});

describe('IETF health+json', () => {
  it.each([
    ['Accept', '/', { accept: 'application/health+json' }],
    ['?format=health%2Bjson', '/?format=health%2Bjson', {}],
    ['?format=health+json', '/?format=health+json', {}],
  ])('is chosen by %s and matches the draft schema', async (_label, path, headers) => {
    const get = await serve(mixedHealth(), {
      healthJson: { serviceId: 'orders', componentTypes: { database: 'datastore' } },
    });
    const response = await get(path, { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/health+json');
    const body = healthJsonSchema.parse(await response.json());
    expect(body).toEqual({
      status: 'warn',
      version: '3',
      releaseId: '3.4.5',
      serviceId: 'orders',
      checks: {
        'database:responseTime': [
          {
            componentId: 'database',
            componentType: 'datastore',
            observedValue: expect.any(Number) as number,
            observedUnit: 'ms',
            status: 'pass',
            time: '2026-01-01T00:00:00.000Z',
          },
        ],
        'cache:responseTime': [
          {
            componentId: 'cache',
            componentType: 'component',
            observedValue: expect.any(Number) as number,
            observedUnit: 'ms',
            status: 'fail',
            time: '2026-01-01T00:00:00.000Z',
            output: 'connect ECONNREFUSED',
          },
        ],
      },
    });
  });

  it('checks named like Object.prototype members keep their componentType', async () => {
    const get = await serve(
      createHealth({
        checks: { toString: () => true, valueOf: () => true, hasOwnProperty: () => true },
      }),
      { healthJson: { componentTypes: { toString: 'datastore' } } },
    );
    const body = healthJsonSchema.parse(await (await get('/?format=health%2Bjson')).json());
    expect(body.checks['toString:responseTime']?.[0]?.componentType).toBe('datastore');
    // A `__proto__` key, as JSON.parse makes it, is an entry like any other.
    const componentTypes = JSON.parse('{"__proto__":"datastore","db":"datastore"}') as Record<
      string,
      string
    >;
    const resolved = resolveProbeOptions('x()', { healthJson: { componentTypes } });
    expect(Object.keys(resolved.healthJson.componentTypes ?? {})).toEqual(['__proto__', 'db']);
    expect(body.checks['valueOf:responseTime']?.[0]?.componentType).toBe('component');
    expect(body.checks['hasOwnProperty:responseTime']?.[0]?.componentType).toBe('component');
  });

  it('answers fail with the DOWN status code', async () => {
    const get = await serve(createHealth({ checks: { database: () => false } }));
    const response = await get('/ready?format=health%2Bjson');
    expect(response.status).toBe(503);
    expect(healthJsonSchema.parse(await response.json()).status).toBe('fail');
  });
});

describe('servicekit', () => {
  it('as the router format: healthy, degraded, unhealthy with the states Python clients read', async () => {
    let databaseUp = true;
    const get = await serve(
      createHealth({
        cacheTtlMs: 0,
        checks: {
          database: () => databaseUp,
          redis: {
            critical: false,
            check: () => ({ status: 'DEGRADED', message: 'Redis unavailable' }),
          },
        },
      }),
      { format: 'servicekit' },
    );
    const degraded = servicekitBodySchema.parse(await (await get('/')).json());
    expect(degraded).toEqual({
      status: 'degraded',
      checks: {
        database: { state: 'healthy' },
        redis: { state: 'degraded', message: 'Redis unavailable' },
      },
    });
    databaseUp = false;
    const response = await get('/');
    expect(response.status).toBe(503);
    expect(servicekitBodySchema.parse(await response.json()).status).toBe('unhealthy');
  });

  it('with no checks is {"status":"healthy"}', async () => {
    const get = await serve(createHealth(), { format: 'servicekit' });
    expect(await (await get('/')).json()).toEqual({ status: 'healthy' });
  });
});

describe('Kubernetes verbose and exclude', () => {
  it('/ready?verbose lists each check and a final line', async () => {
    const get = await serve(mixedHealth());
    const response = await get('/ready?verbose');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe(
      '[+]database ok\n[-]cache failed: reason withheld\nreadyz check passed\n',
    );
  });

  it('?exclude leaves a check out without running it and warns about unknown names', async () => {
    let hangingRuns = 0;
    const get = await serve(
      createHealth({
        checks: {
          database: () => true,
          broken: { timeoutMs: 5000, check: () => (hangingRuns++, new Promise(() => undefined)) },
        },
      }),
    );
    const started = performance.now();
    const response = await get('/ready?verbose&exclude=broken&exclude=nope');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(hangingRuns).toBe(0);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      '[+]database ok\n[+]broken excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n',
    );
    expect(await (await get('/ready?exclude=broken')).json()).toEqual({
      status: 'UP',
      components: { database: { status: 'UP' } },
    });
  });

  it('an excluded check named like an Object.prototype member reads excluded', async () => {
    const get = await serve(
      createHealth({ checks: { database: () => true, toString: () => true } }),
    );
    const response = await get('/ready?verbose&exclude=toString');
    expect(await response.text()).toBe(
      '[+]database ok\n[+]toString excluded: ok\nreadyz check passed\n',
    );
  });

  it('a failing critical check fails the verbose readyz with the DOWN code', async () => {
    const get = await serve(createHealth({ checks: { database: () => false } }));
    const response = await get('/ready?verbose=true');
    expect(response.status).toBe(503);
    expect(await response.text()).toBe(
      '[-]database failed: reason withheld\nreadyz check failed\n',
    );
  });

  it('/live?verbose is the ping check', async () => {
    const get = await serve(createHealth());
    expect(await (await get('/live?verbose')).text()).toBe('[+]ping ok\nlivez check passed\n');
    expect(await (await get('/live?verbose&exclude=ping&exclude=db')).text()).toBe(
      '[+]ping excluded: ok\nwarn: some health checks cannot be excluded: no matches for "db"\nlivez check passed\n',
    );
  });

  it('/startup?verbose before and after the latch, and while shutting down', async () => {
    let up = false;
    const runner = createHealth({ cacheTtlMs: 0, checks: { migrations: () => up } });
    const get = await serve(runner);
    const before = await get('/startup?verbose');
    expect(before.status).toBe(503);
    expect(await before.text()).toBe(
      '[-]migrations failed: reason withheld\nstartupz check failed\n',
    );
    up = true;
    expect(await (await get('/startup?verbose')).text()).toBe(
      '[+]started ok\nstartupz check passed\n',
    );
    runner.markShuttingDown();
    expect(await (await get('/startup?verbose')).text()).toBe(
      '[-]shutdown failed: reason withheld\nstartupz check failed\n',
    );
  });

  it('/ready?verbose while shutting down says so', async () => {
    const runner = createHealth({ checks: { database: () => true } });
    const get = await serve(runner);
    await get('/ready');
    runner.markShuttingDown();
    const response = await get('/ready?verbose');
    expect(response.status).toBe(503);
    expect(await response.text()).toBe(
      '[+]database ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n',
    );
  });
});

describe('/ready/<name>', () => {
  it('answers for one check with its own status, and 404 for anything else', async () => {
    const get = await serve(mixedHealth());
    const database = await get('/ready/database');
    expect(database.status).toBe(200);
    expect(await database.json()).toEqual({
      status: 'UP',
      components: { database: { status: 'UP' } },
    });
    const cache = await get('/ready/cache');
    expect(cache.status).toBe(503);
    expect(probeBodySchema.parse(await cache.json()).status).toBe('DOWN');
    expect(await (await get('/ready/cache?verbose')).text()).toBe(
      '[-]cache failed: reason withheld\nreadyz check failed\n',
    );
    for (const path of [
      '/ready/nope',
      '/ready/..%2Fdatabase',
      '/ready/database/x',
      '/ready/DATABASE',
      '/ready//database',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({ error: 'not found' });
    }
  });
});

describe('showDetails', () => {
  // Not a `password=` pair: masking would hide it, and this is about hiding details.
  const secret = 'tenant hunter2 is over quota';
  function secretHealth() {
    return createHealth({
      version: '9.9.9',
      checks: {
        database: () => ({ status: 'UP', details: { host: 'db.internal' } }),
        cache: { critical: false, check: () => Promise.reject(new Error(secret)) },
      },
    });
  }

  it("'never' leaves statuses only, in every format", async () => {
    const get = await serve(secretHealth(), { showDetails: 'never' });
    const paths = [
      '/',
      '/ready',
      '/?format=servicekit',
      '/?format=health%2Bjson',
      '/ready?format=servicekit',
      '/startup',
    ];
    for (const path of paths) {
      const text = await (await get(path)).text();
      expect(text, path).not.toContain('hunter2');
      expect(text, path).not.toContain('db.internal');
      expect(text, path).not.toContain('9.9.9');
    }
    expect(await (await get('/')).json()).toEqual({
      status: 'DEGRADED',
      components: { database: { status: 'UP' }, cache: { status: 'DOWN' } },
    });
  });

  it("'never' hides timestamps and timings in every format, health+json included", async () => {
    const get = await serve(secretHealth(), { showDetails: 'never' });
    const paths = [
      '/',
      '/ready',
      '/startup',
      '/?format=servicekit',
      '/?format=health%2Bjson',
      '/ready?format=health%2Bjson',
    ];
    for (const path of paths) {
      const text = await (await get(path)).text();
      expect(text, path).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
      expect(text, path).not.toMatch(
        /"(time|timestamp|checkedAt|durationMs|observedValue|uptimeSeconds)"/,
      );
    }
    expect(await (await get('/?format=health%2Bjson')).json()).toEqual({
      status: 'warn',
      checks: {
        'database:responseTime': [{ componentId: 'database', status: 'pass' }],
        'cache:responseTime': [{ componentId: 'cache', status: 'fail' }],
      },
    });
  });

  it('a function decides per request; one that throws denies', async () => {
    const get = await serve(secretHealth(), {
      showDetails: (req) => {
        if (req.headers['x-boom'] !== undefined) throw new Error('policy bug');
        return Promise.resolve(req.headers.authorization === 'Bearer ops');
      },
    });
    expect(
      await (await get('/ready', { headers: { authorization: 'Bearer ops' } })).text(),
    ).toContain('hunter2');
    expect(await (await get('/ready')).text()).not.toContain('hunter2');
    const denied = await get('/ready', { headers: { authorization: 'Bearer ops', 'x-boom': '1' } });
    expect(denied.status).toBe(200);
    expect(await denied.text()).not.toContain('hunter2');
  });
});

describe('bad requests', () => {
  it.each([
    '/?format=xml',
    '/ready?format=',
    '/ready?format=json&format=servicekit',
    '/live?format=html',
  ])('%s answers 400 naming the parameter', async (path) => {
    const get = await serve(createHealth());
    const response = await get(path);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; parameter: string };
    expect(body.error).toMatch(/`format`/);
    expect(body.parameter).toBe('format');
    expect(Object.keys(body)).toEqual(['error', 'parameter']);
  });

  it('too many excludes answer 400', async () => {
    const get = await serve(createHealth());
    const query = Array.from({ length: 40 }, (_, i) => `exclude=c${i}`).join('&');
    const response = await get(`/ready?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.stringMatching(/`exclude`/) as unknown,
      parameter: 'exclude',
    });
  });
});

describe('logger', () => {
  it('gets one line per transition and nothing per request', async () => {
    const lines: [string, Record<string, unknown>, string][] = [];
    const logger = {
      info: (object: Record<string, unknown>, message: string) =>
        lines.push(['info', object, message]),
      warn: (object: Record<string, unknown>, message: string) =>
        lines.push(['warn', object, message]),
      error: (object: Record<string, unknown>, message: string) =>
        lines.push(['error', object, message]),
    };
    let up = true;
    const get = await serve(
      createHealth({ logger, cacheTtlMs: 0, checks: { database: () => up } }),
    );
    for (let i = 0; i < 5; i++) await get('/ready');
    up = false;
    for (let i = 0; i < 5; i++) await get('/ready');
    expect(lines.map(([level, , message]) => `${level} ${message}`)).toEqual([
      'info health: check database is UP',
      'info health: service is UP',
      'error health: check database is DOWN',
      'error health: service is DOWN',
    ]);
    expect(lines[2]?.[1]).toEqual({
      check: 'database',
      previous: 'UP',
      current: 'DOWN',
      message: undefined,
    });
  });
});

describe('the stream follows the router format and details policy', () => {
  /** The first `data:` line of the stream, read as servicekit's Python clients do. */
  async function firstData(url: string): Promise<unknown> {
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (let reads = 0; reads < 50; reads++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        const line = text.split('\n').find((l) => l.startsWith('data: '));
        if (line !== undefined) return JSON.parse(line.slice(6));
      }
      throw new Error(`no data line in ${JSON.stringify(text)}`);
    } finally {
      controller.abort();
    }
  }

  it("servicekit: json.loads(line[6:])['status'] is 'healthy'", async () => {
    await serve(createHealth({ checks: { database: () => true } }), { format: 'servicekit' });
    const body = servicekitBodySchema.parse(
      await firstData(`${server?.url}/$stream?poll_interval=2.0`),
    );
    expect(body).toEqual({ status: 'healthy', checks: { database: { state: 'healthy' } } });
  });

  it('a showDetails function keeps details out of the shared stream', async () => {
    await serve(
      createHealth({
        checks: {
          cache: {
            critical: false,
            check: () => Promise.reject(new Error('tenant hunter2 is over quota')),
          },
        },
      }),
      { showDetails: () => true },
    );
    const body = await firstData(`${server?.url}/stream`);
    expect(body).toEqual({ status: 'DEGRADED', components: { cache: { status: 'DOWN' } } });
  });
});

describe('the reused /ready body', () => {
  it('follows every new result and the shutdown flip', async () => {
    const clock = fakeClock();
    let message = 'replica lag 1 s';
    const runner = createHealth({
      clock: clock.now,
      checks: { db: { critical: false, check: () => ({ status: 'DEGRADED', message }) } },
    });
    const get = await serve(runner);
    const first = await (await get('/ready')).text();
    expect(await (await get('/ready')).text()).toBe(first);
    message = 'replica lag 9 s';
    expect(await (await get('/ready')).text()).toBe(first);
    clock.advance(1001);
    expect(await (await get('/ready')).json()).toEqual({
      status: 'DEGRADED',
      components: { db: { status: 'DEGRADED', message: 'replica lag 9 s' } },
    });
    runner.markShuttingDown();
    const stopping = await get('/ready');
    expect(stopping.status).toBe(503);
    expect(((await stopping.json()) as { message: string }).message).toBe('shutting down');
  });
});

describe('detailsShown()', () => {
  const req = new IncomingMessage(new Socket());

  it('bounds a promise that never settles by the timeout, and denies', async () => {
    const started = performance.now();
    expect(await detailsShown(() => new Promise<boolean>(() => undefined), req, 30)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('allows only a real true, however it arrives, and denies a throw or a rejection', async () => {
    expect(await detailsShown(() => true, req)).toBe(true);
    expect(await detailsShown(() => Promise.resolve(true), req, 30)).toBe(true);
    expect(await detailsShown(() => 'yes' as unknown as boolean, req)).toBe(false);
    expect(await detailsShown(() => Promise.reject(new Error('no')), req, 30)).toBe(false);
    expect(
      await detailsShown(() => {
        throw new Error('bug');
      }, req),
    ).toBe(false);
    // A thenable whose `then` getter throws is a denial too, not an exception.
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('trap');
      },
    }) as Promise<boolean>;
    expect(await detailsShown(() => hostile, req, 30)).toBe(false);
  });
});

describe('component names that are Object.prototype members', () => {
  // A report as JSON.parse makes it: `__proto__` is an own key, as a check name may be.
  const report = JSON.parse(
    '{"status":"DEGRADED","components":{"__proto__":{"status":"UP","critical":true,"durationMs":1,"checkedAt":"2026-01-01T00:00:00.000Z"},"toString":{"status":"DOWN","message":"x","critical":false,"durationMs":1,"checkedAt":"2026-01-01T00:00:00.000Z"}}}',
  ) as HealthReport;

  it('stay keys of every format body', () => {
    expect(Object.keys(probeBody(report, true).components)).toEqual(['__proto__', 'toString']);
    expect(Object.keys(toServicekit(report, true).checks ?? {})).toEqual(['__proto__', 'toString']);
    expect(Object.keys(toHealthJson(report, {}, true).checks)).toEqual([
      '__proto__:responseTime',
      'toString:responseTime',
    ]);
    expect(JSON.parse(JSON.stringify(probeBody(report, false)))).toEqual({
      status: 'DEGRADED',
      components: JSON.parse(
        '{"__proto__":{"status":"UP"},"toString":{"status":"DOWN"}}',
      ) as unknown,
    });
  });
});
