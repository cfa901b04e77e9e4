import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealth,
  detailed,
  healthRouter,
  HealthOptionsError,
  readiness,
  sseStream,
  startup,
  type Health,
} from '../lib/index.js';
import { listen } from './helpers/server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const GRAFANA = 'https://grafana.example.com';

function runner(): Health {
  const health = createHealth({ checks: { database: () => true } });
  cleanups.push(() => health.close());
  return health;
}

async function serve(handler: Parameters<typeof listen>[0]) {
  const server = await listen(handler);
  cleanups.push(() => server.close());
  return server;
}

/** A request's status and headers; the stream is cut once the headers came. */
function head(url: string, method: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('cors: off by default', () => {
  it('no Access-Control-* header on any route, and OPTIONS is a 405', async () => {
    const server = await serve(healthRouter(runner()));
    for (const path of ['/', '/live', '/ready', '/startup', '/stream']) {
      const response = await head(`${server.url}${path}`, 'GET', { origin: GRAFANA });
      expect(response.headers['access-control-allow-origin'], path).toBeUndefined();
      expect(response.headers.vary, path).toBeUndefined();
    }
    const preflight = await head(`${server.url}/stream`, 'OPTIONS', {
      origin: GRAFANA,
      'access-control-request-method': 'GET',
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.allow).toBe('GET, HEAD');
  });
});

describe('cors: a list of origins', () => {
  it('echoes an allowed Origin with Vary: Origin on every route of the router, stream included', async () => {
    const server = await serve(healthRouter(runner(), { cors: [GRAFANA, 'null'] }));
    for (const path of [
      '/',
      '/live',
      '/ready',
      '/ready/database',
      '/startup',
      '/stream',
      '/$stream',
    ]) {
      const allowed = await head(`${server.url}${path}`, 'GET', { origin: GRAFANA });
      expect(allowed.status, path).toBe(200);
      expect(allowed.headers['access-control-allow-origin'], path).toBe(GRAFANA);
      expect(allowed.headers.vary, path).toBe('Origin');
      expect(allowed.headers['access-control-allow-credentials'], path).toBeUndefined();
      // A page opened from a file:// URL sends `Origin: null`, allowed here because listed.
      const file = await head(`${server.url}${path}`, 'GET', { origin: 'null' });
      expect(file.headers['access-control-allow-origin'], path).toBe('null');
      const other = await head(`${server.url}${path}`, 'GET', { origin: 'https://evil.example' });
      expect(other.status, path).toBe(200);
      expect(other.headers['access-control-allow-origin'], path).toBeUndefined();
      // Vary even when refused: a shared cache must not hand this answer to Grafana.
      expect(other.headers.vary, path).toBe('Origin');
    }
  });

  it('answers a preflight 204 for an allowed origin, without the allow headers for another', async () => {
    const server = await serve(healthRouter(runner(), { cors: GRAFANA }));
    const preflight = {
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'last-event-id',
    };
    const allowed = await head(`${server.url}/stream`, 'OPTIONS', {
      origin: GRAFANA,
      ...preflight,
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': GRAFANA,
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-allow-headers': 'Last-Event-ID',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    const refused = await head(`${server.url}/ready`, 'OPTIONS', {
      origin: 'https://evil.example',
      ...preflight,
    });
    expect(refused.status).toBe(204);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();
    // An OPTIONS that is no preflight, and other methods, stay 405.
    expect((await head(`${server.url}/ready`, 'OPTIONS', { origin: GRAFANA })).status).toBe(405);
    expect((await head(`${server.url}/ready`, 'POST', { origin: GRAFANA })).status).toBe(405);
  });

  it('keeps a Vary an earlier middleware set, and the 400 and 503 answers carry the header too', async () => {
    const stream = sseStream(runner(), { cors: GRAFANA, maxClients: 1 });
    const server = await serve((req, res) => {
      res.setHeader('Vary', 'Accept-Encoding');
      stream(req, res);
    });
    const first = await head(`${server.url}/?poll_interval=0.5`, 'GET', { origin: GRAFANA });
    expect(first.headers.vary).toBe('Accept-Encoding, Origin');
    const bad = await head(`${server.url}/?poll_interval=abc`, 'GET', { origin: GRAFANA });
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe(GRAFANA);
  });
});

describe("cors: '*'", () => {
  it('answers Access-Control-Allow-Origin: * without Vary, on each probe factory', async () => {
    const health = runner();
    for (const handler of [
      detailed(health, { cors: '*' }),
      readiness(health, { cors: '*' }),
      startup(health, { cors: '*' }),
    ]) {
      const server = await serve(handler);
      const response = await head(server.url, 'GET', { origin: 'null' });
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers.vary).toBeUndefined();
    }
  });

  it('a stream option overrides the router option', async () => {
    const server = await serve(healthRouter(runner(), { cors: '*', stream: { cors: false } }));
    const stream = await head(`${server.url}/stream`, 'GET', { origin: GRAFANA });
    expect(stream.headers['access-control-allow-origin']).toBeUndefined();
    const ready = await head(`${server.url}/ready`, 'GET', { origin: GRAFANA });
    expect(ready.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('cors: invalid values throw at construction, naming the option', () => {
  const bad: [string, unknown][] = [
    ['true (reflecting any origin is what `*` says openly)', true],
    ['a trailing slash', 'https://grafana.example.com/'],
    ['a path', 'https://grafana.example.com/d/health'],
    ['upper case', 'https://Grafana.example.com'],
    ['no scheme', 'grafana.example.com'],
    ['another scheme', 'ftp://grafana.example.com'],
    ['an empty list', []],
    ['a list with a bad entry', [GRAFANA, '*']],
  ];
  it.each(bad)('%s', (_name, cors) => {
    const health = runner();
    for (const [where, make] of [
      ['readiness()', () => readiness(health, { cors } as never)],
      ['sseStream()', () => sseStream(health, { cors } as never)],
      ['healthRouter()', () => healthRouter(health, { cors } as never)],
    ] as const) {
      let error: unknown;
      try {
        make();
      } catch (caught) {
        error = caught;
      }
      expect(error, where).toBeInstanceOf(HealthOptionsError);
      expect((error as HealthOptionsError).message, where).toMatch(
        new RegExp(`^${where.replace(/[()]/g, '\\$&')}: invalid option \`cors`),
      );
      expect((error as HealthOptionsError).option.startsWith('cors'), where).toBe(true);
    }
  });
});
