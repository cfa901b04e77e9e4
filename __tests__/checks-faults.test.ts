// Fault injection against the real loopback services: a closed port, a black hole, an
// outage and its recovery, a slow dependency. Statuses are read from /ready on a real HTTP
// server; times are measured around the request.
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checks,
  createHealth,
  type CheckDefinition,
  type Health,
  type HealthOptions,
} from '../lib/index.js';
import { blackHole, type BlackHole } from './helpers/black-hole.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { serveReadiness, type ReadinessServer } from './helpers/readiness.js';
import { privateRedis, redisServerInstalled } from './helpers/redis-server.js';
import { serviceGate, type ServiceGate } from './helpers/service-gate.js';
import { servicesRequired } from './helpers/services.js';
import { tcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const gates = {
  postgres: await serviceGate('PostgreSQL', 5432),
  mysql: await serviceGate('MariaDB', 3306),
  redis: await serviceGate('Redis', 6379),
  rabbitmq: await serviceGate('RabbitMQ', 5672),
};

/** Scheduling slack for a loaded two-core CI machine, in milliseconds. */
const SLACK_MS = 1000;
const ignore = () => undefined;

type Tuning = Pick<CheckDefinition, 'timeoutMs' | 'cacheTtlMs'>;

/** A driver connected to 127.0.0.1:port, and the check built on it. */
interface Rig {
  readonly definition: CheckDefinition;
  /** Closes the driver; bounded, errors ignored (its server may be gone). */
  close(): Promise<void>;
}

interface Driver {
  readonly name: string;
  readonly gate: ServiceGate;
  readonly servicePort: number;
  /** Whether the connection is the application's (kept open by the check) or pooled. */
  readonly shared: boolean;
  open(port: number, tuning: Tuning): Promise<Rig>;
}

const bounded = async (work: Promise<unknown>, ms = 2000) => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(ignore),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
};

const drivers: Driver[] = [
  {
    name: 'pg Pool',
    gate: gates.postgres,
    servicePort: 5432,
    shared: false,
    open: (port, tuning) => {
      const pool = new pg.Pool({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        database: 'test',
        max: 2,
        connectionTimeoutMillis: 1000,
      });
      pool.on('error', ignore);
      return Promise.resolve({
        definition: checks.postgres(pool, tuning),
        close: () => bounded(pool.end()),
      });
    },
  },
  {
    name: 'pg Client',
    gate: gates.postgres,
    servicePort: 5432,
    shared: true,
    open: async (port, tuning) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'test' });
      client.on('error', ignore);
      await client.connect();
      return { definition: checks.postgres(client, tuning), close: () => bounded(client.end()) };
    },
  },
  {
    name: 'mysql2/promise pool',
    gate: gates.mysql,
    servicePort: 3306,
    shared: false,
    open: (port, tuning) => {
      const pool = mysql2Promise.createPool({
        host: '127.0.0.1',
        port,
        user: 'root',
        database: 'test',
        connectionLimit: 2,
        connectTimeout: 1000,
      });
      return Promise.resolve({
        definition: checks.mysql(pool, tuning),
        close: () => bounded(pool.end()),
      });
    },
  },
  {
    name: 'mysql2 callback pool',
    gate: gates.mysql,
    servicePort: 3306,
    shared: false,
    open: (port, tuning) => {
      const pool = mysql2.createPool({
        host: '127.0.0.1',
        port,
        user: 'root',
        database: 'test',
        connectionLimit: 2,
        connectTimeout: 1000,
      });
      return Promise.resolve({
        definition: checks.mysql(pool, tuning),
        close: () => bounded(new Promise<void>((resolve) => pool.end(() => resolve()))),
      });
    },
  },
  {
    name: 'ioredis',
    gate: gates.redis,
    servicePort: 6379,
    shared: true,
    open: async (port, tuning) => {
      const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 100 });
      client.on('error', ignore);
      await waitFor('ioredis ready', () => (client.status === 'ready' ? true : undefined));
      return {
        definition: checks.redis(client, tuning),
        close: () => {
          client.disconnect();
          return Promise.resolve();
        },
      };
    },
  },
  {
    name: 'node-redis',
    gate: gates.redis,
    servicePort: 6379,
    shared: true,
    open: async (port, tuning) => {
      const client = createClient({
        socket: { host: '127.0.0.1', port, reconnectStrategy: () => 100 },
      });
      client.on('error', ignore);
      await client.connect();
      return {
        definition: checks.redis(client, tuning),
        close: () => {
          client.destroy();
          return Promise.resolve();
        },
      };
    },
  },
  {
    name: 'amqplib',
    gate: gates.rabbitmq,
    servicePort: 5672,
    shared: true,
    open: async (port, tuning) => {
      const connection = await amqplib.connect(`amqp://guest:guest@127.0.0.1:${port}`);
      connection.on('error', ignore);
      return {
        definition: checks.rabbitmq(connection, tuning),
        close: () => bounded(connection.close()),
      };
    },
  },
];

