import { once } from 'node:events';
import { Cluster, Redis } from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checks, createHealth, HealthOptionsError } from '../lib/index.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';

const gate = await serviceGate('Redis', 6379);

describe.skipIf(gate.skip)(`checks.redis against Redis${gate.reason}`, () => {
  it('is UP through ioredis, with the PING round trip', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      await once(client, 'ready');
      const result = await runCheck(checks.redis(client));
      expect(result.status).toBe('UP');
      expect(Object.keys(result.details ?? {})).toEqual(['latencyMs']);
      expect(result.details?.latencyMs).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('is UP through node-redis', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:6379' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const result = await runCheck(checks.redis(client));
      expect(result.status).toBe('UP');
      expect(result.details?.latencyMs).toBeGreaterThan(0);
    } finally {
      client.destroy();
    }
  });

  it('waits for a client still in its first connect: UP right after start-up', async () => {
    const io = new Redis({ host: '127.0.0.1', port: 6379 });
    const node = createClient({ url: 'redis://127.0.0.1:6379' });
    node.on('error', () => undefined);
    node.connect().catch(() => undefined);
    try {
      expect(io.status).toBe('connecting');
      expect(node.isReady).toBe(false);
      const health = createHealth({
        checks: { io: checks.redis(io), node: checks.redis(node) },
      });
      try {
        const report = await health.run();
        expect(report.components.io?.status).toBe('UP');
        expect(report.components.node?.status).toBe('UP');
      } finally {
        health.close();
      }
    } finally {
      io.disconnect();
      node.destroy();
    }
  });

  it('connects an ioredis client created with lazyConnect', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    try {
      expect(client.status).toBe('wait');
      expect((await runCheck(checks.redis(client))).status).toBe('UP');
    } finally {
      client.disconnect();
    }
  });
});

describe('checks.redis while the client cannot connect', () => {
  it('ioredis: DOWN at once with the refused connection, password not shown', async () => {
    const port = await closedPort();
    const client = new Redis(`redis://:s3cret-pw@127.0.0.1:${port}`, { retryStrategy: () => 50 });
    const health = createHealth({ checks: { cache: checks.redis(client, { timeoutMs: 3000 }) } });
    try {
      await waitFor('a reconnect', () => (client.status === 'reconnecting' ? true : undefined));
      const report = await health.run();
      expect(report.components.cache).toMatchObject({
        status: 'DOWN',
        message: `client not ready (reconnecting): connect ECONNREFUSED 127.0.0.1:${port}`,
      });
      expect(report.components.cache?.durationMs).toBeLessThan(100);
      expect(JSON.stringify(report)).not.toContain('s3cret-pw');
    } finally {
      health.close();
      client.disconnect();
    }
  });

  it('node-redis: DOWN at once with the refused connection', async () => {
    const port = await closedPort();
    const client = createClient({
      url: `redis://:s3cret-pw@127.0.0.1:${port}`,
      socket: { reconnectStrategy: () => 50 },
    });
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    const health = createHealth({ checks: { cache: checks.redis(client, { timeoutMs: 3000 }) } });
    client.connect().catch(() => undefined);
    try {
      await waitFor('a connection error', () => (errors.length > 0 ? true : undefined));
      const report = await health.run();
      expect(report.components.cache?.status).toBe('DOWN');
      expect(report.components.cache?.message).toMatch(
        new RegExp(
          `^client not ready \\(connecting\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
        ),
      );
      expect(JSON.stringify(report)).not.toContain('s3cret-pw');
    } finally {
      health.close();
      client.destroy();
    }
  });

  it('node-redis: DOWN once the application closed the client', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    expect((await runCheck(checks.redis(client))).message).toBe('client not ready (closed)');
  });
});

describe('checks.redis contract', () => {
  it('is DOWN when PING does not answer PONG', async () => {
    const result = await runCheck(checks.redis({ ping: () => Promise.resolve('nope') }));
    expect(result).toMatchObject({
      status: 'DOWN',
      message: "PING answered 'nope', expected 'PONG'",
      details: { latencyMs: expect.any(Number) as number },
    });
  });

  it('listens to the client until health.close()', () => {
    const client = new Redis({ lazyConnect: true });
    const events = ['error', 'ready', 'reconnecting', 'end', 'close'];
    const health = createHealth({ checks: { cache: checks.redis(client) } });
    for (const event of events) expect(client.listenerCount(event)).toBeGreaterThan(0);
    health.close();
    for (const event of events) expect(client.listenerCount(event)).toBe(0);
  });

  it.each([
    ['undefined', undefined],
    ['a URL', 'redis://127.0.0.1:6379'],
    ['an object without ping()', { get: () => Promise.resolve() }],
  ])('throws HealthOptionsError for %s', (_name, value) => {
    expect(() => checks.redis(value as never)).toThrow(
      new HealthOptionsError(
        'checks.redis(): expected an ioredis or node-redis client as the first argument.',
        '',
      ),
    );
  });

  it('rejects invalid tuning', () => {
    expect(() => checks.redis({ ping: () => Promise.resolve('PONG') }, { timeoutMs: 0 })).toThrow(
      /^checks\.redis\(\): invalid option `timeoutMs`/,
    );
  });

  it('takes the ioredis and node-redis types as they are, without importing them', () => {
    expectTypeOf<Redis>().toExtend<checks.RedisClientLike>();
    expectTypeOf<Cluster>().toExtend<checks.RedisClientLike>();
    expectTypeOf<RedisClientType>().toExtend<checks.RedisClientLike>();
  });
});
