import { connect, type NatsConnection } from 'nats';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { checks, createHealth, HealthOptionsError, type CheckDefinition } from '../lib/index.js';
import { waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';
import { tcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const gate = await serviceGate('NATS', 4222);
/** Scheduling slack for a loaded two-core machine, in milliseconds. */
const SLACK_MS = 1000;
const TIMEOUT_MS = 400;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function through(proxy: TcpProxy | undefined): Promise<NatsConnection> {
  const nc = await connect({
    servers: `127.0.0.1:${proxy?.port ?? 4222}`,
    reconnectTimeWait: 100,
    maxReconnectAttempts: -1,
  });
  cleanups.push(() => nc.close());
  return nc;
}

async function proxied(): Promise<TcpProxy> {
  const proxy = await tcpProxy(4222);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A runner of its own around `definition`, without caching; closed after the test. */
function runner(definition: CheckDefinition) {
  const health = createHealth({ cacheTtlMs: 0, checks: { nats: definition } });
  cleanups.push(() => Promise.resolve(health.close()));
  return async () => {
    const component = (await health.run()).components.nats;
    if (component === undefined) throw new Error('no component');
    return component;
  };
}

describe.skipIf(gate.skip)(`checks.nats against nats-server${gate.reason}`, () => {
  it('is UP with the PING round trip', async () => {
    const result = await runCheck(checks.nats(await through(undefined)));
    expect(result.status).toBe('UP');
    expect(result.details).toEqual({ latencyMs: expect.any(Number) as number });
    expect(result.details?.latencyMs).toBeGreaterThan(0);
  });

  it('is DOWN at once while the port refuses connections, UP again once it answers', async () => {
    const proxy = await proxied();
    const run = runner(checks.nats(await through(proxy), { timeoutMs: 3000 }));
    expect((await run()).status).toBe('UP');

    await proxy.cut();
    const down = await waitFor('DOWN', async () => {
      const result = await run();
      return result.status === 'DOWN' ? result : undefined;
    });
    expect(down.message).toMatch(/^PING failed: /);
    expect(down.durationMs).toBeLessThan(SLACK_MS);
    // The client's reconnect loop is refused: every run is DOWN at once, none piles up.
    for (let i = 0; i < 3; i++) {
      const again = await run();
      expect(again.status).toBe('DOWN');
      expect(again.durationMs).toBeLessThan(SLACK_MS);
    }

    await proxy.restore();
    const startedAt = performance.now();
    await waitFor('UP again', async () => ((await run()).status === 'UP' ? true : undefined), {
      timeoutMs: 3000 + SLACK_MS,
    });
    expect(performance.now() - startedAt).toBeLessThan(3000 + SLACK_MS);
  });

  it('is DOWN at the timeout when the server goes silent, then not wedged', async () => {
    const proxy = await proxied();
    const run = runner(checks.nats(await through(proxy), { timeoutMs: TIMEOUT_MS }));
    expect((await run()).status).toBe('UP');
    const connections = proxy.openSockets();

    proxy.mode = 'black-hole';
    const hung = await run();
    expect(hung).toMatchObject({ status: 'DOWN', message: `timed out after ${TIMEOUT_MS} ms` });
    expect(hung.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(hung.durationMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    // The connection is the application's: kept, and the unanswered PING is not repeated.
    const again = await run();
    expect(again.status).toBe('DOWN');
    expect(again.message).toMatch(/^the previous PING is unanswered after \d+ ms$/);
    expect(again.durationMs).toBeLessThan(SLACK_MS);
    expect(proxy.openSockets()).toBe(connections);
  });

  it('is DOWN once the application closed the connection', async () => {
    const nc = await through(undefined);
    await nc.close();
    expect(await runCheck(checks.nats(nc))).toMatchObject({
      status: 'DOWN',
      message: 'connection closed',
    });
  });
});

describe('checks.nats contract', () => {
  it('falls back to flush() without rtt()', async () => {
    let flushes = 0;
    const result = await runCheck(checks.nats({ flush: () => Promise.resolve(flushes++) }));
    expect(result.status).toBe('UP');
    expect(flushes).toBe(1);
  });

  it.each([
    ['undefined', undefined],
    ['a URL', 'nats://127.0.0.1:4222'],
  ])('throws HealthOptionsError for %s', (_name, value) => {
    expect(() => checks.nats(value as never)).toThrow(
      new HealthOptionsError(
        'checks.nats(): expected a nats connection as the first argument.',
        '',
      ),
    );
  });

  it('takes the nats connection type as it is, without importing it', () => {
    expectTypeOf<NatsConnection>().toExtend<checks.NatsConnectionLike>();
  });
});
