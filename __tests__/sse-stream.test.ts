import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealth,
  healthRouter,
  HealthOptionsError,
  type Check,
  type CheckFunction,
  type Health,
  type HealthOptions,
} from '../lib/index.js';
import { sseStream, type SseStreamHandler } from '../lib/middleware/sse-stream.js';
import type { StreamOptions } from '../lib/stream/options.js';
import { fakeClock } from './helpers/clock.js';
import { deferred } from './helpers/deferred.js';
import { listen, type TestServer } from './helpers/server.js';
import {
  activeResources,
  countingTimers,
  openStream,
  waitUntil,
  type SseClient,
} from './helpers/sse.js';

interface Fixture {
  readonly health: Health;
  readonly stream: SseStreamHandler;
  readonly server: TestServer;
  readonly url: string;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(
  checks: Record<string, Check>,
  options: StreamOptions = {},
  healthOptions: HealthOptions = {},
): Promise<Fixture> {
  const health = createHealth({ cacheTtlMs: 0, ...healthOptions, checks });
  const stream = sseStream(health, options);
  const server = await listen(stream);
  cleanups.push(
    () => server.close(),
    () => health.close(),
  );
  return { health, stream, server, url: server.url };
}

async function open(url: string): Promise<SseClient> {
  const client = await openStream(url);
  cleanups.push(() => client.close());
  return client;
}

const increasing = (ids: number[]) => ids.every((id, i) => i === 0 || id > ids[i - 1]!);

/** A check whose status the test sets. */
function switchable(initial: 'UP' | 'DOWN' = 'UP') {
  const state: { status: 'UP' | 'DOWN' } = { status: initial };
  const check: CheckFunction = () => ({ status: state.status });
  return { state, check };
}

describe('sseStream() framing', () => {
  it('answers 200 with event-stream headers, a retry line first and the first event at once', async () => {
    const f = await serve({ database: () => true }, { retryMs: 1500 });
    const started = performance.now();
    // 300 s between polls: the first event cannot come from the poll.
    const client = await open(`${f.url}/?poll_interval=300`);
    await client.until(() => client.events.length === 1, 2000, 'the first event');

    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.order.slice(0, 2)).toEqual(['retry', 'event']);
    expect(client.retryMs).toBe(1500);
    const [first] = client.events;
    expect(first!.at - started).toBeLessThan(1500);
    expect(first).toMatchObject({ id: '1', event: 'health' });
    expect(first!.report).toMatchObject({
      status: 'UP',
      uptimeSeconds: expect.any(Number) as number,
      components: { database: { status: 'UP', critical: true } },
    });
  });

  it('is a 200 even when DOWN, with ids increasing', async () => {
    const f = await serve({ database: () => false });
    const client = await open(`${f.url}/?poll_interval=0.1`);
    await client.until(() => client.events.length >= 5, 5000, 'five events');

    expect(client.status).toBe(200);
    // One client, one poll: every report framed went to it.
    expect(client.events.slice(0, 5).map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(client.events.every((e) => e.report.status === 'DOWN')).toBe(true);
  });

  it("writes the detailed body as one `data:` line, as servicekit's Python clients read it", async () => {
    const f = await serve({ database: () => ({ status: 'UP', message: 'line one\nline two' }) });
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${f.url}/$stream`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          const data = body.indexOf('data: ');
          if (data !== -1 && body.includes('\n\n', data)) {
            req.destroy();
            resolve(body);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });

    expect(text).toMatch(/^retry: 3000\n\nid: 1\nevent: health\ndata: \{/);
    // json.loads(line[6:])["status"]
    const line = text.split('\n').find((l) => l.startsWith('data: '))!;
    const report = JSON.parse(line.slice(6)) as { status: string; components: object };
    expect(report.status).toBe('UP');
    expect(report.components).toMatchObject({ database: { message: 'line one line two' } });
  });

  it('sends `: ping` every heartbeatMs', async () => {
    const f = await serve({ database: () => true }, { heartbeatMs: 50 });
    const client = await open(`${f.url}/?poll_interval=300`);
    await client.until(() => client.comments.length >= 3, 3000, 'three heartbeats');

    expect(client.comments.slice(0, 3)).toEqual(['ping', 'ping', 'ping']);
    expect(client.events).toHaveLength(1);
  });

  it('answers HEAD with the headers only, and other methods with 405', async () => {
    const f = await serve({ database: () => true });
    const head = await fetch(f.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await head.text()).toBe('');
    const post = await fetch(f.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(f.stream.stats()).toEqual({ clients: 0, pollers: 0, blocked: 0 });
  });
});

describe('sseStream() change detection', () => {
  it('with changes=1 sends UP, DOWN, UP across the transitions only, heartbeats going on', async () => {
    const database = switchable();
    const f = await serve({ database: database.check }, { heartbeatMs: 50 });
    const changes = await open(`${f.url}/?poll_interval=0.1&changes=1`);
    const every = await open(`${f.url}/?poll_interval=0.1`);
    const statuses = () => changes.events.map((e) => e.report.status);
    const count = (status: string) => every.events.filter((e) => e.report.status === status).length;

    await every.until(() => count('UP') >= 4, 5000, 'four UP polls');
    await changes.until(() => changes.comments.length >= 2, 3000, 'heartbeats');
    expect(statuses()).toEqual(['UP']);

    database.state.status = 'DOWN';
    await changes.until(() => changes.events.length === 2, 5000, 'the DOWN event');
    await every.until(() => count('DOWN') >= 4, 5000, 'four DOWN polls');
    expect(statuses()).toEqual(['UP', 'DOWN']);

    database.state.status = 'UP';
    await changes.until(() => changes.events.length === 3, 5000, 'the UP event');
    const seen = every.events.length;
    await every.until(() => every.events.length >= seen + 4, 5000, 'four more polls');

    expect(statuses()).toEqual(['UP', 'DOWN', 'UP']);
    expect(increasing(changes.events.map((e) => Number(e.id)))).toBe(true);
    expect(f.stream.stats()).toMatchObject({ clients: 2, pollers: 1 });
  });

  it('sends a component change that leaves the aggregate as it was', async () => {
    const a = switchable();
    const b = switchable('DOWN');
    const f = await serve({
      a: { check: a.check, critical: false },
      b: { check: b.check, critical: false },
    });
    const client = await open(`${f.url}/?poll_interval=0.1&changes=true`);
    await client.until(() => client.events.length === 1, 3000, 'the first event');
    expect(client.events[0]!.report.status).toBe('DEGRADED');

    a.state.status = 'DOWN';
    b.state.status = 'UP';
    await client.until(() => client.events.length === 2, 5000, 'the component change');
    const report = client.events[1]!.report;
    expect(report.status).toBe('DEGRADED');
    expect(report.components.a?.status).toBe('DOWN');
    expect(report.components.b?.status).toBe('UP');
  });

  it('onlyChanges makes change mode the default, and changes=0 asks for every poll', async () => {
    const f = await serve({ database: () => true }, { onlyChanges: true });
    const quiet = await open(`${f.url}/?poll_interval=0.1`);
    const every = await open(`${f.url}/?poll_interval=0.1&changes=0`);
    await every.until(() => every.events.length >= 5, 5000, 'five polls');
    expect(quiet.events).toHaveLength(1);
  });
});

describe('sseStream() shared polling', () => {
  it('200 concurrent clients on one interval: the check runs once per TTL', async () => {
    const clock = fakeClock();
    let runs = 0;
    const f = await serve(
      {
        database: () => {
          runs++;
        },
      },
      {},
      { cacheTtlMs: 60_000, clock: clock.now },
    );
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => open(`${f.url}/?poll_interval=0.1`)),
    );
    for (const client of clients) await client.until(() => client.events.length >= 3, 10_000);

    expect(f.stream.stats()).toEqual({ clients: 200, pollers: 1, blocked: 0 });
    expect(runs).toBe(1);

    clock.advance(60_001);
    const seen = clients.map((c) => c.events.length);
    for (const [i, client] of clients.entries()) {
      await client.until(() => client.events.length >= seen[i]! + 2, 10_000);
    }
    expect(runs).toBe(2);
    // Every client saw the same reports: the one before and the one after the TTL.
    const timestamps = new Set(clients.flatMap((c) => c.events.map((e) => e.report.timestamp)));
    expect(timestamps.size).toBeLessThanOrEqual(2);
  });

  it('a client gone before the stream handler runs (after an async middleware) is not kept', async () => {
    const timers = countingTimers();
    const health = createHealth({ checks: { database: () => true } });
    const stream = sseStream(health, { timers });
    const reached = deferred();
    const server = await listen((req, res) => {
      // An async middleware in front: the client leaves before the stream is reached.
      res.once('close', () => {
        stream(req, res);
        reached.resolve();
      });
    });
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    const client = connect({ port: server.port, host: '127.0.0.1' });
    client.end('GET /?poll_interval=0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    client.once('data', () => client.destroy());
    client.once('end', () => client.destroy());
    await reached.promise;
    expect(stream.stats()).toEqual({ clients: 0, pollers: 0, blocked: 0 });
    expect(timers.pending).toBe(0);
    expect(health.listenerCount('shutdown')).toBe(0);
  });

  it('1000 connect/disconnect cycles leave no client, poller, timer or listener behind', async () => {
    const timers = countingTimers();
    const f = await serve({ database: () => true }, { timers, heartbeatMs: 20 });
    const listeners = () => ({
      shutdown: f.health.listenerCount('shutdown'),
      change: f.health.listenerCount('change'),
    });
    // Sockets of the tests before may still be closing: start from a quiet process.
    await waitUntil(
      () => activeResources().TCPSocketWrap === undefined && activeResources().TCPServerWrap === 1,
      5000,
      'earlier sockets closed',
    );
    const baseline = { listeners: listeners(), resources: activeResources() };
    let peakPollers = 0;
    const intervals = ['0.1', '0.2', '0.5', '1'];

    for (let batch = 0; batch < 40; batch++) {
      const clients = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          openStream(`${f.url}/?poll_interval=${intervals[i % intervals.length]!}`),
        ),
      );
      peakPollers = Math.max(peakPollers, f.stream.stats().pollers);
      // Half leave at once, the other half after their first event.
      await Promise.all(
        clients.map(async (client, i) => {
          if (i % 2 === 1) await client.until(() => client.events.length >= 1);
          client.close();
        }),
      );
    }
    await waitUntil(() => f.stream.stats().clients === 0, 5000, 'every client gone');

    expect(peakPollers).toBe(intervals.length);
    expect(f.stream.stats()).toEqual({ clients: 0, pollers: 0, blocked: 0 });
    expect(timers.created).toBeGreaterThanOrEqual(2 * intervals.length);
    expect(timers.pending).toBe(0);
    expect(listeners()).toEqual(baseline.listeners);
    // Nothing above the baseline of any type (sockets, timers...) once the sockets closed.
    const above = () =>
      Object.entries(activeResources()).filter(([type, n]) => n > (baseline.resources[type] ?? 0));
    await waitUntil(() => above().length === 0, 5000, 'active resources back to baseline');
    expect(above()).toEqual([]);
  });
});

describe('sseStream() shutdown', () => {
  it('health.close() ends every stream with a final event, so server.close() completes', async () => {
    const health = createHealth({ checks: { database: () => true } });
    const stream = sseStream(health);
    const server = await listen(stream);
    cleanups.push(() => server.close());
    const clients = [
      await open(`${server.url}/?poll_interval=300`),
      await open(`${server.url}/?poll_interval=0.5&changes=1`),
    ];
    for (const client of clients) await client.until(() => client.events.length === 1);

    health.close();
    // Not closeAllConnections(): the streams must end by themselves.
    const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
    for (const client of clients) {
      await Promise.race([client.ended, client.until(() => false, 3000, 'the end of the stream')]);
      expect(client.events.map((e) => e.report.status)).toEqual(['UP', 'DOWN']);
      expect(client.events[1]).toMatchObject({ report: { message: 'shutting down' } });
      expect(increasing(client.events.map((e) => Number(e.id)))).toBe(true);
    }
    await Promise.race([closed, waitUntil(() => false, 3000, 'server.close()')]);
    expect(stream.stats()).toEqual({ clients: 0, pollers: 0, blocked: 0 });
    expect(health.listenerCount('shutdown')).toBe(0);
  });

  it('after shutdown a new client gets one DOWN event and the end of the stream', async () => {
    const f = await serve({ database: () => true });
    f.health.markShuttingDown();
    const client = await open(f.url);
    await Promise.race([client.ended, client.until(() => false, 3000, 'the end of the stream')]);
    expect(client.status).toBe(200);
    expect(client.events.map((e) => [e.id, e.report.status, e.report.message])).toEqual([
      ['1', 'DOWN', 'shutting down'],
    ]);
    expect(f.stream.stats().clients).toBe(0);
  });

  it('a child process serving a stream exits by itself on health.close() + server.close()', async () => {
    const script = fileURLToPath(new URL('helpers/stream-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.once('data', (line: string) => resolve(Number(line.trim())));
      child.once('exit', () => reject(new Error('the child exited before listening')));
    });
    const client = await open(`http://127.0.0.1:${port}/$stream`);
    await client.until(() => client.events.length === 1, 5000);

    const sent = performance.now();
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000).unref()),
    ]);

