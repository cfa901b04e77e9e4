import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealth,
  healthRouter,
  history,
  historyBodySchema,
  HealthOptionsError,
  withHealth,
  type Health,
} from '../lib/index.js';
import { fakeClock } from './helpers/clock.js';
import { HOSTS } from './helpers/hosts.js';
import { listen, type TestServer } from './helpers/server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const XSS = '<img src=x onerror=alert(1)>';

/** A runner whose `db` went UP, DOWN (with a message) for 20 s, then UP again, over 60 s. */
async function recorded(options: { history?: false } = {}): Promise<Health> {
  const clock = fakeClock();
  let down = false;
  const health = createHealth({
    clock: clock.now,
    cacheTtlMs: 0,
    ...options,
    checks: {
      db: () => (down ? { status: 'DOWN', message: `refused ${XSS}` } : true),
      cache: () => true,
    },
  });
  for (let second = 0; second <= 60; second++) {
    down = second >= 20 && second < 40;
    await health.run();
    clock.advance(1000);
  }
  clock.advance(-1000);
  return health;
}

async function get(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { response, text, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe.each(HOSTS)('GET /history under %s', (_name, prefix, mount) => {
  it('answers every check, one check, 404 for an unknown one, 400 for a bad query, HEAD, 405', async () => {
    const health = await recorded();
    const server = await listen(mount(healthRouter(health)));
    servers.push(server);
    const base = `${server.url}${prefix}/history`;

    const all = await get(base);
    expect(all.response.status).toBe(200);
    expect(all.response.headers.get('cache-control')).toBe('no-store');
    expect(all.response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = historyBodySchema.parse(all.json);
    expect(Object.keys(body.checks)).toEqual(['db', 'cache']);
    const db = body.checks.db;
    expect(db?.runs.at).toHaveLength(61);
    expect(db?.runs.status.filter((s) => s === 'DOWN')).toHaveLength(20);
    expect(db?.transitions.map((t) => [t.from, t.to])).toEqual([
      [undefined, 'UP'],
      ['UP', 'DOWN'],
      ['DOWN', 'UP'],
    ]);
    expect(db?.transitions[1]?.message).toBe(`refused ${XSS}`);
    // DOWN 20 s of the 60 s covered.
    expect(db?.uptime['5m']?.up).toBeCloseTo(40 / 60, 3);
    expect(db?.uptime['1h']?.coveredSeconds).toBe(60);
    expect(body.service.transitions.map((t) => t.to)).toEqual(['UP', 'DOWN', 'UP']);

    const one = await get(`${base}?check=cache`);
    expect(one.response.status).toBe(200);
    expect(Object.keys(historyBodySchema.parse(one.json).checks)).toEqual(['cache']);
    // Trailing slash and cache busters, as on every route.
    expect((await get(`${base}/?check=db&_=1`)).response.status).toBe(200);

    const unknown = await get(`${base}?check=nope`);
    expect([unknown.response.status, unknown.json]).toEqual([404, { error: 'not found' }]);
    for (const query of ['check=', 'check=db&check=cache', `check=${'x'.repeat(201)}`]) {
      const bad = await get(`${base}?${query}`);
      expect(bad.response.status).toBe(400);
      expect(bad.json).toMatchObject({ parameter: 'check', error: expect.any(String) as string });
    }

    const head = await get(base, { method: 'HEAD' });
    expect(head.response.status).toBe(200);
    expect(head.text).toBe('');
    expect(Number(head.response.headers.get('content-length'))).toBe(Buffer.byteLength(all.text));

    const post = await get(base, { method: 'POST' });
    expect(post.response.status).toBe(405);
    expect(post.response.headers.get('allow')).toBe('GET, HEAD');
    // Under a framework the router hands an unknown path to next(): the app's own 404.
    expect((await fetch(`${base}/more`)).status).toBe(404);
  });

  it("with showDetails: 'never' sends no message, statuses and uptime still", async () => {
    const health = await recorded();
    const server = await listen(mount(healthRouter(health, { showDetails: 'never' })));
    servers.push(server);
    const { response, text, json } = await get(`${server.url}${prefix}/history`);
    expect(response.status).toBe(200);
    expect(text).not.toContain('refused');
    const body = historyBodySchema.parse(json);
    expect(body.checks.db?.transitions.map((t) => t.to)).toEqual(['UP', 'DOWN', 'UP']);
    expect(body.checks.db?.transitions.every((t) => !('message' in t))).toBe(true);
    expect(body.checks.db?.uptime['5m']?.up).toBeCloseTo(40 / 60, 3);
  });

  it('answers 404 "history is off" when the runner keeps none', async () => {
    const health = await recorded({ history: false });
    const server = await listen(mount(healthRouter(health)));
    servers.push(server);
    const off = await get(`${server.url}${prefix}/history?check=db`);
    expect([off.response.status, off.json]).toEqual([404, { error: 'history is off' }]);
  });
});

describe('history()', () => {
  it('a details function decides per request; one that throws denies', async () => {
    const health = await recorded();
    const handler = history(health, {
      showDetails: (req) => {
        if (req.headers['x-fail'] !== undefined) throw new Error('boom');
        return req.headers['x-admin'] === '1';
      },
    });
    const server = await listen(handler);
    servers.push(server);
    expect((await get(server.url, { headers: { 'x-admin': '1' } })).text).toContain('refused');
    expect((await get(server.url)).text).not.toContain('refused');
    expect((await get(server.url, { headers: { 'x-fail': '1' } })).text).not.toContain('refused');
  });

  it('takes cors as the other JSON routes do', async () => {
    const health = await recorded();
    const server = await listen(healthRouter(health, { cors: 'https://ops.example.com' }));
    servers.push(server);
    const allowed = await get(`${server.url}/history`, {
      headers: { origin: 'https://ops.example.com' },
    });
    expect(allowed.response.headers.get('access-control-allow-origin')).toBe(
      'https://ops.example.com',
    );
    const preflight = await fetch(`${server.url}/history`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
  });

  it('is served by withHealth under its prefix', async () => {
    const health = await recorded();
    const server = await listen(withHealth(() => undefined, health, { prefix: '/ops/health' }));
    servers.push(server);
    const { response, json } = await get(`${server.url}/ops/health/history?check=db`);
    expect(response.status).toBe(200);
    expect(Object.keys(historyBodySchema.parse(json).checks)).toEqual(['db']);
  });

  it('rejects bad options at construction, naming the factory and the option', () => {
    const health = createHealth({ checks: {} });
    expect(() => history(health, { showDetails: 'sometimes' as 'never' })).toThrow(
      HealthOptionsError,
    );
    expect(() => history(health, { format: 'x' } as never)).toThrow(
      /history\(\): unknown option `format`/,
    );
  });

  it('follows a check registered at run time', async () => {
    const clock = fakeClock();
    const health = createHealth({ clock: clock.now, cacheTtlMs: 0, checks: { db: () => true } });
    await health.run();
    health.register('late', () => ({ status: 'DEGRADED', message: 'slow' }));
    await health.run();
    const server = await listen(history(health));
    servers.push(server);
    const body = historyBodySchema.parse((await get(`${server.url}?check=late`)).json);
    expect(body.checks.late?.transitions).toEqual([
      { at: new Date(clock.now()).toISOString(), to: 'DEGRADED', message: 'slow' },
    ]);
  });
});