// Everything a test opens, closed after it even when it fails.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: HealthOptions): Promise<{ health: Health; probe: ReadinessServer }> {
  const health = createHealth(options);
  const probe = await serveReadiness(health);
  cleanups.push(async () => {
    health.close();
    await probe.close();
  });
  return { health, probe };
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await tcpProxy(port);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function openRig(driver: Driver, port: number, tuning: Tuning): Promise<Rig> {
  const rig = await driver.open(port, tuning);
  cleanups.push(() => rig.close());
  return rig;
}

/** GETs /ready every 50 ms until it answers `status`; returns the time that took. */
async function readyUntil(probe: ReadinessServer, status: number, timeoutMs: number) {
  const startedAt = performance.now();
  await waitFor(
    `/ready to answer ${status}`,
    async () => ((await probe.ready()).status === status ? true : undefined),
    { timeoutMs, intervalMs: 50 },
  );
  return performance.now() - startedAt;
}

describe('a closed port: DOWN at once, saying the connection was refused', () => {
  const cases: [string, (port: number) => CheckDefinition][] = [
    [
      'pg Pool',
      (port) => {
        const pool = new pg.Pool({ host: '127.0.0.1', port });
        cleanups.push(() => bounded(pool.end()));
        return checks.postgres(pool);
      },
    ],
    [
      'mysql2 pool',
      (port) => {
        const pool = mysql2Promise.createPool({ host: '127.0.0.1', port, user: 'root' });
        cleanups.push(() => bounded(pool.end()));
        return checks.mysql(pool);
      },
    ],
    [
      'ioredis',
      (port) => {
        const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50 });
        client.on('error', ignore);
        cleanups.push(() => Promise.resolve(client.disconnect()));
        return checks.redis(client);
      },
    ],
    [
      'node-redis',
      (port) => {
        const client = createClient({
          socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 },
        });
        client.on('error', ignore);
        client.connect().catch(ignore);
        cleanups.push(() => Promise.resolve(client.destroy()));
        return checks.redis(client);
      },
    ],
    ['http', (port) => checks.http(`http://127.0.0.1:${port}/health`)],
    ['tcp', (port) => checks.tcp({ host: '127.0.0.1', port })],
  ];

  it.each(cases)('%s', async (_name, build) => {
    const port = await closedPort();
    const { probe } = await serve({
      timeoutMs: 3000,
      cacheTtlMs: 0,
      checks: { dependency: build(port) },
    });
    // The Redis clients report the refusal from their first connection error.
    const answer = await waitFor('the refusal', async () => {
      const ready = await probe.ready();
      return /ECONNREFUSED/.test(ready.message('dependency') ?? '') ? ready : undefined;
    });
    expect(answer.status).toBe(503);
    expect(answer.message('dependency')).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(answer.elapsedMs).toBeLessThan(SLACK_MS);
  });
});

