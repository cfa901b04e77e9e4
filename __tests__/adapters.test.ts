import { expectTypeOf } from 'vitest';
import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import Koa from 'koa';
import { fastifyHealth } from '../lib/fastify.js';
import {
  createHealth,
  fetchHandler,
  HealthOptionsError,
  historyBodySchema,
  type Health,
} from '../lib/index.js';
import { koaHealth } from '../lib/koa.js';
import { fakeClock } from './helpers/clock.js';
import { CONTRACT_HOSTS, type HostServer } from './helpers/hosts.js';
import { listen } from './helpers/server.js';
import { openStream, waitUntil, type SseClient } from './helpers/sse.js';

const hosts = CONTRACT_HOSTS.map((host) => [host.name, host] as const);

describe.each(hosts)('the stream under %s', (_name, host) => {
  let server: HostServer | undefined;
  let health: Health | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close();
    server = undefined;
    health?.close();
  });

  async function open(runner: Health, query = '?poll_interval=0.1') {
    health = runner;
    server ??= await host.serve(runner);
    const client = await openStream(`${server.url}${host.prefix}/stream${query}`);
    clients.push(client);
    return client;
  }

  it('sends events, and a client that disconnects releases its subscription', async () => {
    let up = true;
    const client = await open(createHealth({ cacheTtlMs: 0, checks: { db: () => up } }));
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.retryMs).toBeGreaterThan(0);
    await client.until(() => client.events.length >= 1, 2000, 'first event');
    up = false;
    await client.until(
      () => client.events.some((event) => event.report.status === 'DOWN'),
      3000,
      'a DOWN event',
    );
    expect(client.events[0]?.event).toBe('health');
    expect(server?.streams()).toBe(1);
    client.close();
    await waitUntil(() => server?.streams() === 0, 3000, 'subscription released');
  });

  it('?history=1 sends history events beside the reports', async () => {
    const client = await open(createHealth({ checks: { db: () => true } }), '?history=1');
    await client.until(
      () => client.events.some((event) => event.event === 'history'),
      3000,
      'a history event',
    );
    expect(client.events.some((event) => event.event === 'health')).toBe(true);
  });

  it('shutdown ends every stream with a final shutting-down event', async () => {
    const runner = createHealth({ checks: { db: () => true } });
    const first = await open(runner);
    const second = await open(runner, '?poll_interval=0.5&format=health%2Bjson');
    await first.until(() => first.events.length >= 1, 2000, 'first event');
    await second.until(() => second.events.length >= 1, 2000, 'first event');
    runner.markShuttingDown();
    await Promise.all([first.ended, second.ended]);
    expect(first.events.at(-1)?.report).toMatchObject({
      status: 'DOWN',
      message: 'shutting down',
    });
    expect(second.events.at(-1)?.report).toMatchObject({ status: 'fail' });
    await waitUntil(() => server?.streams() === 0, 3000, 'subscriptions released');
  });
});

describe.each(hosts)('GET /history under %s', (_name, host) => {
  let server: HostServer | undefined;
  let health: Health | undefined;
  afterEach(async () => {
    await server?.close();
    health?.close();
  });

  it('answers the history, one check, 404 for an unknown one, 400, HEAD and 405, as healthRouter', async () => {
    let down = false;
    // A still clock: the body (uptime, ages) is the same on every request.
    const clock = fakeClock();
    health = createHealth({
      clock: clock.now,
      cacheTtlMs: 0,
      checks: { db: () => (down ? { status: 'DOWN', message: 'secret refusal' } : true) },
    });
    await health.run();
    clock.advance(1000);
    down = true;
    await health.run();
    server = await host.serve(health, { showDetails: 'never' });
    const base = `${server.url}${host.prefix}/history`;
    const all = await fetch(base);
    expect(all.status).toBe(200);
    expect(all.headers.get('cache-control')).toBe('no-store');
    const text = await all.text();
    expect(historyBodySchema.safeParse(JSON.parse(text)).success).toBe(true);
    expect(text).not.toContain('secret refusal');
    expect((await fetch(`${base}?check=db`)).status).toBe(200);
    const unknown = await fetch(`${base}?check=nope`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'not found' }]);
    const bad = await fetch(`${base}?check=a&check=b`);
    expect([bad.status, ((await bad.json()) as { parameter?: string }).parameter]).toEqual([
      400,
      'check',
    ]);
    const head = await fetch(base, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    const post = await fetch(base, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });
});

