import type * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import {
  attempt,
  elapsedMs,
  hasMethod,
  OutstandingProbe,
  requireShape,
  untilAborted,
} from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const natsSchema = checkTuningSchema;

/** Options of {@link nats}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type NatsOptions = z.input<typeof natsSchema>;

/**
 * What {@link nats} needs of a connection, as `connect()` of the `nats` package (v2)
 * resolves to: `flush()` returning a promise, and `rtt()` and `isClosed()` when present.
 */
export interface NatsConnectionLike {
  /** Sends a `PING` and resolves on the server's `PONG`. */
  flush(): PromiseLike<unknown>;
  /** Like `flush()`, but rejects at once while disconnected. */
  rtt?(): PromiseLike<number>;
  isClosed?(): boolean;
}

/**
 * Checks NATS with a `PING`/`PONG` round trip on a `nats` connection: `rtt()`, which
 * rejects at once while the client is reconnecting (instead of waiting for the next
 * connection, as `flush()` does), or `flush()` when there is no `rtt()`. The driver is
 * never imported: any object of the right shape works ({@link NatsConnectionLike}).
 *
 * Details: `latencyMs`, the round trip in milliseconds.
 *
 * The connection is the application's and is never closed: on timeout the `PING` is left
 * to the client, and while it is unanswered later runs are DOWN at once instead of
 * sending more.
 *
 * @param connection - what `connect()` of `nats` resolves to.
 * @param options - see {@link NatsOptions}.
 * @throws {HealthOptionsError} when `connection` has no `flush()` or an option is invalid.
 * @example
 * const nc = await connect({ servers: process.env.NATS_URL });
 * createHealth({ checks: { nats: checks.nats(nc) } });
 */
export function nats(connection: NatsConnectionLike, options: NatsOptions = {}): CheckDefinition {
  requireShape('checks.nats()', 'a nats connection', hasMethod(connection, 'flush'));
  const tuning = parseOptions('checks.nats()', natsSchema, options);
  const pinging = new OutstandingProbe();
  return {
    ...pickTuning(tuning),
    check: async function natsCheck({ signal }): Promise<CheckResult> {
      const waitedMs = pinging.ageMs;
      if (waitedMs !== undefined) {
        return { status: 'DOWN', message: `the previous PING is unanswered after ${waitedMs} ms` };
      }
      if (connection.isClosed?.() === true) {
        return { status: 'DOWN', message: 'connection closed' };
      }
      const startedAt = performance.now();
      const roundTrip = () =>
        connection.rtt === undefined ? connection.flush() : connection.rtt();
      try {
        await untilAborted(pinging.track(attempt(roundTrip)), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: 'DOWN', message: `PING failed: ${describeError(error)}` };
      }
      return { status: 'UP', details: { latencyMs: elapsedMs(startedAt) } };
    },
  };
}
