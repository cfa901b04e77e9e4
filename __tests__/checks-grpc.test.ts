import * as grpcJs from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { checks, createHealth, HealthOptionsError, type CheckDefinition } from '../lib/index.js';
import { blackHole } from './helpers/black-hole.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { tcpProxy } from './helpers/tcp-proxy.js';

/** Scheduling slack for a loaded two-core machine, in milliseconds. */
const SLACK_MS = 1000;
const TIMEOUT_MS = 400;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A grpc-js server with the standard health service on 127.0.0.1, `port` 0 for any. */
async function upstream(port = 0) {
  const health = new HealthImplementation({ '': 'SERVING', 'shop.v1.Orders': 'SERVING' });
  const server = new grpcJs.Server();
  health.addToServer(server);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpcJs.ServerCredentials.createInsecure(), (error, p) =>
      error === null ? resolve(p) : reject(error),
    );
  });
  cleanups.push(() => server.forceShutdown());
  return { health, server, port: bound };
}

/** A runner of its own around `definition`, without caching; closed after the test. */
function runner(definition: CheckDefinition) {
  const health = createHealth({ cacheTtlMs: 0, checks: { upstream: definition } });
  cleanups.push(() => health.close());
  return async () => {
    const component = (await health.run()).components.upstream;
    if (component === undefined) throw new Error('no component');
    return component;
  };
}

describe('checks.grpc against a local grpc-js server with the health service', () => {
  it('is UP while the service is SERVING, DOWN for NOT_SERVING and an unknown service', async () => {
    const { health, port } = await upstream();
    const address = `127.0.0.1:${port}`;
    const run = runner(checks.grpc({ address, service: 'shop.v1.Orders' }));
    const up = await run();
    expect(up.status).toBe('UP');
    expect(up.details).toEqual({
      address,
      service: 'shop.v1.Orders',
      servingStatus: 'SERVING',
      latencyMs: expect.any(Number) as number,
    });

    health.setStatus('shop.v1.Orders', 'NOT_SERVING');
    expect(await run()).toMatchObject({
      status: 'DOWN',
      message: 'answered NOT_SERVING',
      details: { servingStatus: 'NOT_SERVING' },
    });
    health.setStatus('shop.v1.Orders', 'SERVING');
    expect((await run()).status).toBe('UP');

    const unknown = await runCheck(checks.grpc({ address, service: 'no.such.Service' }));
    expect(unknown.status).toBe('DOWN');
    expect(unknown.message).toMatch(/^Check failed: 5 NOT_FOUND/);

    expect((await runCheck(checks.grpc({ address }))).status).toBe('UP');
  });

  it('is DOWN at once on a closed port', async () => {
    const port = await closedPort();
    const result = await runCheck(checks.grpc({ address: `127.0.0.1:${port}`, timeoutMs: 3000 }));
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^Check failed: 14 UNAVAILABLE: .*ECONNREFUSED/);
    expect(result.durationMs).toBeLessThan(SLACK_MS);
  });

  it('is DOWN at the timeout on a black hole, closing its channel', async () => {
    const hole = await blackHole();
    cleanups.push(() => hole.close());
    const run = runner(checks.grpc({ address: `127.0.0.1:${hole.port}`, timeoutMs: TIMEOUT_MS }));
    for (let i = 0; i < 2; i++) {
      const hung = await run();
      expect(hung).toMatchObject({ status: 'DOWN', message: `timed out after ${TIMEOUT_MS} ms` });
      expect(hung.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(hung.durationMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined));
    }
    expect(hole.accepted).toBe(2);
  });

  it('is DOWN during an outage and UP again after it, without waiting for a back-off', async () => {
    const { port } = await upstream();
    const proxy = await tcpProxy(port);
    cleanups.push(() => proxy.close());
    const run = runner(checks.grpc({ address: `127.0.0.1:${proxy.port}`, timeoutMs: 2000 }));
    expect((await run()).status).toBe('UP');

    await proxy.cut();
    const down = await run();
    expect(down.status).toBe('DOWN');
    expect(down.message).toMatch(/^Check failed: 14 UNAVAILABLE/);
    expect(down.durationMs).toBeLessThan(SLACK_MS);

    await proxy.restore();
    const startedAt = performance.now();
    await waitFor('UP again', async () => ((await run()).status === 'UP' ? true : undefined));
    expect(performance.now() - startedAt).toBeLessThan(SLACK_MS);
  });

  it('keeps one channel while the upstream is SERVING, and closes it on health.close()', async () => {
    const { port } = await upstream();
    const proxy = await tcpProxy(port);
    cleanups.push(() => proxy.close());
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { upstream: checks.grpc({ address: `127.0.0.1:${proxy.port}` }) },
    });
    for (let i = 0; i < 5; i++) expect((await health.run()).status).toBe('UP');
    expect(proxy.openSockets()).toBe(1);
    health.close();
    await waitFor('no open socket', () => (proxy.openSockets() === 0 ? true : undefined));
  });
});

describe('checks.grpc options', () => {
  it.each<[string, () => unknown, string]>([
    ['without an address', () => checks.grpc({} as never), 'address'],
    [
      'credentials that are not an object',
      () => checks.grpc({ address: 'a:1', credentials: 'tls' as never }),
      'credentials',
    ],
    ['an unknown key', () => checks.grpc({ address: 'a:1', servce: 'x' } as never), 'servce'],
  ])('throws HealthOptionsError %s', (_name, build, option) => {
    expect(build).toThrow(HealthOptionsError);
    try {
      build();
    } catch (error) {
      expect((error as HealthOptionsError).option).toBe(option);
    }
  });

  it('takes grpc-js channel credentials', async () => {
    const { port } = await upstream();
    const result = await runCheck(
      checks.grpc({
        address: `127.0.0.1:${port}`,
        credentials: grpcJs.credentials.createInsecure(),
      }),
    );
    expect(result.status).toBe('UP');
  });
});