    expect(code).toBe(0);
    // Well under the child's 120 s keepAliveTimeout: nothing held the process.
    expect(performance.now() - sent).toBeLessThan(10_000);
    await client.ended;
    expect(client.events.at(-1)?.report).toMatchObject({
      status: 'DOWN',
      message: 'shutting down',
    });
  });
});

describe('sseStream() query and limits', () => {
  const bad: [string, string][] = [
    ['NaN', 'poll_interval=NaN'],
    ['-1', 'poll_interval=-1'],
    ['1e309', 'poll_interval=1e309'],
    ['abc', 'poll_interval=abc'],
    ['an array', 'poll_interval=1&poll_interval=2'],
    ['a 10 kB string', `poll_interval=${'1'.repeat(10_240)}`],
    ['empty', 'poll_interval='],
    ['Infinity', 'poll_interval=Infinity'],
    ['below 0.1', 'poll_interval=0.09'],
    ['above 300', 'poll_interval=300.5'],
    ['hexadecimal', 'poll_interval=0x10'],
    ['a leading space', 'poll_interval=%201'],
    ['an exponent', 'poll_interval=1e1'],
  ];

  it.each(bad)('poll_interval %s answers 400 naming the parameter and range', async (_n, query) => {
    let runs = 0;
    const f = await serve({
      database: () => {
        runs++;
      },
    });
    const response = await fetch(`${f.url}/?${query}`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as { error: string; parameter: string };
    expect(body.parameter).toBe('poll_interval');
    expect(body.error).toContain('poll_interval');
    expect(body.error).toContain('0.1 to 300');
    expect(runs).toBe(0);
    expect(f.stream.stats()).toEqual({ clients: 0, pollers: 0, blocked: 0 });
  });

  it.each(['maybe', '2', 'yes'])('changes=%s answers 400', async (value) => {
    const f = await serve({ database: () => true });
    const response = await fetch(`${f.url}/?changes=${value}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ parameter: 'changes' });
  });

  it.each(['0.1', '300', '2.0', '.5', '1'])('poll_interval=%s is accepted', async (value) => {
    const f = await serve({ database: () => true });
    const client = await open(`${f.url}/?poll_interval=${value}&_=cache-buster`);
    await client.until(() => client.events.length === 1);
    expect(client.status).toBe(200);
  });

  it('past maxClients answers 503 JSON, and takes clients again once one leaves', async () => {
    const f = await serve({ database: () => true }, { maxClients: 2 });
    const first = await open(f.url);
    await open(f.url);
    const refused = await fetch(f.url);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'too many stream clients (maxClients 2)' });

    first.close();
    await waitUntil(() => f.stream.stats().clients === 1, 5000, 'the first client gone');
    const third = await open(f.url);
    expect(third.status).toBe(200);
  });

  it('is mounted by healthRouter at /stream and /$stream, with its options under `stream`', async () => {
    const health = createHealth({ checks: { database: () => true } });
    const server = await listen(healthRouter(health, { stream: { retryMs: 700 } }));
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    for (const path of ['/stream', '/$stream', '/%24stream', '/stream/']) {
      const client = await open(`${server.url}${path}?poll_interval=2.0`);
      await client.until(() => client.events.length === 1);
      expect(client.retryMs, path).toBe(700);
      client.close();
    }
    expect(() => healthRouter(health, { stream: { heartbeat: 5 } as never })).toThrow(
      /^healthRouter\(\): unknown option `stream.heartbeat`\. Did you mean `heartbeatMs`\?/,
    );
  });

  it('rejects bad options at construction, naming the option', () => {
    const health = createHealth();
    cleanups.push(() => health.close());
    expect(() => sseStream(health, { maxClients: 0 })).toThrow(HealthOptionsError);
    expect(() => sseStream(health, { heartbeatMs: 5 })).toThrow(
      /^sseStream\(\): invalid option `heartbeatMs`/,
    );
    expect(() => sseStream(health, { retry: 1 } as never)).toThrow(/Did you mean `retryMs`\?/);
    expect(() => sseStream(health, { timers: {} as never })).toThrow(/option `timers`/);
    const frozen = Object.freeze({ heartbeatMs: 1000 });
    sseStream(health, frozen);
    expect(frozen).toEqual({ heartbeatMs: 1000 });
  });
});

describe('sseStream() backpressure', () => {
  /** A client on a raw socket that does not read until told to. */
  function stalledClient(url: string) {
    const { port, pathname, search } = new URL(url);
    const socket: Socket = connect({ port: Number(port), host: '127.0.0.1' });
    socket.pause();
    socket.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`,
    );
    cleanups.push(() => socket.destroy());
    return socket;
  }

  /** Events big enough to fill loopback socket buffers in a few polls; `seq` counts runs. */
  function bigReports() {
    let seq = 0;
    // 512 kB in all, in checks whose details each stay under the 64 kB cap.
    const blob = 'x'.repeat(60 * 1024);
    const padding = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `pad${i}`,
        () => ({ status: 'UP' as const, details: { blob } }),
      ]),
    );
    return {
      checks: {
        ...padding,
        big: () => ({ status: 'UP' as const, details: { seq: ++seq, blob } }),
      },
      get runs() {
        return seq;
      },
    };
  }

  it('a client that stops reading keeps only the newest event until it drains', async () => {
    const reports = bigReports();
    const f = await serve(reports.checks, { maxBlockedMs: 600_000 });
    const socket = stalledClient(`${f.url}/?poll_interval=0.1`);
    await waitUntil(() => f.stream.stats().blocked === 1, 10_000, 'the client blocked');
    // Once blocked for good, polls go on with nothing written.
    const blockedAt = reports.runs;
    await waitUntil(() => reports.runs >= blockedAt + 10, 10_000, 'ten more polls');
    await waitUntil(() => f.stream.stats().blocked === 1, 1000, 'still blocked');

    const seqs: number[] = [];
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      let end: number;
      while ((end = text.indexOf('\n\n')) !== -1) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const match = /"seq":(\d+)/.exec(block);
        if (match) seqs.push(Number(match[1]));
      }
    });
    const resumedAt = reports.runs;
    socket.resume();
    await waitUntil(() => (seqs.at(-1) ?? 0) > resumedAt, 10_000, 'an event made after resuming');

    // Strictly newer each time, with a jump where obsolete reports were dropped.
    const jumps = seqs.slice(1).map((seq, i) => seq - seqs[i]!);
    expect(jumps.every((jump) => jump > 0)).toBe(true);
    expect(Math.max(...jumps)).toBeGreaterThanOrEqual(5);
    expect(seqs.length).toBeLessThan(reports.runs);
  });

  it('a client blocked longer than maxBlockedMs is disconnected; a reading one is not', async () => {
    let now = 0;
    const reports = bigReports();
    const f = await serve(reports.checks, { maxBlockedMs: 5000, clock: () => now });
    const reader = await open(`${f.url}/?poll_interval=0.1`);
    const socket = stalledClient(`${f.url}/?poll_interval=0.1`);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await waitUntil(() => f.stream.stats().blocked >= 1, 10_000, 'the client blocked');
    const blockedAt = reports.runs;
    await waitUntil(() => reports.runs >= blockedAt + 5, 10_000, 'five more polls');
    // The stalled client has been blocked 5 s on the stream's clock: kept.
    now += 5000;
    await waitUntil(() => reports.runs >= blockedAt + 8, 10_000, 'three more polls');
    expect(f.stream.stats().clients).toBe(2);

    now += 1;
    await waitUntil(() => f.stream.stats().clients === 1, 5000, 'the stalled client dropped');
    socket.resume();
    await Promise.race([closed, waitUntil(() => false, 5000, 'the socket closed')]);
    const seen = reader.events.length;
    await reader.until(() => reader.events.length >= seen + 3, 5000, 'the reader fed');
    expect(reader.isEnded).toBe(false);
  });
});

