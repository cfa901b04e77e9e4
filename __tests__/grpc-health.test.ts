import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { service as healthServiceDefinition } from 'grpc-health-check';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { HealthOptionsError } from '../lib/errors.js';
import { grpcHealth, type GrpcHealthService } from '../lib/grpc/grpc-health.js';
import { GRPC_HEALTH_DEFAULTS, type GrpcHealthOptions } from '../lib/grpc/options.js';
import { MissingPeerError } from '../lib/errors.js';
import { loadHealthServiceDefinition } from '../lib/grpc/peer.js';
import type { GrpcServerLike } from '../lib/grpc/types.js';
import { createHealth, type Health } from '../lib/runner/health.js';
import type { HealthOptions } from '../lib/runner/options.js';
import { deferred } from './helpers/deferred.js';
import { fakeClock } from './helpers/clock.js';

// A real client built from grpc-health-check's health.proto service definition.
const HealthClient = grpc.makeClientConstructor(healthServiceDefinition, 'grpc.health.v1.Health');

interface HealthResponse {
  status: string;
}
type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;
interface HealthStub extends grpc.Client {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: Callback<HealthResponse>,
  ): void;
  List(
    request: object,
    options: grpc.CallOptions,
    callback: Callback<{ statuses: Record<string, HealthResponse> }>,
  ): void;
  Watch(request: { service: string }): grpc.ClientReadableStream<HealthResponse>;
}

interface Rig {
  readonly health: Health;
  /** How many times `health.run()` was called: Check, List, and every read of the poller. */
  readonly reads: () => number;
  /** Resolves once every read of the runner so far has settled. */
  readonly settled: () => Promise<void>;
  readonly service: GrpcHealthService;
  readonly server: grpc.Server;
  readonly client: HealthStub;
}

const rigs: Rig[] = [];
const openWatches: grpc.ClientReadableStream<HealthResponse>[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const call of openWatches.splice(0)) call.cancel();
  for (const { client, server, service, health } of rigs.splice(0)) {
    client.close();
    service.close();
    server.forceShutdown();
    health.close();
  }
});

/** A runner, its gRPC health service on a real server on 127.0.0.1:0, and a client. */
async function serve(healthOptions: HealthOptions, options?: GrpcHealthOptions): Promise<Rig> {
  const health = createHealth(healthOptions);
  const service = grpcHealth(health, options);
  const server = new grpc.Server();
  service.addToServer(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  const client = new HealthClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as HealthStub;
  const run = vi.spyOn(health, 'run');
  const rig = {
    health,
    reads: () => run.mock.calls.length,
    settled: async () => {
      await Promise.all(run.mock.results.map((result) => result.value as Promise<unknown>));
    },
    service,
    server,
    client,
  };
  rigs.push(rig);
  return rig;
}

/** Check(service): the status, or the gRPC error code and details. */
async function check(
  client: HealthStub,
  service: string,
  deadlineMs = 10_000,
): Promise<{ status: string } | { code: number; details: string }> {
  return new Promise((resolve) => {
    client.Check({ service }, { deadline: Date.now() + deadlineMs }, (error, value) => {
      resolve(
        error === null ? { status: value!.status } : { code: error.code, details: error.details },
      );
    });
  });
}

async function list(client: HealthStub): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    client.List({}, { deadline: Date.now() + 10_000 }, (error, value) => {
      if (error === null) {
        resolve(Object.fromEntries(Object.entries(value!.statuses).map(([k, v]) => [k, v.status])));
      } else reject(error);
    });
  });
}

interface OpenWatch {
  readonly call: grpc.ClientReadableStream<HealthResponse>;
  readonly messages: string[];
  /** Resolves with the call's final status (cancelled, ended, failed). */
  readonly ended: Promise<grpc.StatusObject>;
  /** Waits until `count` messages have arrived. */
  until(count: number): Promise<void>;
}