describe('a black hole that accepts connections and never answers', () => {
  let hole: BlackHole;
  afterEach(async () => {
    await hole.close();
  });

  const TIMEOUT_MS = 400;

  async function downAtTheTimeout(definition: CheckDefinition) {
    const { probe } = await serve({ cacheTtlMs: 0, checks: { dependency: definition } });
    const first = await probe.ready();
    expect(first.status).toBe(503);
    expect(first.message('dependency')).toBe(`timed out after ${TIMEOUT_MS} ms`);
    expect(first.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(first.elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    return probe;
  }

  it('pg Pool: DOWN at the timeout, no second connect piled up, no socket left', async () => {
    hole = await blackHole();
    const pool = new pg.Pool({ host: '127.0.0.1', port: hole.port, connectionTimeoutMillis: 1500 });
    pool.on('error', ignore);
    cleanups.push(() => bounded(pool.end()));
    const probe = await downAtTheTimeout(checks.postgres(pool, { timeoutMs: TIMEOUT_MS }));
    const second = await probe.ready();
    expect(second.status).toBe(503);
    expect(second.message('dependency')).toMatch(
      /^still waiting for a connection from the pool after \d+ ms$/,
    );
    expect(second.elapsedMs).toBeLessThan(SLACK_MS);
    expect(hole.accepted).toBe(1);
    // The pool's own connect timeout ends the attempt: nothing stays open.
    await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined), {
      timeoutMs: 1500 + SLACK_MS * 2,
    });
    expect(pool.totalCount).toBe(0);
  });

  it('mysql2 pool: DOWN at the timeout, no socket left once the connect timeout passed', async () => {
    hole = await blackHole();
    const pool = mysql2Promise.createPool({
      host: '127.0.0.1',
      port: hole.port,
      connectTimeout: 1500,
    });
    cleanups.push(() => bounded(pool.end()));
    await downAtTheTimeout(checks.mysql(pool, { timeoutMs: TIMEOUT_MS }));
    expect(hole.accepted).toBe(1);
    await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined), {
      timeoutMs: 1500 + SLACK_MS * 2,
    });
  });

  it('http: DOWN at the timeout, no socket left', async () => {
    hole = await blackHole();
    await downAtTheTimeout(
      checks.http(`http://127.0.0.1:${hole.port}/health`, { timeoutMs: TIMEOUT_MS }),
    );
    // The request's socket closes at once; Node's fetch may open one idle connection of
    // its own after an abort, which it closes after its 4 s keep-alive.
    await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined), {
      timeoutMs: 4000 + SLACK_MS * 2,
    });
  });

  it('tcp: UP, since a TCP connect is all it asks for', async () => {
    hole = await blackHole();
    const { probe } = await serve({
      checks: { dependency: checks.tcp({ host: '127.0.0.1', port: hole.port }) },
    });
    expect((await probe.ready()).status).toBe(200);
    await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined));
  });

  it.each(['ioredis', 'node-redis'])(
    '%s: a first connect whose handshake hangs is waited for up to the timeout, sending nothing',
    async (name) => {
      hole = await blackHole();
      let definition: CheckDefinition;
      let closeClient: () => void;
      if (name === 'ioredis') {
        const client = new Redis({ host: '127.0.0.1', port: hole.port });
        client.on('error', ignore);
        definition = checks.redis(client, { timeoutMs: TIMEOUT_MS });
        closeClient = () => client.disconnect();
      } else {
        const client = createClient({ socket: { host: '127.0.0.1', port: hole.port } });
        client.on('error', ignore);
        client.connect().catch(ignore);
        definition = checks.redis(client, { timeoutMs: TIMEOUT_MS });
        closeClient = () => client.destroy();
      }
      cleanups.push(() => Promise.resolve(closeClient()));
      await waitFor('the client connection', () => (hole.openSockets() === 1 ? true : undefined));
      const { probe } = await serve({ cacheTtlMs: 0, checks: { dependency: definition } });
      for (let i = 0; i < 2; i++) {
        const answer = await probe.ready();
        expect(answer.status).toBe(503);
        expect(answer.message('dependency')).toBe(`timed out after ${TIMEOUT_MS} ms`);
        expect(answer.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
        expect(answer.elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      }
      // The only socket is the application's client; it goes when the client is closed.
      expect(hole.accepted).toBe(1);
      closeClient();
      await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined));
    },
  );
});

