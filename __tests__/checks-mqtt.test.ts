import mqttPackage, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { checks, createHealth, HealthOptionsError, type CheckDefinition } from '../lib/index.js';
import { blackHole } from './helpers/black-hole.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';
import { tcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const gate = await serviceGate('Mosquitto', 1883);
/** Scheduling slack for a loaded two-core machine, in milliseconds. */
const SLACK_MS = 1000;
const TIMEOUT_MS = 400;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(port: number): MqttClient {
  const mqtt = mqttPackage.connect(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 100,
    connectTimeout: 5000,
  });
  mqtt.on('error', () => undefined);
  cleanups.push(() => mqtt.endAsync(true));
  return mqtt;
}

async function connected(port: number): Promise<MqttClient> {
  const mqtt = client(port);
  await waitFor('the MQTT connection', () => (mqtt.connected ? true : undefined));
  return mqtt;
}

async function proxied(): Promise<TcpProxy> {
  const proxy = await tcpProxy(1883);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A runner of its own around `definition`, without caching; closed after the test. */
function runner(definition: CheckDefinition) {
  const health = createHealth({ cacheTtlMs: 0, checks: { mqtt: definition } });
  cleanups.push(() => Promise.resolve(health.close()));
  return async () => {
    const component = (await health.run()).components.mqtt;
    if (component === undefined) throw new Error('no component');
    return component;
  };
}

describe.skipIf(gate.skip)(`checks.mqtt against Mosquitto${gate.reason}`, () => {
  it('is UP with the UNSUBSCRIBE round trip', async () => {
    const result = await runCheck(checks.mqtt(await connected(1883)));
    expect(result.status).toBe('UP');
    expect(result.details).toEqual({ latencyMs: expect.any(Number) as number });
    expect(result.details?.latencyMs).toBeGreaterThan(0);
  });

  it('publishes nothing: a subscriber to every topic sees no message', async () => {
    const watcher = await connected(1883);
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync('#');
    const run = runner(checks.mqtt(await connected(1883)));
    for (let i = 0; i < 3; i++) expect((await run()).status).toBe('UP');
    await watcher.unsubscribeAsync('#');
    expect(seen).toEqual([]);
  });

  it('is DOWN at once on a closed port, quoting the refusal', async () => {
    const port = await closedPort();
    const mqtt = client(port);
    const run = runner(checks.mqtt(mqtt, { timeoutMs: 3000 }));
    const down = await waitFor('the refusal', async () => {
      const result = await run();
      return /ECONNREFUSED/.test(result.message ?? '') ? result : undefined;
    });
    expect(down.status).toBe('DOWN');
    expect(down.message).toMatch(
      new RegExp(
        `^client not connected \\((reconnecting|disconnected)\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
      ),
    );
    expect(down.durationMs).toBeLessThan(SLACK_MS);
  });

  it('is DOWN at once while the connect hangs on a black hole, sending nothing', async () => {
    const hole = await blackHole();
    cleanups.push(() => hole.close());
    const mqtt = client(hole.port);
    await waitFor('the connection', () => (hole.openSockets() === 1 ? true : undefined));
    const run = runner(checks.mqtt(mqtt, { timeoutMs: TIMEOUT_MS }));
    const result = await run();
    expect(result).toMatchObject({
      status: 'DOWN',
      message: 'client not connected (disconnected)',
    });
    expect(result.durationMs).toBeLessThan(SLACK_MS);
    // The only socket is the application's client; it goes when the client ends.
    expect(hole.accepted).toBe(1);
    await mqtt.endAsync(true);
    await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined));
  });

  it('is DOWN at the timeout when the broker goes silent, then not wedged', async () => {
    const proxy = await proxied();
    const run = runner(checks.mqtt(await connected(proxy.port), { timeoutMs: TIMEOUT_MS }));
    expect((await run()).status).toBe('UP');
    const connections = proxy.openSockets();

    proxy.mode = 'black-hole';
    const hung = await run();
    expect(hung).toMatchObject({ status: 'DOWN', message: `timed out after ${TIMEOUT_MS} ms` });
    expect(hung.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(hung.durationMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    const again = await run();
    expect(again.message).toMatch(/^the previous UNSUBSCRIBE is unanswered after \d+ ms$/);
    expect(again.durationMs).toBeLessThan(SLACK_MS);
    expect(proxy.openSockets()).toBe(connections);
  });

  it('is DOWN during an outage and UP again after it', async () => {
    const proxy = await proxied();
    const run = runner(checks.mqtt(await connected(proxy.port), { timeoutMs: 2000 }));
    expect((await run()).status).toBe('UP');

    await proxy.cut();
    const down = await waitFor('DOWN', async () => {
      const result = await run();
      return result.status === 'DOWN' ? result : undefined;
    });
    expect(down.message).toMatch(/^client not connected|^UNSUBSCRIBE failed/);
    expect(down.durationMs).toBeLessThan(SLACK_MS);

    await proxy.restore();
    const startedAt = performance.now();
    await waitFor('UP again', async () => ((await run()).status === 'UP' ? true : undefined), {
      timeoutMs: 3000 + SLACK_MS,
    });
    expect(performance.now() - startedAt).toBeLessThan(3000 + SLACK_MS);
  });
});

describe('checks.mqtt contract', () => {
  it('listens to error events until health.close()', () => {
    const mqtt = mqttPackage.connect('mqtt://127.0.0.1:1', { manualConnect: true });
    const before = mqtt.listenerCount('error');
    const health = createHealth({ checks: { broker: checks.mqtt(mqtt) } });
    expect(mqtt.listenerCount('error')).toBe(before + 1);
    health.close();
    expect(mqtt.listenerCount('error')).toBe(before);
  });

  it('throws HealthOptionsError for an object without unsubscribeAsync()', () => {
    expect(() => checks.mqtt({ connected: true } as never)).toThrow(
      new HealthOptionsError('checks.mqtt(): expected an mqtt client as the first argument.', ''),
    );
  });

  it('takes the mqtt client type as it is, without importing it', () => {
    expectTypeOf<MqttClient>().toExtend<checks.MqttClientLike>();
  });
});
