import amqplib from 'amqplib';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checks, HealthOptionsError } from '../lib/index.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';

const gate = await serviceGate('RabbitMQ', 5672);
const URL = 'amqp://guest:guest@127.0.0.1:5672';

describe.skipIf(gate.skip)(`checks.rabbitmq against RabbitMQ${gate.reason}`, () => {
  it('is UP when a channel opens and closes, with the round trips timed', async () => {
    const connection = await amqplib.connect(URL);
    const channelsOpened: number[] = [];
    try {
      const definition = checks.rabbitmq(connection, { cacheTtlMs: 0 });
      for (let i = 0; i < 3; i++) {
        const result = await runCheck(definition);
        expect(result.status).toBe('UP');
        expect(result.details?.latencyMs).toBeGreaterThan(0);
        // Each run frees its channel: the next one gets the same channel number back.
        const channel = await connection.createChannel();
        channelsOpened.push((channel as unknown as { ch: number }).ch);
        await channel.close();
      }
      expect(new Set(channelsOpened).size).toBe(1);
    } finally {
      await connection.close();
    }
  });

  it('is DOWN once the connection is closed, quoting amqplib', async () => {
    const connection = await amqplib.connect(URL);
    await connection.close();
    const result = await runCheck(checks.rabbitmq(connection));
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^channel open and close failed: .*closed/i);
    expect(result.message).not.toContain('guest:guest');
  });
});

describe('checks.rabbitmq contract', () => {
  it.each([
    ['undefined', undefined],
    ['a URL', 'amqp://127.0.0.1'],
    ['an object without createChannel()', { close: () => Promise.resolve() }],
  ])('throws HealthOptionsError for %s', (_name, value) => {
    expect(() => checks.rabbitmq(value as never)).toThrow(
      new HealthOptionsError(
        'checks.rabbitmq(): expected an amqplib connection (promise API) as the first argument.',
        '',
      ),
    );
  });

  it('quotes a failing channel close', async () => {
    const connection = {
      createChannel: () =>
        Promise.resolve({ close: () => Promise.reject(new Error('channel 1 is stuck')) }),
    };
    expect(await runCheck(checks.rabbitmq(connection))).toMatchObject({
      status: 'DOWN',
      message: 'channel open and close failed: channel 1 is stuck',
    });
  });

  it('takes the amqplib types as they are, without importing amqplib', () => {
    expectTypeOf<amqplib.ChannelModel>().toExtend<checks.AmqpConnectionLike>();
    expectTypeOf<amqplib.Channel>().toExtend<checks.AmqpChannelLike>();
  });
});
