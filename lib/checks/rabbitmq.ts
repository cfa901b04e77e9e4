import type * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import { elapsedMs, hasMethod, OutstandingProbe, requireShape, untilAborted } from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const rabbitmqSchema = checkTuningSchema;

/** Options of {@link rabbitmq}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type RabbitmqOptions = z.input<typeof rabbitmqSchema>;

/** What {@link rabbitmq} needs of a channel: `close()` returning a promise. */
export interface AmqpChannelLike {
  close(): PromiseLike<unknown>;
}

/**
 * What {@link rabbitmq} needs of a connection: `createChannel()` returning a promise, as
 * the connection `amqplib.connect()` resolves to (the promise API).
 */
export interface AmqpConnectionLike {
  createChannel(): PromiseLike<AmqpChannelLike>;
}

/**
 * Checks RabbitMQ (or any AMQP 0-9-1 broker) through an `amqplib` connection: opens a
 * channel and closes it again, two round trips the broker must answer, so a connection
 * that looks open but whose broker is gone or stuck is DOWN. The driver is never imported:
 * any object of the right shape works ({@link AmqpConnectionLike}).
 *
 * Details: `latencyMs`, the open and close round trips in milliseconds.
 *
 * On timeout the round trip is left to finish (a channel that opens late is closed at
 * once): the connection is the application's and is never closed. While it is unanswered,
 * later runs are DOWN at once instead of opening more channels.
 *
 * @param connection - what `amqplib.connect()` resolves to (`amqplib`, promise API).
 * @param options - see {@link RabbitmqOptions}.
 * @throws {HealthOptionsError} when `connection` has no `createChannel()` or an option is invalid.
 * @example
 * const connection = await amqplib.connect(process.env.AMQP_URL);
 * createHealth({ checks: { broker: checks.rabbitmq(connection) } });
 */
export function rabbitmq(
  connection: AmqpConnectionLike,
  options: RabbitmqOptions = {},
): CheckDefinition {
  requireShape(
    'checks.rabbitmq()',
    'an amqplib connection (promise API)',
    hasMethod(connection, 'createChannel'),
  );
  const tuning = parseOptions('checks.rabbitmq()', rabbitmqSchema, options);
  const roundTrip = new OutstandingProbe();
  return {
    ...pickTuning(tuning),
    check: async function rabbitmqCheck({ signal }): Promise<CheckResult> {
      const waitedMs = roundTrip.ageMs;
      if (waitedMs !== undefined) {
        return {
          status: 'DOWN',
          message: `the previous channel open and close is unanswered after ${waitedMs} ms`,
        };
      }
      const startedAt = performance.now();
      try {
        await untilAborted(roundTrip.track(openAndClose(connection)), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return {
          status: 'DOWN',
          message: `channel open and close failed: ${describeError(error)}`,
        };
      }
      return { status: 'UP', details: { latencyMs: elapsedMs(startedAt) } };
    },
  };
}

async function openAndClose(connection: AmqpConnectionLike): Promise<void> {
  const channel = await connection.createChannel();
  await channel.close();
}
