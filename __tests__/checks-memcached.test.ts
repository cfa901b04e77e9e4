import memjs from 'memjs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { checks, createHealth, HealthOptionsError, type CheckDefinition } from '../lib/index.js';
import { blackHole } from './helpers/black-hole.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';
import { tcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const gate = await serviceGate('memcached', 11211);
/** Scheduling slack for a loaded two-core machine, in milliseconds. */
const SLACK_MS = 1000;
const TIMEOUT_MS = 300;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const quiet = { log: () => undefined };

function client(servers: string, timeoutSeconds = 0.5): memjs.Client {
  const cache = memjs.Client.create(servers, {
    retries: 1,
    retry_delay: 0.05,
    timeout: timeoutSeconds,
    logger: quiet,
  });
  cleanups.push(() => Promise.resolve(cache.close()));
  return cache;
}

async function proxied(): Promise<TcpProxy> {
  const proxy = await tcpProxy(11211);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A runner of its own around `definition`, without caching; closed after the test. */
function runner(definition: CheckDefinition) {
  const health = createHealth({ cacheTtlMs: 0, checks: { cache: definition } });
  cleanups.push(() => Promise.resolve(health.close()));
  return async () => {
    const component = (await health.run()).components.cache;
    if (component === undefined) throw new Error('no component');
    return component;
  };
}

describe.skipIf(gate.skip)(`checks.memcached against memcached${gate.reason}`, () => {
  it('is UP with the STATS round trip and the server version', async () => {
    const result = await runCheck(checks.memcached(client('127.0.0.1:11211')));
    expect(result.status).toBe('UP');
    expect(result.details).toEqual({
      latencyMs: expect.any(Number) as number,
      servers: 1,
      version: expect.stringMatching(/^1\.\d+\.\d+/) as string,
    });
  });

  it('asks every server, and is DOWN naming the one that failed', async () => {
    const port = await closedPort();
    const result = await runCheck(checks.memcached(client(`127.0.0.1:11211,127.0.0.1:${port}`)));
    expect(result.status).toBe('DOWN');
    expect(result.message).toBe(
      `STATS failed on 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('is DOWN at once on a closed port, quoting the refusal', async () => {
    const port = await closedPort();
    const result = await runCheck(
      checks.memcached(client(`127.0.0.1:${port}`), { timeoutMs: 3000 }),
    );
    expect(result).toMatchObject({
      status: 'DOWN',
      message: `STATS failed on 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
    expect(result.durationMs).toBeLessThan(SLACK_MS);
  });

  it('is DOWN at the timeout on a black hole, then memjs closes its socket', async () => {
    const hole = await blackHole();
    cleanups.push(() => hole.close());
    const run = runner(
      checks.memcached(client(`127.0.0.1:${hole.port}`, 0.5), { timeoutMs: TIMEOUT_MS }),
    );
    const hung = await run();
    expect(hung).toMatchObject({ status: 'DOWN', message: `timed out after ${TIMEOUT_MS} ms` });
    expect(hung.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(hung.durationMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    const again = await run();
    expect(again.status).toBe('DOWN');
    expect(again.durationMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    // memjs' own request timeout (0.5 s) gives up on the silent server and drops the socket.
    await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined), {
      timeoutMs: 2000 + SLACK_MS,
    });
  });

  it('is DOWN during an outage and UP again after it', async () => {
    const proxy = await proxied();
    const run = runner(checks.memcached(client(`127.0.0.1:${proxy.port}`), { timeoutMs: 500 }));
    expect((await run()).status).toBe('UP');

    await proxy.cut();
    // A STATS sent while memjs has not yet seen its socket close is never answered: it
    // ends at the timeout. The next one connects anew and is refused at once.
    expect((await run()).status).toBe('DOWN');
    const down = await waitFor('the refusal', async () => {
      const result = await run();
      return /ECONNREFUSED/.test(result.message ?? '') ? result : undefined;
    });
    expect(down).toMatchObject({
      status: 'DOWN',
      message: `STATS failed on 127.0.0.1:${proxy.port}: connect ECONNREFUSED 127.0.0.1:${proxy.port}`,
    });
    expect(down.durationMs).toBeLessThan(SLACK_MS);

    await proxy.restore();
    const startedAt = performance.now();
    await waitFor('UP again', async () => ((await run()).status === 'UP' ? true : undefined));
    expect(performance.now() - startedAt).toBeLessThan(SLACK_MS);
  });
});

describe('checks.memcached contract', () => {
  it('throws HealthOptionsError for an object without stats()', () => {
    expect(() => checks.memcached({ get: () => undefined } as never)).toThrow(
      new HealthOptionsError(
        'checks.memcached(): expected a memjs client as the first argument.',
        '',
      ),
    );
  });

  it('takes the memjs client type as it is, without importing it', () => {
    expectTypeOf<memjs.Client>().toExtend<checks.MemcachedClientLike>();
  });
});