describe('sseStream() formats and event names', () => {
  /** The raw text of a stream until `events` events came, then disconnects. */
  function rawEvents(url: string, events: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.split('data: ').length > events && body.endsWith('\n\n')) {
            req.destroy();
            resolve(body);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it("servicekit: unnamed events with servicekit's body, as its onmessage clients need", async () => {
    const f = await serve(
      { database: () => true, cache: { check: () => false, critical: false } },
      { format: 'servicekit' },
    );
    const text = await rawEvents(`${f.url}/$stream?poll_interval=0.1`, 2);
    expect(text).not.toContain('event:');
    expect(text).toMatch(
      /^retry: 3000\n\nid: 1\ndata: \{"status":"degraded","checks":\{"database":\{"state":"healthy"\},"cache":\{"state":"unhealthy"\}\}\}\n\nid: \d+\ndata: /,
    );
    // A browser dispatches such events as 'message'.
    const client = await open(`${f.url}/?poll_interval=300`);
    await client.until(() => client.events.length === 1);
    expect(client.events[0]!.event).toBeUndefined();
  });

  it('components and health+json: named `health` events', async () => {
    for (const format of ['components', 'health+json'] as const) {
      const f = await serve({ database: () => true }, { format });
      const text = await rawEvents(`${f.url}/?poll_interval=300`, 1);
      expect(text, format).toMatch(
        /^retry: 3000\n\nid: 1\nevent: health\ndata: \{"status":"(UP|pass)"/,
      );
    }
  });

  it('honours ?format= as the JSON routes do; one poll per interval and format', async () => {
    const f = await serve({ database: () => true }, { format: 'servicekit' });
    const servicekit = await open(`${f.url}/?poll_interval=0.2`);
    const components = await open(`${f.url}/?poll_interval=0.2&format=components`);
    const ietf = await open(`${f.url}/?poll_interval=0.2&format=health+json`);
    for (const client of [servicekit, components, ietf]) {
      await client.until(() => client.events.length >= 2, 5000, 'two events');
    }
    expect(servicekit.events[0]).toMatchObject({ event: undefined, report: { status: 'healthy' } });
    expect(components.events[0]).toMatchObject({ event: 'health', report: { status: 'UP' } });
    expect(ietf.events[0]).toMatchObject({ event: 'health', report: { status: 'pass' } });
    expect(f.stream.stats()).toMatchObject({ clients: 3, pollers: 3 });

    for (const query of ['format=xml', 'format=servicekit&format=components']) {
      const response = await fetch(`${f.url}/?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toEqual({
        error:
          'invalid query parameter format: expected one of components, health+json, servicekit',
        parameter: 'format',
      });
    }
  });

  it('healthRouter({ format: "servicekit" }) streams servicekit; the dashboard asks for components', async () => {
    const health = createHealth({ checks: { database: () => true } });
    const server = await listen(healthRouter(health, { format: 'servicekit' }));
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    const plain = await open(`${server.url}/$stream`);
    const asked = await open(`${server.url}/stream?format=components`);
    await plain.until(() => plain.events.length === 1);
    await asked.until(() => asked.events.length === 1);
    expect(plain.events[0]!.report).toEqual({
      status: 'healthy',
      checks: { database: { state: 'healthy' } },
    });
    expect(asked.events[0]!.report).toMatchObject({ status: 'UP', components: { database: {} } });
    const page = await (await fetch(`${server.url}/dashboard`)).text();
    expect(page).toContain('data-stream="stream?format=components"');
  });
});

describe('sseStream() reports that cannot be serialised', () => {
  /**
   * The runner snapshots details when a check returns, so its reports are always
   * serialisable; a stream must not depend on it. `run()` is wrapped to add a BigInt and a
   * cycle once `broken` is set, as a fault of the runner would.
   */
  function unserialisable(health: Health) {
    const state = { broken: false };
    const run = health.run.bind(health);
    Object.defineProperty(health, 'run', {
      value: async (options?: Parameters<Health['run']>[0]) => {
        const report = await run(options);
        if (!state.broken) return report;
        const pool: Record<string, unknown> = { big: 10n };
        pool.self = pool;
        const database = { ...report.components.database!, details: { pool } };
        return { ...report, components: { ...report.components, database } };
      },
    });
    return state;
  }

  it('a report that cannot be serialised is sent without details, and shutdown still ends the stream', async () => {
    const health = createHealth({
      cacheTtlMs: 60_000,
      checks: {
        database: () => ({ status: 'UP', message: 'fine', details: { pool: { connections: 3 } } }),
      },
    });
    const fault = unserialisable(health);
    const stream = sseStream(health);
    const server = await listen(stream);
    cleanups.push(() => server.close());
    const client = await open(`${server.url}/?poll_interval=0.1`);
    await client.until(() => client.events.length === 1);
    expect(client.events[0]!.report.components.database?.details).toEqual({
      pool: { connections: 3 },
    });

    fault.broken = true;
    await client.until(() => client.events.length >= 3, 5000, 'events after the change');
    // Still sent, without details but with the message.
    expect(client.events.at(-1)!.report.components.database).toMatchObject({
      status: 'UP',
      message: 'fine',
    });
    expect(client.events.at(-1)!.report.components.database?.details).toBeUndefined();

    health.close();
    const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
    await Promise.race([client.ended, client.until(() => false, 3000, 'the end of the stream')]);
    expect(client.events.at(-1)!.report).toMatchObject({
      status: 'DOWN',
      message: 'shutting down',
    });
    await Promise.race([closed, waitUntil(() => false, 3000, 'server.close()')]);
    expect(stream.stats()).toEqual({ clients: 0, pollers: 0, blocked: 0 });
  });

  it('gracefulShutdown() with such a stream open ends cleanly, well before its deadline', async () => {
    const { gracefulShutdown } = await import('../lib/index.js');
    const health = createHealth({
      checks: { database: () => ({ status: 'UP', details: { pool: {} } }) },
    });
    const fault = unserialisable(health);
    const server = await listen(healthRouter(health));
    cleanups.push(() => server.close());
    const client = await open(`${server.url}/stream`);
    await client.until(() => client.events.length === 1);
    fault.broken = true;

    const shutdown = gracefulShutdown(server.server, {
      health,
      signals: [],
      drainDelayMs: 0,
      timeoutMs: 3000,
      exit: false,
    });
    const started = performance.now();
    const result = await shutdown.shutdown();
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(performance.now() - started).toBeLessThan(2000);
    await Promise.race([client.ended, client.until(() => false, 2000, 'the end of the stream')]);
    expect(client.isEnded).toBe(true);
  });

  it('a runner whose run() rejects while shutting down still ends every stream', async () => {
    const f = await serve({ database: () => true });
    const client = await open(`${f.url}/?poll_interval=300`);
    await client.until(() => client.events.length === 1);
    // A fault of the runner (being rewritten): the stream must not depend on run() settling well.
    Object.defineProperty(f.health, 'run', { value: () => Promise.reject(new Error('broken')) });
    f.health.markShuttingDown();
    await Promise.race([client.ended, client.until(() => false, 3000, 'the end of the stream')]);
    expect(client.events.at(-1)!.report).toMatchObject({
      status: 'DOWN',
      message: 'shutting down',
    });
  });
});