function watch(client: HealthStub, service: string): OpenWatch {
  const call = client.Watch({ service });
  openWatches.push(call);
  const messages: string[] = [];
  const ended = deferred<grpc.StatusObject>();
  call.on('data', (message: HealthResponse) => messages.push(message.status));
  call.on('error', () => {}); // a cancel surfaces as an error; `status` reports it
  call.on('status', (status) => ended.resolve(status));
  return {
    call,
    messages,
    ended: ended.promise,
    until: (count) =>
      vi.waitFor(() => expect(messages.length).toBeGreaterThanOrEqual(count), {
        timeout: 10_000,
        interval: 5,
      }),
  };
}

/** A check whose state the test sets, counting its runs. */
function controlled(initial: boolean) {
  const state = { up: initial, runs: 0 };
  return {
    state,
    check: () => {
      state.runs++;
      return state.up;
    },
  };
}

/** Waits until the runner has been read `count` more times (by the poller, mostly). */
async function readsOf(rig: Rig, count: number): Promise<void> {
  const target = rig.reads() + count;
  await vi.waitFor(() => expect(rig.reads()).toBeGreaterThanOrEqual(target), {
    timeout: 10_000,
    interval: 5,
  });
}

describe('grpcHealth: Check and List', () => {
  it('answers "" with the aggregate, a check with its own status, a group with its aggregate', async () => {
    const { client } = await serve(
      {
        checks: {
          database: () => true,
          cache: { check: () => false, critical: false },
          queue: () => ({ status: 'DEGRADED', message: 'backlog' }),
        },
      },
      { services: { 'shop.v1.Orders': ['database', 'cache'], 'shop.v1.Cache': ['cache'] } },
    );
    // A non-critical DOWN makes the aggregate DEGRADED: still SERVING.
    expect(await check(client, '')).toEqual({ status: 'SERVING' });
    expect(await check(client, 'database')).toEqual({ status: 'SERVING' });
    expect(await check(client, 'queue')).toEqual({ status: 'SERVING' });
    // A check's own service follows its own status, critical or not.
    expect(await check(client, 'cache')).toEqual({ status: 'NOT_SERVING' });
    expect(await check(client, 'shop.v1.Orders')).toEqual({ status: 'SERVING' });
    // A group of only non-critical DOWN checks is DEGRADED by the runner's rule.
    expect(await check(client, 'shop.v1.Cache')).toEqual({ status: 'SERVING' });
    expect(await list(client)).toEqual({
      '': 'SERVING',
      database: 'SERVING',
      cache: 'NOT_SERVING',
      queue: 'SERVING',
      'shop.v1.Orders': 'SERVING',
      'shop.v1.Cache': 'SERVING',
    });
  });

  it('keeps a "__proto__" group (as JSON.parse makes it) and serves it', async () => {
    const services = JSON.parse(
      '{"__proto__": ["database"], "shop.v1.Cache": ["cache"]}',
    ) as GrpcHealthOptions['services'];
    const { client, service } = await serve(
      { checks: { database: () => false, cache: () => true } },
      { services },
    );
    expect(service.services).toEqual(['', 'database', 'cache', '__proto__', 'shop.v1.Cache']);
    expect(await check(client, '__proto__')).toEqual({ status: 'NOT_SERVING' });
    expect(await check(client, 'shop.v1.Cache')).toEqual({ status: 'SERVING' });
  });

  it('answers NOT_SERVING for "" and for a group when a critical check is DOWN', async () => {
    const { client } = await serve(
      { checks: { database: () => false, cache: () => true } },
      { services: { 'shop.v1.Orders': ['database', 'cache'], 'shop.v1.Cache': ['cache'] } },
    );
    expect(await check(client, '')).toEqual({ status: 'NOT_SERVING' });
    expect(await check(client, 'shop.v1.Orders')).toEqual({ status: 'NOT_SERVING' });
    expect(await check(client, 'shop.v1.Cache')).toEqual({ status: 'SERVING' });
  });

  it('fails Check on an unknown name with NOT_FOUND, without running any check', async () => {
    const database = controlled(true);
    const { client } = await serve({ checks: { database: database.check } });
    const answer = await check(client, 'shop.v1.Nope');
    expect(answer).toEqual({
      code: grpc.status.NOT_FOUND,
      details: 'unknown service "shop.v1.Nope"',
    });
    expect(database.state.runs).toBe(0);
  });

  it('answers a hanging check NOT_SERVING within its timeout, not a stuck RPC', async () => {
    const rig = await serve({
      checks: {
        database: {
          // Hangs for good and ignores its signal: the worst kind of dependency.
          check: () => new Promise<never>(() => undefined),
          timeoutMs: 250,
        },
        cache: () => true,
      },
      cacheTtlMs: 0,
    });
    const { client, health } = rig;
    const started = performance.now();
    const [aggregate, own] = await Promise.all([check(client, ''), check(client, 'database')]);
    const elapsedMs = performance.now() - started;
    expect(aggregate).toEqual({ status: 'NOT_SERVING' });
    expect(own).toEqual({ status: 'NOT_SERVING' });
    expect(elapsedMs).toBeGreaterThanOrEqual(200);
    expect(elapsedMs).toBeLessThan(250 + 2000);
    // A client deadline shorter than the check timeout ends the call first; the answer
    // that comes later is dropped without an error.
    const hurried = await check(client, '', 50);
    expect(hurried).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    await rig.settled();
    // The healthy check is still served while the other one hangs.
    expect(await check(client, 'cache')).toEqual({ status: 'SERVING' });
    expect(health.shuttingDown).toBe(false);
  });

  it('uses the service definition of grpc-health-check, and fits a grpc-js Server', () => {
    expect(loadHealthServiceDefinition('test')).toBe(healthServiceDefinition);
    expectTypeOf<grpc.Server>().toExtend<GrpcServerLike>();
  });
});