describe.each(drivers)('$name, when the server stops answering mid-connection', (driver) => {
  const TIMEOUT_MS = 400;

  it.skipIf(driver.gate.skip)(
    `DOWN at the timeout, then not wedged${driver.gate.reason}`,
    async () => {
      const proxy = await proxyTo(driver.servicePort);
      const rig = await openRig(driver, proxy.port, { timeoutMs: TIMEOUT_MS });
      const { probe } = await serve({ cacheTtlMs: 0, checks: { dependency: rig.definition } });
      expect((await probe.ready()).status).toBe(200);
      const connections = proxy.openSockets();

      proxy.mode = 'black-hole';
      const hung = await probe.ready();
      expect(hung.status).toBe(503);
      expect(hung.message('dependency')).toBe(`timed out after ${TIMEOUT_MS} ms`);
      expect(hung.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(hung.elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);

      if (driver.shared) {
        // The application's connection stays open; the unanswered probe is not repeated.
        const again = await probe.ready();
        expect(again.status).toBe(503);
        expect(again.message('dependency')).toMatch(/^the previous .+ is unanswered after \d+ ms$/);
        expect(again.elapsedMs).toBeLessThan(SLACK_MS);
        expect(proxy.openSockets()).toBe(connections);
      } else {
        // The borrowed connection was destroyed, not given back to the pool wedged.
        await waitFor('the wedged connection to close', () =>
          proxy.openSockets() < connections ? true : undefined,
        );
        proxy.mode = 'forward';
        expect((await probe.ready()).status).toBe(200);
      }
    },
  );
});

describe.each(drivers)('$name, behind a proxy adding 300 ms', (driver) => {
  it.skipIf(driver.gate.skip)(
    `UP with the latency visible, DOWN past the timeout, UP again${driver.gate.reason}`,
    async () => {
      const TIMEOUT_MS = 1000;
      const proxy = await proxyTo(driver.servicePort);
      const rig = await openRig(driver, proxy.port, { timeoutMs: TIMEOUT_MS });
      const { health, probe } = await serve({
        cacheTtlMs: 0,
        checks: { dependency: rig.definition },
      });
      expect((await probe.ready()).status).toBe(200);

      proxy.delayMs = 300;
      const slow = await probe.ready();
      expect(slow.status).toBe(200);
      expect(slow.elapsedMs).toBeGreaterThanOrEqual(300);
      // cacheTtlMs 0: run once more for the details (/ready shows no details).
      const report = await health.run();
      expect(report.components.dependency?.status).toBe('UP');
      expect(report.components.dependency?.details?.latencyMs).toBeGreaterThanOrEqual(295);

      proxy.delayMs = 1500;
      const late = await probe.ready();
      expect(late.status).toBe(503);
      expect(late.message('dependency')).toBe(`timed out after ${TIMEOUT_MS} ms`);
      expect(late.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(late.elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);

      proxy.delayMs = 0;
      await readyUntil(probe, 200, 1500 + SLACK_MS * 2);
    },
  );
});

describe.skipIf(!redisServerInstalled && !servicesRequired)(
  'an outage of a private redis-server, and its recovery',
  () => {
    it('ioredis and node-redis: 503 within timeout + TTL, 200 again within TTL', async () => {
      const TIMEOUT_MS = 500;
      const TTL_MS = 500;
      const RECONNECT_MS = 100;
      const server = await privateRedis();
      cleanups.push(() => server.stop());
      const io = new Redis({
        host: '127.0.0.1',
        port: server.port,
        retryStrategy: () => RECONNECT_MS,
      });
      io.on('error', ignore);
      cleanups.push(() => Promise.resolve(io.disconnect()));
      const node = createClient({
        socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: () => RECONNECT_MS },
      });
      node.on('error', ignore);
      cleanups.push(() => Promise.resolve(node.destroy()));
      await node.connect();
      await waitFor('ioredis ready', () => (io.status === 'ready' ? true : undefined));
      const tuning = { timeoutMs: TIMEOUT_MS, cacheTtlMs: TTL_MS };
      const { probe } = await serve({
        checks: { ioredis: checks.redis(io, tuning), nodeRedis: checks.redis(node, tuning) },
      });
      expect((await probe.ready()).status).toBe(200);

      await server.stop();
      const downMs = await readyUntil(probe, 503, TIMEOUT_MS + TTL_MS + SLACK_MS);
      expect(downMs).toBeLessThan(TIMEOUT_MS + TTL_MS + SLACK_MS);
      // Polling through the outage: the reconnect loops must not queue PINGs.
      for (let i = 0; i < 5; i++) {
        const answer = await probe.ready();
        expect(answer.status).toBe(503);
        expect(answer.message('ioredis')).toMatch(/^client not ready|^PING failed|^timed out/);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      await server.start();
      const upMs = await readyUntil(probe, 200, TTL_MS + RECONNECT_MS + SLACK_MS * 2);
      expect(upMs).toBeLessThan(TTL_MS + RECONNECT_MS + SLACK_MS * 2);
      const back = await probe.ready();
      expect(back.body.components).toEqual({
        ioredis: { status: 'UP' },
        nodeRedis: { status: 'UP' },
      });
    });
  },
);

describe.skipIf(gates.postgres.skip)(
  `an outage of PostgreSQL behind a cut proxy, and its recovery${gates.postgres.reason}`,
  () => {
    it('pg Pool: 503 within timeout + TTL, 200 again within TTL', async () => {
      const TIMEOUT_MS = 500;
      const TTL_MS = 500;
      const proxy = await proxyTo(5432);
      const rig = await openRig(drivers[0]!, proxy.port, {
        timeoutMs: TIMEOUT_MS,
        cacheTtlMs: TTL_MS,
      });
      const { probe } = await serve({ checks: { database: rig.definition } });
      expect((await probe.ready()).status).toBe(200);

      await proxy.cut();
      const downMs = await readyUntil(probe, 503, TIMEOUT_MS + TTL_MS + SLACK_MS);
      expect(downMs).toBeLessThan(TIMEOUT_MS + TTL_MS + SLACK_MS);
      const during = await probe.ready();
      expect(during.message('database')).toMatch(/ECONNREFUSED|Connection terminated/);

      await proxy.restore();
      const upMs = await readyUntil(probe, 200, TTL_MS + SLACK_MS * 2);
      expect(upMs).toBeLessThan(TTL_MS + SLACK_MS * 2);
    });
  },
);
