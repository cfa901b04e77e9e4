import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createHealth,
  healthRouter,
  HealthOptionsError,
  type Health,
  type HealthRouterOptions,
} from '../lib/index.js';
import { withHealth, type HealthFastPathApp, type WithHealthOptions } from '../lib/with-health.js';
import { listen, type TestServer } from './helpers/server.js';

/** What the catch-all route of every app answers: the request exactly as the app saw it. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(299, {
    'x-app': 'yes',
    'x-method': req.method,
    'x-url': req.url,
    'x-custom': req.headers['x-custom'] ?? '',
    'x-content-type': req.headers['content-type'] ?? '',
  });
  req.pipe(res);
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** Each kind of app withHealth must hand requests to: `first` as its first middleware, then echo. */
const apps: [string, (first: Middleware) => HealthFastPathApp][] = [
  ['Express 4', (first) => express4().use(first).use(echo)],
  ['Express 5', (first) => express().use(first).use(echo)],
  ['Connect', (first) => connect().use(first).use(echo)],
  ['node:http', (first) => (req, res) => first(req, res, () => echo(req, res))],
];

/** A first middleware that counts the requests it sees. */
function counting(seen: { count: number }): Middleware {
  return (_req, _res, next) => {
    seen.count++;
    next();
  };
}

const servers: TestServer[] = [];
const runners: Health[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const runner of runners.splice(0)) runner.close();
});

async function serve(listener: Parameters<typeof listen>[0]): Promise<TestServer> {
  const server = await listen(listener);
  servers.push(server);
  return server;
}

function runner(down = false): Health {
  const health = createHealth({
    exposeErrors: false,
    checks: {
      db: () => true,
      cache: () => (down ? { status: 'DOWN', message: 'no route' } : true),
    },
  });
  runners.push(health);
  return health;
}

/** A response with the parts that may differ between two servers taken out. */
async function snapshot(response: Response) {
  const text = await response.text();
  let body: unknown = text;
  if (response.headers.get('content-type')?.includes('json') === true && text !== '') {
    body = JSON.parse(text, (key, value: unknown) =>
      ['timestamp', 'uptimeSeconds', 'durationMs', 'checkedAt', 'time'].includes(key) ? '*' : value,
    );
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    allow: response.headers.get('allow'),
    app: response.headers.get('x-app'),
    body,
  };
}