describe('grpcHealth: Watch', () => {
  it('sends the status at once, then exactly one message per transition, matching Check', async () => {
    const database = controlled(true);
    const rig = await serve(
      { checks: { database: database.check, cache: () => true }, cacheTtlMs: 0 },
      { services: { 'shop.v1.Orders': ['database', 'cache'] }, pollIntervalMs: 10 },
    );
    const { client } = rig;
    const watches = ['', 'database', 'shop.v1.Orders', 'cache'].map((name) => watch(client, name));
    await Promise.all(watches.map((w) => w.until(1)));
    for (const w of watches) expect(w.messages).toEqual(['SERVING']);

    database.state.up = false;
    await Promise.all(watches.slice(0, 3).map((w) => w.until(2)));
    expect(await check(client, 'database')).toEqual({ status: 'NOT_SERVING' });
    expect(await check(client, '')).toEqual({ status: 'NOT_SERVING' });
    await readsOf(rig, 5); // the state holds over several polls: no repeated message

    database.state.up = true;
    await Promise.all(watches.slice(0, 3).map((w) => w.until(3)));
    expect(await check(client, 'database')).toEqual({ status: 'SERVING' });
    await readsOf(rig, 5);

    for (const w of watches.slice(0, 3))
      expect(w.messages).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    // A service the transition does not touch got nothing more.
    expect(watches[3]!.messages).toEqual(['SERVING']);
  });

  it('pushes a change the runner saw elsewhere at once, through its change event', async () => {
    const database = controlled(true);
    // The poller would wait a minute: only the runner's 'change' event can be this fast.
    const { client, health } = await serve(
      { checks: { database: database.check }, cacheTtlMs: 0 },
      { pollIntervalMs: 60_000 },
    );
    const aggregate = watch(client, '');
    await aggregate.until(1);
    database.state.up = false;
    await health.run(); // e.g. an HTTP readiness probe
    await aggregate.until(2);
    expect(aggregate.messages).toEqual(['SERVING', 'NOT_SERVING']);
  });

  it('serves 100 concurrent Watch calls with one check run per TTL, then leaves nothing behind', async () => {
    const clock = fakeClock();
    const database = controlled(true);
    const pollTimers = trackTimers(POLL_MS);
    const rig = await serve(
      { checks: { database: database.check }, cacheTtlMs: 1000, clock: clock.now },
      { pollIntervalMs: POLL_MS },
    );
    const { client, health, service } = rig;
    const watches = Array.from({ length: 100 }, (_, i) =>
      watch(client, i % 2 === 0 ? '' : 'database'),
    );
    await Promise.all(watches.map((w) => w.until(1)));
    expect(service.watchCount).toBe(100);
    expect(service.polling).toBe(true);
    expect(pollTimers.live()).toBeLessThanOrEqual(1); // one poller for all of them
    expect(database.state.runs).toBe(1);

    await readsOf(rig, 5); // polls within one TTL read the cache
    expect(database.state.runs).toBe(1);
    clock.advance(1001); // the cached result expires: the next poll runs the check once
    await vi.waitFor(() => expect(database.state.runs).toBe(2), { timeout: 10_000, interval: 5 });
    await readsOf(rig, 5);
    expect(database.state.runs).toBe(2);
    for (const w of watches) expect(w.messages).toEqual(['SERVING']);
    // One timer per read of the runner, not one per call.
    expect(pollTimers.live()).toBeLessThanOrEqual(1);
    expect(pollTimers.created()).toBeLessThanOrEqual(rig.reads() + 1);

    for (const w of watches) w.call.cancel();
    await Promise.all(watches.map((w) => w.ended));
    await vi.waitFor(() => expect(service.watchCount).toBe(0), { timeout: 10_000, interval: 5 });
    expect(service.polling).toBe(false);
    expect(health.listenerCount('change')).toBe(0);
    expect(health.listenerCount('shutdown')).toBe(0);
    expect(pollTimers.live()).toBe(0);
    expect(pollTimers.created()).toBeGreaterThan(10);
    expect(pollTimers.unrefd()).toBe(true);
    pollTimers.restore();
    // With the poller stopped, the runner is not read any more (an absence: it takes a wait).
    const readsAfter = rig.reads();
    await new Promise((resolve) => setTimeout(resolve, 10 * POLL_MS));
    expect(rig.reads()).toBe(readsAfter);
  });

  it('follows the reported status: one failed run under failureThreshold 2 sends nothing', async () => {
    const database = controlled(true);
    const { client, health } = await serve(
      { checks: { database: { check: database.check, failureThreshold: 2 } }, cacheTtlMs: 0 },
      { pollIntervalMs: 60_000 },
    );
    const w = watch(client, 'database');
    await w.until(1);
    database.state.up = false;
    expect((await health.run()).components.database?.status).toBe('UP');
    expect((await health.run()).components.database?.status).toBe('DOWN');
    await w.until(2);
    expect(w.messages).toEqual(['SERVING', 'NOT_SERVING']);
  });

  it('serves a check registered at run time in Check, List and a Watch opened before it existed', async () => {
    const { client, health } = await serve(
      { checks: { database: () => true }, cacheTtlMs: 0 },
      { pollIntervalMs: 10 },
    );
    const early = watch(client, 'tenant');
    await early.until(1);
    expect(early.messages).toEqual(['SERVICE_UNKNOWN']);
    const unregister = health.register('tenant', () => false);
    expect(await check(client, 'tenant')).toEqual({ status: 'NOT_SERVING' });
    await early.until(2);
    expect(early.messages).toEqual(['SERVICE_UNKNOWN', 'NOT_SERVING']);
    const listed = await new Promise<Record<string, HealthResponse>>((resolve, reject) => {
      client.List({}, {}, (error, value) => (error ? reject(error) : resolve(value!.statuses)));
    });
    expect(Object.keys(listed)).toEqual(['', 'database', 'tenant']);
    unregister();
    expect(await check(client, 'tenant')).toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('sends SERVICE_UNKNOWN for an unknown name and keeps the call open', async () => {
    const rig = await serve({ checks: { database: () => true } }, { pollIntervalMs: 10 });
    const { client, service } = rig;
    const unknown = watch(client, 'shop.v1.Nope');
    const known = watch(client, 'database');
    await Promise.all([unknown.until(1), known.until(1)]);
    await readsOf(rig, 3);
    expect(unknown.messages).toEqual(['SERVICE_UNKNOWN']);
    expect(service.watchCount).toBe(2);
    unknown.call.cancel();
    expect((await unknown.ended).code).toBe(grpc.status.CANCELLED);
    await vi.waitFor(() => expect(service.watchCount).toBe(1), { timeout: 10_000, interval: 5 });
  });

  it('forgets the calls of a server that is force-shut, with the poller', async () => {
    const { client, service, server } = await serve(
      { checks: { database: () => true } },
      { pollIntervalMs: 10 },
    );
    const watches = [watch(client, ''), watch(client, 'database'), watch(client, 'nope')];
    await Promise.all(watches.map((w) => w.until(1)));
    expect(service.watchCount).toBe(3);
    server.forceShutdown();
    for (const w of watches) expect((await w.ended).code).not.toBe(grpc.status.OK);
    await vi.waitFor(() => expect(service.watchCount).toBe(0), { timeout: 10_000, interval: 5 });
    expect(service.polling).toBe(false);
  });

  it('fails Watch calls past maxWatches with RESOURCE_EXHAUSTED', async () => {
    const { client } = await serve({ checks: { database: () => true } }, { maxWatches: 2 });
    const open = [watch(client, ''), watch(client, 'database')];
    await Promise.all(open.map((w) => w.until(1)));
    const refused = watch(client, '');
    const status = await refused.ended;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.messages).toEqual([]);
  });

  it('turns every watched service NOT_SERVING on shutdown, then close() lets the server stop', async () => {
    const { client, health, service, server } = await serve(
      { checks: { database: () => true, cache: { check: () => true, critical: false } } },
      { services: { 'shop.v1.Orders': ['database', 'cache'] }, pollIntervalMs: 10 },
    );
    const watches = ['', 'database', 'cache', 'shop.v1.Orders'].map((name) => watch(client, name));
    const unknown = watch(client, 'shop.v1.Nope');
    await Promise.all([...watches, unknown].map((w) => w.until(1)));

    health.markShuttingDown();
    await Promise.all(watches.map((w) => w.until(2)));
    for (const w of watches) expect(w.messages).toEqual(['SERVING', 'NOT_SERVING']);
    expect(unknown.messages).toEqual(['SERVICE_UNKNOWN']);
    expect(service.polling).toBe(false); // nothing can change any more
    expect(await check(client, 'cache')).toEqual({ status: 'NOT_SERVING' });
    expect(Object.values(await list(client))).toEqual(Array(4).fill('NOT_SERVING'));
    const late = watch(client, 'shop.v1.Orders');
    await late.until(1);
    expect(late.messages).toEqual(['NOT_SERVING']);

    service.close();
    for (const w of [...watches, unknown, late]) expect((await w.ended).code).toBe(grpc.status.OK);
    expect(service.watchCount).toBe(0);
    expect(health.listenerCount('change')).toBe(0);
    const refused = watch(client, '');
    expect((await refused.ended).code).toBe(grpc.status.UNAVAILABLE);
    // No open stream holds a graceful shutdown back.
    client.close();
    await new Promise<void>((resolve, reject) => {
      server.tryShutdown((error) => (error === undefined ? resolve() : reject(error)));
    });
  });
});

describe('grpcHealth: options', () => {
  const health = createHealth({ checks: { database: () => true, cache: () => true } });

  it.each([
    [
      { pollInterval: 500 },
      'pollInterval',
      /unknown option `pollInterval`\. Did you mean `pollIntervalMs`\?/,
    ],
    [{ pollIntervalMs: 5 }, 'pollIntervalMs', /option `pollIntervalMs`/],
    [{ pollIntervalMs: 1.5 }, 'pollIntervalMs', /option `pollIntervalMs`/],
    [{ maxWatches: 0 }, 'maxWatches', /option `maxWatches`/],
    [
      { services: { 'shop.v1.Orders': [] } },
      'services.shop.v1.Orders',
      /option `services\.shop\.v1\.Orders`/,
    ],
    [{ services: { 'shop.v1.Orders': 'database' } }, 'services.shop.v1.Orders', /expected array/],
    [
      { services: { 'shop.v1.Orders': ['database', 'databse'] } },
      'services.shop.v1.Orders',
      /names "databse", which is not a check of this runner\. Known checks: database, cache\./,
    ],
    [{ services: { '': ['database'] } }, 'services', /cannot define the service ""/],
    [
      { services: JSON.parse('{"__proto__": [1]}') as unknown },
      'services.__proto__.0',
      /invalid option `services\.__proto__\.0`/,
    ],
    [
      { services: JSON.parse('{"__proto__": ["databse"]}') as unknown },
      'services.__proto__',
      /names "databse", which is not a check/,
    ],
    [
      { services: { cache: ['database'] } },
      'services.cache',
      /"cache" is already the service of the check/,
    ],
  ])('rejects %j naming %s', (options, option, message) => {
    const attempt = () => grpcHealth(health, options as GrpcHealthOptions);
    expect(attempt).toThrow(HealthOptionsError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'ERR_HEALTH_OPTIONS',
        option,
        message: expect.stringMatching(/^grpcHealth\(\): /) as unknown,
      });
    }
  });

  it('rejects a first argument that is not a Health', () => {
    expect(() => grpcHealth({ checks: {} } as unknown as Health)).toThrow(
      /grpcHealth\(\): expected a Health from createHealth\(\)/,
    );
  });

  it('accepts frozen options without changing them, and lists its services', () => {
    const options = Object.freeze({
      services: Object.freeze({
        'shop.v1.Orders': Object.freeze(['database', 'database'] as const),
      }),
      pollIntervalMs: 250,
    });
    const service = grpcHealth(health, options);
    expect(service.services).toEqual(['', 'database', 'cache', 'shop.v1.Orders']);
    expect(options).toEqual({
      services: { 'shop.v1.Orders': ['database', 'database'] },
      pollIntervalMs: 250,
    });
    expect(service.watchCount).toBe(0);
    expect(service.polling).toBe(false);
    expect(GRPC_HEALTH_DEFAULTS).toEqual({ pollIntervalMs: 1000, maxWatches: 1000 });
  });

  it('names the package to install when grpc-health-check cannot be loaded', () => {
    const missing = () => loadHealthServiceDefinition('grpcHealth()', 'grpc-health-check-missing');
    expect(missing).toThrow(MissingPeerError);
    expect(missing).toThrow(
      /grpcHealth\(\) needs the optional peer dependency `grpc-health-check-missing`/,
    );
    // A package without the Check/Watch/List definition (grpc-health-check before 2.1.0).
    expect(() => loadHealthServiceDefinition('grpcHealth()', 'node:os')).toThrow(
      expect.objectContaining({ code: 'ERR_HEALTH_MISSING_PEER', peer: 'node:os' }) as Error,
    );
  });
});