describe('fetchHandler', () => {
  let health: Health | undefined;
  afterEach(() => health?.close());

  it('is a Fetch API handler whose types name no node:http type', () => {
    const handler = fetchHandler(createHealth());
    expectTypeOf(handler).toExtend<(request: Request) => Promise<Response>>();
    expectTypeOf<Parameters<typeof fetchHandler>[1]>().toExtend<
      | { showDetails?: 'always' | 'never' | ((request: Request) => boolean | Promise<boolean>) }
      | undefined
    >();
  });

  it('ends the stream body and releases it when the request signal aborts', async () => {
    health = createHealth({ checks: { db: () => true } });
    const handler = fetchHandler(health);
    const controller = new AbortController();
    const response = await handler(
      new Request('http://localhost/health/stream?poll_interval=0.1', {
        signal: controller.signal,
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: health')) {
      const chunk = await reader.read();
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toMatch(/^retry: \d+\n\n/);
    expect(handler.stats().clients).toBe(1);
    controller.abort();
    expect(handler.stats().clients).toBe(0);
    let done = false;
    while (!done) done = (await reader.read()).done;
  });

  it('answers paths outside the prefix with fallback, or 404 JSON without one', async () => {
    health = createHealth();
    const bare = await fetchHandler(health)(new Request('http://localhost/other'));
    expect(bare.status).toBe(404);
    expect(await bare.json()).toEqual({ error: 'not found' });
    const withApp = fetchHandler(health, {
      prefix: '/_probes',
      fallback: () => new Response('app', { status: 200 }),
    });
    expect(await (await withApp(new Request('http://localhost/health/live'))).text()).toBe('app');
    expect(await (await withApp(new Request('http://localhost/_probes/live'))).json()).toEqual({
      status: 'UP',
    });
  });

  it('hands showDetails the Request itself', async () => {
    health = createHealth({ checks: { db: () => ({ status: 'DOWN', message: 'secret' }) } });
    const handler = fetchHandler(health, {
      showDetails: (request) => request.headers.get('authorization') === 'Bearer ok',
    });
    const denied = await handler(new Request('http://localhost/health/ready'));
    expect(await denied.text()).not.toContain('secret');
    const allowed = await handler(
      new Request('http://localhost/health/ready', { headers: { authorization: 'Bearer ok' } }),
    );
    expect(await allowed.text()).toContain('secret');
  });

  it("passed uncalled as a server's fetch handler, answers 500 and warns with the fix", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const asServer = fetchHandler as unknown as (request: Request) => Promise<Response>;
      const response = await asServer(new Request('http://localhost/health/live'));
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ status: 'DOWN', error: 'internal error' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([
        'health-probes: fetchHandler() must be called: serve({ fetch: fetchHandler(health) })',
      ]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rejects an invalid option at construction, naming the factory', () => {
    expect(() => fetchHandler(createHealth(), { prefix: 'health/' })).toThrow(HealthOptionsError);
    expect(() => fetchHandler(createHealth(), { prefix: 'health/' })).toThrow(/fetchHandler\(\)/);
  });
});

describe('fastifyHealth', () => {
  it('fastify.close() ends open streams, and with closeHealth closes the runner', async () => {
    const health = createHealth({ checks: { db: () => true } });
    const app = Fastify();
    await app.register(fastifyHealth, { health, prefix: '/health', closeHealth: true });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = await openStream(`${url}/health/stream?poll_interval=0.1`);
    await client.until(() => client.events.length >= 1, 2000, 'first event');
    await app.close();
    await client.ended;
    expect(client.isEnded).toBe(true);
    // health.close() was called: the runner is shutting down for good.
    expect(health.shuttingDown).toBe(true);
    await waitUntil(() => health.listenerCount('shutdown') === 0, 3000, 'subscription released');
  });

  it('hands showDetails the FastifyRequest, and leaves the runner open by default', async () => {
    const health = createHealth({ checks: { db: () => ({ status: 'DOWN', message: 'secret' }) } });
    const app = Fastify();
    await app.register(fastifyHealth, {
      health,
      prefix: '/health',
      showDetails: (request) => request.headers['x-admin'] === 'yes',
    });
    const denied = await app.inject({ url: '/health/ready' });
    expect(denied.statusCode).toBe(503);
    expect(denied.body).not.toContain('secret');
    const allowed = await app.inject({ url: '/health/ready', headers: { 'x-admin': 'yes' } });
    expect(allowed.body).toContain('secret');
    await app.close();
    expect(health.shuttingDown).toBe(false);
    health.close();
  });

  it('keeps a Vary an earlier hook set, adding Origin for a cors list', async () => {
    const health = createHealth();
    const app = Fastify();
    app.addHook('onRequest', (_request, reply, done) => {
      void reply.header('vary', 'Accept-Encoding');
      done();
    });
    await app.register(fastifyHealth, { health, prefix: '/health', cors: 'https://a.example' });
    const response = await app.inject({
      url: '/health/ready',
      headers: { origin: 'https://a.example' },
    });
    expect(response.headers.vary).toBe('Accept-Encoding, Origin');
    expect(response.headers['access-control-allow-origin']).toBe('https://a.example');
    await app.close();
    health.close();
  });

  it('reports a health that is not a Health at register', async () => {
    const app = Fastify();
    await expect(
      app.register(fastifyHealth, { health: JSON.parse('{}') as Health, prefix: '/health' }),
    ).rejects.toThrow(/fastifyHealth: the first argument must be a Health/);
    await app.close();
  });
});

describe('koaHealth', () => {
  it('keeps a Vary an earlier middleware set, adding Origin for a cors list', async () => {
    const health = createHealth();
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.set('Vary', 'Accept-Encoding');
      await next();
    });
    app.use(koaHealth(health, { cors: 'https://a.example' }));
    const callback = app.callback();
    const server = await listen((req, res) => void callback(req, res));
    try {
      const response = await fetch(`${server.url}/health/ready`, {
        headers: { origin: 'https://a.example' },
      });
      expect(response.headers.get('vary')).toBe('Accept-Encoding, Origin');
    } finally {
      await server.close();
      health.close();
    }
  });

  it('rejects an invalid option at construction, naming the factory', () => {
    expect(() => koaHealth(createHealth(), { prefix: '/health/' })).toThrow(/koaHealth\(\)/);
  });
});