/** Streams `chunks` as a chunked POST and resolves the response with its body bytes. */
function post(url: string, chunks: Buffer[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
    (resolve, reject) => {
      const req = request(url, { method: 'POST', headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      let index = 0;
      const writeNext = () => {
        const chunk = chunks[index++];
        if (chunk === undefined) return void req.end();
        req.write(chunk, () => setImmediate(writeNext));
      };
      writeNext();
    },
  );
}

describe.each(apps)('withHealth around %s', (_name, makeApp) => {
  it('answers the probes with the same contract as healthRouter mounted at /health', async () => {
    for (const down of [false, true]) {
      const seen = { count: 0 };
      const health = runner(down);
      const fast = await serve(withHealth(makeApp(counting(seen)), health));
      const mounted = await serve(express4().use('/health', healthRouter(health)));
      const cases: [string, RequestInit?][] = [
        ['/health'],
        ['/health/'],
        ['/health?x=1'],
        ['/health/live'],
        ['/health/live?verbose'],
        ['/health/ready'],
        ['/health/ready/?x=1'],
        ['/health/ready?verbose&exclude=cache'],
        ['/health/ready?format=health+json'],
        ['/health/ready?format=nope'],
        ['/health/ready/db'],
        ['/health/ready/cache'],
        ['/health/startup'],
        ['/health/ready', { method: 'HEAD' }],
        ['/health/live', { method: 'HEAD' }],
        ['/health/ready', { method: 'POST', body: 'x' }],
        ['/health/live', { method: 'DELETE' }],
      ];
      for (const [path, init] of cases) {
        const expected = await snapshot(await fetch(`${mounted.url}${path}`, init));
        const actual = await snapshot(await fetch(`${fast.url}${path}`, init));
        expect(actual, `${init?.method ?? 'GET'} ${path}`).toEqual(expected);
        expect(actual.app).toBeNull();
      }
      expect(seen.count).toBe(0);
    }
  });

  it('answers the status codes of the contract: 200, 503, HEAD, 405 and 404 under the prefix', async () => {
    const up = await serve(withHealth(makeApp(counting({ count: 0 })), runner(false)));
    const down = await serve(withHealth(makeApp(counting({ count: 0 })), runner(true)));
    expect((await fetch(`${up.url}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${down.url}/health/live`)).text()).toBe('{"status":"UP"}');
    expect((await fetch(`${up.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${down.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${down.url}/health`)).status).toBe(503);
    const head = await fetch(`${down.url}/health/ready`, { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
    const put = await fetch(`${up.url}/health/ready`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('hands a path under the prefix that the router does not serve to the app, URL restored', async () => {
    const seen = { count: 0 };
    const server = await serve(withHealth(makeApp(counting(seen)), runner()));
    for (const [path, method] of [
      ['/health/metrics', 'GET'],
      ['/health/nope?x=1', 'GET'],
      ['/health/ready/nope', 'HEAD'],
      ['/health/live/extra', 'POST'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status, path).toBe(299);
      expect(response.headers.get('x-app'), path).toBe('yes');
      expect(response.headers.get('x-url'), path).toBe(path);
      expect(response.headers.get('x-method'), path).toBe(method);
    }
    expect(seen.count).toBe(4);
  });

  it('hands every other request to the app untouched: method, URL, headers and body stream', async () => {
    const seen = { count: 0 };
    const server = await serve(withHealth(makeApp(counting(seen)), runner()));
    const chunks = Array.from({ length: 16 }, (_, i) => randomBytes(16_384 + i));
    const response = await post(`${server.url}/api/items?x=1&y=%2F`, chunks, {
      'x-custom': 'kept',
      'content-type': 'application/octet-stream',
    });
    expect(response.status).toBe(299);
    expect(response.headers['x-method']).toBe('POST');
    expect(response.headers['x-url']).toBe('/api/items?x=1&y=%2F');
    expect(response.headers['x-custom']).toBe('kept');
    expect(response.headers['x-content-type']).toBe('application/octet-stream');
    expect(response.body.equals(Buffer.concat(chunks))).toBe(true);
    expect(seen.count).toBe(1);

    // Near misses of the prefix are the app's, as are case variants and `//health`.
    for (const path of [
      '/healthz',
      '/healthz?x=1',
      '/health-admin',
      '/health-admin/live',
      '/healthy/live',
      '/Health/live',
      '/HEALTH',
      '//health/live',
      '/api/health/live',
      '/',
    ]) {
      const other = await fetch(`${server.url}${path}`, {
        method: 'PATCH',
        headers: { 'x-custom': path },
        body: `body of ${path}`,
      });
      expect(other.status, path).toBe(299);
      expect(other.headers.get('x-url'), path).toBe(path);
      expect(other.headers.get('x-method')).toBe('PATCH');
      expect(other.headers.get('x-custom')).toBe(path);
      expect(await other.text()).toBe(`body of ${path}`);
    }
    expect(seen.count).toBe(11);
  });

  it("probes skip the app's middleware, even one that rejects every request", async () => {
    let hits = 0;
    const app = makeApp((_req, res) => {
      hits++;
      res.writeHead(401, { 'content-type': 'text/plain' }).end('denied');
    });
    const server = await serve(withHealth(app, runner()));
    for (const path of ['/health', '/health/live', '/health/ready', '/health/startup']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    expect(hits).toBe(0);
    expect((await fetch(`${server.url}/api`)).status).toBe(401);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(401);
    expect(hits).toBe(2);
  });
});

describe('withHealth options and composition', () => {
  it('serves a custom, nested prefix on its segment boundary only', async () => {
    const server = await serve(
      withHealth(express4().use(echo), runner(true), {
        prefix: '/_/probes',
        statusCodes: { DOWN: 500 },
      }),
    );
    expect((await fetch(`${server.url}/_/probes/live`)).status).toBe(200);
    expect((await fetch(`${server.url}/_/probes/ready`)).status).toBe(500);
    expect((await fetch(`${server.url}/_/probes?verbose`)).status).toBe(500);
    expect((await fetch(`${server.url}/_/probesz/live`)).status).toBe(299);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(299);
    expect((await fetch(`${server.url}/_/live`)).status).toBe(299);
  });

  it('restores req.url before returning, so a logger on finish sees the full path', async () => {
    const logged: (string | undefined)[] = [];
    const listener = withHealth(echo, runner());
    const server = await serve((req, res) => {
      res.on('finish', () => logged.push(req.url));
      listener(req, res);
    });
    await (await fetch(`${server.url}/health/ready?x=1`)).text();
    await (await fetch(`${server.url}/health`)).text();
    await (await fetch(`${server.url}/health?verbose`)).text();
    await (await fetch(`${server.url}/healthz`)).text();
    expect(logged).toEqual(['/health/ready?x=1', '/health', '/health?verbose', '/healthz']);
  });

  it('builds a runner from HealthOptions, as healthRouter does', async () => {
    const server = await serve(withHealth(echo, { checks: { db: () => false } }));
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(503);
  });

  it('does not wrap or touch the server listeners', async () => {
    const server = createServer(withHealth(echo, runner()));
    expect(server.listenerCount('request')).toBe(1);
    expect(server.listenerCount('upgrade')).toBe(0);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a prefix without a leading slash', { prefix: 'health' }, 'prefix', /such as '\/health'/],
    ['a prefix with a trailing slash', { prefix: '/health/' }, 'prefix', /trailing/],
    ['the root as prefix', { prefix: '/' }, 'prefix', /trailing/],
    ['an empty prefix', { prefix: '' }, 'prefix', /leading/],
    ['a prefix with a query', { prefix: '/health?x=1' }, 'prefix', /'\?'/],
    ['a prefix with a fragment', { prefix: '/health#x' }, 'prefix', /'#'/],
    ['a prefix with an empty segment', { prefix: '//health' }, 'prefix', /such as/],
    ['a prefix with a space', { prefix: '/he alth' }, 'prefix', /such as/],
    ['a prefix that is a number', { prefix: 42 }, 'prefix', /expected string/],
    ['a misspelt prefix', { prefx: '/h' }, 'prefx', /Did you mean `prefix`\?/],
    ['a bad router option', { statusCodes: { DOWN: 99 } }, 'statusCodes.DOWN', />=200/],
    ['a bad stream option', { stream: { maxClients: 0 } }, 'stream.maxClients', />=1/],
  ])('rejects %s at construction, naming withHealth()', (_label, options, option, message) => {
    const health = runner();
    let error: unknown;
    try {
      withHealth(echo, health, options as WithHealthOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HealthOptionsError);
    expect((error as HealthOptionsError).option).toBe(option);
    expect((error as Error).message).toMatch(/^withHealth\(\): /);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects an app that is not a function, and does not alter a frozen options object', () => {
    const health = runner();
    expect(() => withHealth(health as unknown as HealthFastPathApp, health)).toThrow(
      /withHealth\(\): expected an app or a request listener/,
    );
    const options = Object.freeze({ prefix: '/probe', statusCodes: Object.freeze({ DOWN: 500 }) });
    expect(() => withHealth(echo, health, options)).not.toThrow();
    expect(options).toEqual({ prefix: '/probe', statusCodes: { DOWN: 500 } });
  });

  it('types: every app kind fits, and the options are the router options plus prefix', () => {
    expectTypeOf(express4()).toExtend<HealthFastPathApp>();
    expectTypeOf(express()).toExtend<HealthFastPathApp>();
    expectTypeOf(connect()).toExtend<HealthFastPathApp>();
    expectTypeOf<Omit<WithHealthOptions, 'prefix'>>().toEqualTypeOf<HealthRouterOptions>();
    expectTypeOf<WithHealthOptions['prefix']>().toEqualTypeOf<string | undefined>();
  });
});