describe('grpcHealth: optional peers', () => {
  it('loads no gRPC package when the library is imported, only when grpcHealth() is called', async () => {
    const root = fileURLToPath(new URL('../', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).filter((k) => /grpc-health-check|@grpc[\\\\/]grpc-js/.test(k)).length;
      await import(${JSON.stringify(`${root}lib/index.ts`)});
      const { grpcHealth } = await import(${JSON.stringify(`${root}lib/grpc/grpc-health.ts`)});
      const { createHealth } = await import(${JSON.stringify(`${root}lib/runner/health.ts`)});
      const atImport = loaded();
      grpcHealth(createHealth());
      console.log(JSON.stringify({ atImport, afterCall: loaded() }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: root, timeout: 20_000 },
    );
    const { atImport, afterCall } = JSON.parse(stdout) as { atImport: number; afterCall: number };
    expect(atImport).toBe(0);
    expect(afterCall).toBeGreaterThan(0);
  });
});

/** A poll interval no other timer of this process uses, to tell the poller's timers apart. */
const POLL_MS = 17;

/**
 * Records the timers armed with `delayMs` from now on. `process.getActiveResourcesInfo()`
 * does not list unref'd timers, so liveness is read from Node's `_destroyed` flag, set when
 * a timer fires or is cleared.
 */
function trackTimers(delayMs: number) {
  const timers: NodeJS.Timeout[] = [];
  const original = globalThis.setTimeout;
  const spy = vi
    .spyOn(globalThis, 'setTimeout')
    .mockImplementation((callback: () => void, ms?: number) => {
      const timer = original(callback, ms);
      if (ms === delayMs) timers.push(timer);
      return timer;
    });
  return {
    created: () => timers.length,
    live: () => timers.filter((t) => !(t as unknown as { _destroyed: boolean })._destroyed).length,
    unrefd: () => timers.every((t) => !t.hasRef()),
    restore: () => spy.mockRestore(),
  };
}
