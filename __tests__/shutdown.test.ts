// gracefulShutdown() in process: options, and the sequence driven step by step through
// injected timers against a real server and a real keep-alive client. The real signals,
// real time and process exit codes are in shutdown-process.test.ts.
import express from 'express';
import { readFileSync } from 'node:fs';
import {
  Agent,
  createServer,
  get,
  type IncomingHttpHeaders,
  type Server as HttpServer,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createHealth, HealthOptionsError, healthRouter, type Health } from '../lib/index.js';
import {
  gracefulShutdown,
  type GracefulShutdown,
  type ShutdownResult,
} from '../lib/shutdown/graceful-shutdown.js';
import { SHUTDOWN_DEFAULTS, type GracefulShutdownOptions } from '../lib/shutdown/options.js';
import type { ShutdownTimers } from '../lib/shutdown/timers.js';
import { deferred, type Deferred } from './helpers/deferred.js';
import { FOREIGN_VALUES } from './helpers/foreign-values.js';
import { listen, type TestServer } from './helpers/server.js';
import { captureWarnings } from './helpers/warnings.js';

/** Timers that fire only when the test advances them. */
function manualTimers() {
  let now = 0;
  let nextId = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: ShutdownTimers = {
    setTimeout: (callback, delayMs) => {
      pending.set(++nextId, { at: now + delayMs, callback });
      return nextId;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  return {
    timers,
    get pending() {
      return pending.size;
    },
    advance(ms: number) {
      now += ms;
      const due = [...pending].filter(([, t]) => t.at <= now).sort(([, a], [, b]) => a.at - b.at);
      for (const [id, t] of due) {
        pending.delete(id);
        t.callback();
      }
    },
  };
}

/** Waits (one event-loop turn at a time, at most 5 s) until `condition()` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** GET through `agent`; rejects with the socket error (its `code`) when there is one. */
function fetchVia(agent: Agent, url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** The listener `gracefulShutdown()` added for `signal`, found by difference. */
function addedListener(signal: NodeJS.Signals, before: readonly unknown[]): () => void {
  const added = process.listeners(signal).filter((listener) => !before.includes(listener));
  expect(added).toHaveLength(1);
  return added[0] as () => void;
}

interface Fixture {
  readonly app: TestServer;
  readonly health: Health;
  readonly held: Deferred<void>[];
  readonly log: string[];
  readonly agent: Agent;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An Express app with the health routes and `/hold`, which answers when the test says. */
async function fixture(): Promise<Fixture> {
  const log: string[] = [];
  const held: Deferred<void>[] = [];
  const health = createHealth({
    checks: { db: { check: () => true, close: () => log.push('health.close') } },
  });
  health.on('shutdown', () => log.push('shutdown'));
  const app = express();
  app.get('/hold', (_req, res) => {
    const release = deferred();
    held.push(release);
    res.on('finish', () => log.push('held response sent'));
    void release.promise.then(() => res.json({ ok: true }));
  });
  app.get('/stream', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('started\n');
    const release = deferred();
    held.push(release);
    void release.promise.then(() => res.end('ended\n'));
  });
  app.use('/health', healthRouter(health));
  const server = await listen(app);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  cleanups.push(
    () => server.close(),
    () => agent.destroy(),
  );
  return { app: server, health, held, log, agent };
}

function start(f: Fixture, options: Partial<GracefulShutdownOptions> = {}) {
  const clock = manualTimers();
  const handle = gracefulShutdown(f.app.server, {
    health: f.health,
    exit: false,
    signals: [],
    timers: clock.timers,
    ...options,
  });
  // A test that fails midway must not leave the sequence waiting on timers nobody advances.
  cleanups.push(async () => {
    const stopped = () => handle.phase === 'stopped';
    if (stopped()) return;
    void handle.shutdown();
    for (let i = 0; i < 3 && !stopped(); i++) {
      clock.advance(SHUTDOWN_DEFAULTS.timeoutMs + SHUTDOWN_DEFAULTS.drainDelayMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  return { clock, handle };
}

describe('gracefulShutdown() options', () => {
  const health = createHealth();
  const server = createServer();

  it.each([
    [{}, 'health', /expected a Health from createHealth\(\)/],
    [{ health: {} }, 'health', /expected a Health/],
    [{ health, drainDelayMs: -1 }, 'drainDelayMs', /invalid option `drainDelayMs`/],
    [{ health, timeoutMs: 1.5 }, 'timeoutMs', /invalid option `timeoutMs`/],
    [{ health, timeoutMs: 2 ** 31 }, 'timeoutMs', /invalid option `timeoutMs`/],
    [{ health, signals: ['SIGKILL'] }, 'signals.0', /expected one of 'SIGTERM', 'SIGINT'/],
    [{ health, signals: 'SIGTERM' }, 'signals', /invalid option `signals`/],
    [{ health, onShutdown: 'close' }, 'onShutdown', /invalid option `onShutdown`/],
    [
      { health, onShutdown: [() => 1, 2] },
      'onShutdown.1',
      /invalid option `onShutdown\.1`: expected a function/,
    ],
    [{ health, exit: 'yes' }, 'exit', /invalid option `exit`/],
    [{ health, timers: {} }, 'timers', /expected \{ setTimeout, clearTimeout \}/],
    [
      { health, drainDelay: 5 },
      'drainDelay',
      /unknown option `drainDelay`\. Did you mean `drainDelayMs`\?/,
    ],
  ])('rejects %j naming `%s`, and adds no listener', (options, option, message) => {
    const before = process.listenerCount('SIGTERM');
    const attempt = () => gracefulShutdown(server, options as GracefulShutdownOptions);
    expect(attempt).toThrow(HealthOptionsError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(expect.objectContaining({ option, code: 'ERR_HEALTH_OPTIONS' }));
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(server.listenerCount('request')).toBe(0);
  });

  it('rejects what is not a server, with a hint when it is the Express app', () => {
    const app = express();
    expect(() => gracefulShutdown(app as never, { health })).toThrow(
      /gracefulShutdown\(\): expected an http\.Server or https\.Server: pass the server that app\.listen\(\) returns, not the app\./,
    );
    expect(() => gracefulShutdown(null as never, { health })).toThrow(/got null/);
  });

  it('holds the documented defaults', () => {
    expect(SHUTDOWN_DEFAULTS).toEqual({
      signals: ['SIGTERM', 'SIGINT'],
      drainDelayMs: 5000,
      timeoutMs: 30_000,
      exit: true,
    });
  });

  it('listens to the default signals, does not alter a frozen options object, and removes its listeners when done', async () => {
    const f = await fixture();
    const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
    const clock = manualTimers();
    const options = Object.freeze({
      health: f.health,
      exit: false,
      timers: clock.timers,
      onShutdown: Object.freeze([() => undefined]),
    });
    const handle = gracefulShutdown(f.app.server, options);
    addedListener('SIGTERM', before.SIGTERM);
    addedListener('SIGINT', before.SIGINT);
    expect(f.app.server.listenerCount('request')).toBe(2);
    const done = handle.shutdown();
    expect(handle.shutdown()).toBe(done);
    clock.advance(SHUTDOWN_DEFAULTS.drainDelayMs);
    expect((await done).exitCode).toBe(0);
    expect(process.listeners('SIGTERM')).toEqual(before.SIGTERM);
    expect(process.listeners('SIGINT')).toEqual(before.SIGINT);
    expect(f.app.server.listenerCount('request')).toBe(1);
    expect(clock.pending).toBe(0);
    expect(Object.keys(options)).toEqual(['health', 'exit', 'timers', 'onShutdown']);
  });
});

describe('gracefulShutdown() sequence', () => {
  it('flips readiness at once, serves the drain with Connection: close, then closes the listener and idle sockets, lets the request in flight finish, runs the hooks, closes the runner', async () => {
    const f = await fixture();
    const { clock, handle } = start(f, {
      drainDelayMs: 5000,
      onShutdown: [
        () => void f.log.push('hook 1'),
        () => Promise.resolve().then(() => void f.log.push('hook 2')),
      ],
    });
    const url = f.app.url;
    const before = await fetchVia(f.agent, `${url}/health/ready`);
    expect(before.status).toBe(200);
    expect(before.headers.connection).toBe('keep-alive');
    const inFlight = fetchVia(f.agent, `${url}/hold`);
    await until(() => f.held.length === 1, 'the held request');
    expect(handle.phase).toBe('serving');

    const done = handle.shutdown();
    expect(handle.phase).toBe('draining');
    expect(f.log).toEqual(['shutdown']);
    const ready = await fetchVia(f.agent, `${url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'DOWN', message: 'shutting down' });
    expect(ready.headers.connection).toBe('close');
    expect((await fetchVia(f.agent, `${url}/health/startup`)).status).toBe(503);
    const detailed = await fetchVia(f.agent, `${url}/health`);
    expect(detailed.status).toBe(503);
    expect(JSON.parse(detailed.body)).toMatchObject({ status: 'DOWN', message: 'shutting down' });
    const live = await fetchVia(f.agent, `${url}/health/live`);
    expect(live.status).toBe(200);
    expect(live.headers.connection).toBe('close');
    // An idle keep-alive socket, left in the agent's pool when the drain ends.
    const idle = new Agent({ keepAlive: true });
    cleanups.push(() => idle.destroy());
    await fetchVia(idle, `${url}/health/live`);
    expect(f.app.server.listening).toBe(true);
    expect(clock.pending).toBe(1);

    clock.advance(4999);
    expect(handle.phase).toBe('draining');
    clock.advance(1);
    await until(() => handle.phase === 'closing', 'the closing phase');
    expect(f.app.server.listening).toBe(false);
    await expect(fetchVia(new Agent(), `${url}/health/live`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(f.log).toEqual(['shutdown']);

    f.held[0]!.resolve();
    const held = await inFlight;
    expect(held.status).toBe(200);
    expect(JSON.parse(held.body)).toEqual({ ok: true });
    expect(held.headers.connection).toBe('close');
    await expect(done).resolves.toEqual({
      exitCode: 0,
      signal: undefined,
      timedOut: false,
      forced: false,
      errors: [],
    });
    expect(f.log).toEqual(['shutdown', 'held response sent', 'hook 1', 'hook 2', 'health.close']);
    expect(handle.phase).toBe('stopped');
    expect(clock.pending).toBe(0);
    expect(f.app.server.listenerCount('request')).toBe(1);
  });

  it('closes a keep-alive socket whose response started before the shutdown once that response ends (Node leaves it open)', async () => {
    const f = await fixture();
    const { clock, handle } = start(f, { drainDelayMs: 100 });
    const streamed = fetchVia(f.agent, `${f.app.url}/stream`);
    await until(() => f.held.length === 1, 'the stream');
    const done = handle.shutdown();
    clock.advance(100);
    await until(() => handle.phase === 'closing', 'the closing phase');
    f.held[0]!.resolve();
    const reply = await streamed;
    expect(reply.body).toBe('started\nended\n');
    // Headers went out before the drain: the socket was keep-alive, and is closed anyway.
    expect(reply.headers.connection).toBe('keep-alive');
    expect(await done).toMatchObject({ exitCode: 0, timedOut: false });
    expect(clock.pending).toBe(0);
  });

  it('cuts the connections still in flight at the hard deadline and reports exit code 1', async () => {
    const f = await fixture();
    const { clock, handle } = start(f, { drainDelayMs: 100, timeoutMs: 2000 });
    const { messages: warnings, restore } = captureWarnings();
    cleanups.push(restore);
    const inFlight = fetchVia(f.agent, `${f.app.url}/hold`);
    await until(() => f.held.length === 1, 'the held request');
    const done = handle.shutdown();
    clock.advance(100);
    await until(() => handle.phase === 'closing', 'the closing phase');
    clock.advance(1999);
    expect(handle.phase).toBe('closing');
    clock.advance(1);
    await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await done).toEqual({
      exitCode: 1,
      signal: undefined,
      timedOut: true,
      forced: false,
      errors: [],
    });
    await until(() => warnings.length > 0, 'the warning');
    expect(warnings).toEqual([
      'health-probes: requests still in flight 2000 ms after the drain; their connections were closed',
    ]);
  });

  it('runs the hooks in order: a failure is reported and the next runs; one still running at the deadline is abandoned with its signal aborted; the rest start with an aborted signal', async () => {
    const f = await fixture();
    const calls: { name: string; aborted: boolean }[] = [];
    let stuckSignal: AbortSignal | undefined;
    const boom = new Error('pool.end() failed');
    const warnings = captureWarnings();
    cleanups.push(warnings.restore);
    const { clock, handle } = start(f, {
      drainDelayMs: 0,
      timeoutMs: 3000,
      onShutdown: [
        ({ signal }) => {
          calls.push({ name: 'fails', aborted: signal.aborted });
          throw boom;
        },
        ({ signal }) => {
          calls.push({ name: 'stuck', aborted: signal.aborted });
          stuckSignal = signal;
          return new Promise(() => undefined);
        },
        ({ signal }) => void calls.push({ name: 'late', aborted: signal.aborted }),
      ],
    });
    const done = handle.shutdown();
    clock.advance(0);
    await until(() => calls.length === 2, 'the second hook');
    expect(stuckSignal?.aborted).toBe(false);
    clock.advance(3000);
    const result = await done;
    expect(stuckSignal?.aborted).toBe(true);
    expect(calls).toEqual([
      { name: 'fails', aborted: false },
      { name: 'stuck', aborted: false },
      { name: 'late', aborted: true },
    ]);
    expect(result).toEqual({
      exitCode: 1,
      signal: undefined,
      timedOut: true,
      forced: false,
      errors: [boom],
    });
    expect(warnings.messages).toEqual([
      'health-probes: an onShutdown hook failed: pool.end() failed',
      'health-probes: an onShutdown hook was still running at the deadline; it was abandoned',
    ]);
  });

  it('reports exit code 1 when a hook fails, even within time', async () => {
    const f = await fixture();
    const warnings = captureWarnings();
    cleanups.push(warnings.restore);
    const { clock, handle } = start(f, {
      drainDelayMs: 0,
      onShutdown: () => Promise.reject(new Error('flush failed')),
    });
    const done = handle.shutdown();
    clock.advance(0);
    expect(await done).toMatchObject({ exitCode: 1, timedOut: false, errors: [expect.any(Error)] });
    expect(warnings.messages).toEqual(['health-probes: an onShutdown hook failed: flush failed']);
  });

  it('a first signal during a drain begun by shutdown() does not force anything; a second one does', async () => {
    const f = await fixture();
    const before = process.listeners('SIGTERM');
    const { clock, handle } = start(f, { signals: ['SIGTERM'], drainDelayMs: 1000 });
    const onTerm = addedListener('SIGTERM', before);
    const done = handle.shutdown();
    onTerm();
    expect(handle.phase).toBe('draining');
    clock.advance(1000);
    expect(await done).toMatchObject({ exitCode: 0, signal: undefined, forced: false });

    const g = await fixture();
    const again = start(g, { signals: ['SIGTERM'], drainDelayMs: 1000 });
    const onTermAgain = addedListener('SIGTERM', before);
    const forcedDone = again.handle.shutdown();
    const warnings = captureWarnings();
    cleanups.push(warnings.restore);
    onTermAgain();
    onTermAgain();
    expect(await forcedDone).toMatchObject({ exitCode: 1, forced: true, timedOut: true });
    expect(again.clock.pending).toBe(0);
    expect(warnings.messages).toEqual([
      'health-probes: a second signal forced the shutdown; open connections were closed',
    ]);
  });

  it('starts on a signal; a second signal does not restart it but forces the hard stop', async () => {
    const f = await fixture();
    const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
    let hooks = 0;
    let shutdownEvents = 0;
    f.health.on('shutdown', () => shutdownEvents++);
    const { clock, handle } = start(f, {
      signals: ['SIGTERM', 'SIGINT'],
      drainDelayMs: 5000,
      onShutdown: ({ signal }) => {
        hooks++;
        expect(signal.aborted).toBe(true);
      },
    });
    const onTerm = addedListener('SIGTERM', before.SIGTERM);
    const onInt = addedListener('SIGINT', before.SIGINT);
    const inFlight = fetchVia(f.agent, `${f.app.url}/hold`);
    await until(() => f.held.length === 1, 'the held request');

    onTerm();
    expect(handle.phase).toBe('draining');
    const done = handle.shutdown();
    const warnings = captureWarnings();
    cleanups.push(warnings.restore);
    onInt();
    await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await done).toEqual({
      exitCode: 1,
      signal: 'SIGTERM',
      timedOut: true,
      forced: true,
      errors: [],
    });
    expect(warnings.messages).toEqual([
      'health-probes: a second signal forced the shutdown; open connections were closed',
    ]);
    expect(shutdownEvents).toBe(1);
    expect(hooks).toBe(1);
    expect(clock.pending).toBe(0);
    expect(process.listeners('SIGTERM')).toEqual(before.SIGTERM);
    expect(process.listeners('SIGINT')).toEqual(before.SIGINT);
  });
});

describe('gracefulShutdown() survives values that cannot be turned into a string', () => {
  /** Records unhandled rejections and uncaught exceptions while `run` is awaited. */
  async function noEscapes(run: () => Promise<void>): Promise<unknown[]> {
    const escaped: unknown[] = [];
    const record = (error: unknown) => escaped.push(error);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    try {
      await run();
      // Let a stray rejection surface.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    }
    return escaped;
  }

  it.each(FOREIGN_VALUES)(
    "a 'shutdown' listener throwing %s: the drain, server.close() and the hooks still run",
    async (_label, value) => {
      const f = await fixture();
      f.health.on('shutdown', () => {
        throw value;
      });
      const hooks: string[] = [];
      const { clock, handle } = start(f, {
        drainDelayMs: 1000,
        onShutdown: () => void hooks.push('hook'),
      });
      const escaped = await noEscapes(async () => {
        const done = handle.shutdown();
        expect(handle.phase).toBe('draining');
        expect((await fetchVia(f.agent, `${f.app.url}/health/ready`)).status).toBe(503);
        clock.advance(1000);
        await until(() => handle.phase === 'closing' || handle.phase === 'stopped', 'closing');
        expect(f.app.server.listening).toBe(false);
        expect(await done).toMatchObject({ exitCode: 0, timedOut: false });
      });
      expect(escaped).toEqual([]);
      expect(hooks).toEqual(['hook']);
      expect(handle.phase).toBe('stopped');
    },
  );

  it.each(FOREIGN_VALUES)(
    'a hook rejecting with %s is reported and the hooks after it run',
    async (_label, value) => {
      const f = await fixture();
      const calls: string[] = [];
      const { clock, handle } = start(f, {
        drainDelayMs: 0,
        onShutdown: [
          () => {
            calls.push('throws');
            throw value;
          },
          () => {
            calls.push('rejects');
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
            return Promise.reject(value);
          },
          () => void calls.push('after'),
        ],
      });
      let result: ShutdownResult | undefined;
      const escaped = await noEscapes(async () => {
        const done = handle.shutdown();
        clock.advance(0);
        result = await done;
      });
      expect(escaped).toEqual([]);
      expect(calls).toEqual(['throws', 'rejects', 'after']);
      expect(result?.exitCode).toBe(1);
      expect(result?.errors).toHaveLength(2);
      expect(result?.errors[0]).toBe(value);
    },
  );

  it.each(FOREIGN_VALUES)(
    'a hook rejecting with %s after the deadline does not crash the process',
    async (_label, value) => {
      const f = await fixture();
      const late = deferred();
      const { clock, handle } = start(f, {
        drainDelayMs: 0,
        timeoutMs: 100,
        onShutdown: () => late.promise,
      });
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.message);
      process.on('warning', onWarning);
      try {
        const escaped = await noEscapes(async () => {
          const done = handle.shutdown();
          clock.advance(0);
          await until(() => clock.pending === 1, 'the deadline timer');
          clock.advance(100);
          expect(await done).toMatchObject({ exitCode: 1, timedOut: true });
          late.reject(value);
          await until(() => warnings.some((w) => w.includes('after the deadline')), 'the warning');
        });
        expect(escaped).toEqual([]);
        // describe() says what can be read: the name of the Error, or nothing.
        expect(warnings.filter((w) => w.includes('after the deadline'))).toEqual([
          expect.stringMatching(/after the deadline: (unknown error|Error)$/),
        ]);
      } finally {
        process.off('warning', onWarning);
      }
    },
  );

  it('a server whose close() throws still gets its hooks run and the runner closed', async () => {
    const f = await fixture();
    const boom = new Error('close failed');
    const server = f.app.server;
    const close = server.close.bind(server);
    server.close = () => {
      server.close = close; // the fixture's cleanup closes it again
      close();
      throw boom;
    };
    const hooks: string[] = [];
    const { clock, handle } = start(f, {
      drainDelayMs: 0,
      onShutdown: () => void hooks.push('hook'),
    });
    const done = handle.shutdown();
    clock.advance(0);
    expect(await done).toMatchObject({ exitCode: 1, timedOut: false, errors: [boom] });
    expect(hooks).toEqual(['hook']);
    expect(f.log).toContain('health.close');
  });
});

describe('gracefulShutdown() types', () => {
  it('takes an http.Server or an https.Server and resolves to a ShutdownResult', () => {
    expectTypeOf<HttpServer>().toExtend<Parameters<typeof gracefulShutdown>[0]>();
    expectTypeOf<HttpsServer>().toExtend<Parameters<typeof gracefulShutdown>[0]>();
    expectTypeOf<ReturnType<GracefulShutdown['shutdown']>>().toEqualTypeOf<
      Promise<ShutdownResult>
    >();
    expectTypeOf<GracefulShutdownOptions['drainDelayMs']>().toEqualTypeOf<number | undefined>();
  });
});

describe('the deployment examples agree with the shutdown timings', () => {
  const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
  const number = (text: string, pattern: RegExp) => {
    const match = pattern.exec(text);
    expect(match, String(pattern)).not.toBeNull();
    return Number(match![1]);
  };

  it('kubernetes: terminationGracePeriodSeconds > preStop + drainDelayMs + timeoutMs', () => {
    const yaml = read('examples/kubernetes/deployment.yaml');
    const graceSeconds = number(yaml, /terminationGracePeriodSeconds: (\d+)/);
    const preStopSeconds = number(yaml, /preStop:\s+sleep:\s+seconds: (\d+)/);
    const drainMs = number(yaml, /name: DRAIN_DELAY_MS\s+value: ['"](\d+)['"]/);
    const timeoutMs = number(yaml, /name: SHUTDOWN_TIMEOUT_MS\s+value: ['"](\d+)['"]/);
    expect(graceSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + drainMs + timeoutMs);
    expect(yaml).toMatch(/startupProbe:\s+httpGet:\s+path: \/health\/startup/);
    expect(yaml).toMatch(/livenessProbe:\s+httpGet:\s+path: \/health\/live/);
    expect(yaml).toMatch(/readinessProbe:\s+httpGet:\s+path: \/health\/ready/);
  });

  it('haproxy: the default detection time (fall + 1) * inter is under the default drainDelayMs', () => {
    const cfg = read('examples/haproxy.cfg');
    const interSeconds = number(cfg, /inter "\$\{HAPROXY_CHECK_INTER-(\d+)s\}"/);
    const fall = number(cfg, /fall (\d+)/);
    expect(cfg).toMatch(/http-check send meth GET uri \/health\/ready/);
    expect((fall + 1) * interSeconds * 1000).toBeLessThan(SHUTDOWN_DEFAULTS.drainDelayMs);
    const demo = read('examples/demo.ts');
    expect(number(demo, /DRAIN_DELAY_MS \?\? (\d+)/)).toBe(SHUTDOWN_DEFAULTS.drainDelayMs);
  });
});
