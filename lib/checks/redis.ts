import { inspect } from 'node:util';
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
import { notReady, RedisWatch } from './redis-state.js';
import { pickTuning } from './tuning.js';

const redisSchema = checkTuningSchema;

/** Options of {@link redis}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type RedisOptions = z.input<typeof redisSchema>;

/**
 * What {@link redis} needs of a client: `ping()` returning a promise, plus the client's
 * connection state when it has one: `status` (`ioredis`) or `isReady` (`redis`, node-redis
 * v4 and later).
 */
export interface RedisClientLike {
  ping(): PromiseLike<unknown>;
  /** `ioredis`: `'ready'` once commands go straight to the server. */
  readonly status?: string;
  /** node-redis: `true` once connected and ready. */
  readonly isReady?: boolean;
}

/**
 * Checks Redis with `PING`, expecting `PONG`, on an `ioredis` client or a node-redis
 * (`redis` v4 and later) client. The driver is never imported: any object of the right
 * shape works ({@link RedisClientLike}).
 *
 * Details: `latencyMs`, the `PING` round trip in milliseconds.
 *
 * A client still in its first connect (created a moment ago, never ready yet, not
 * reconnecting) is waited for, up to the check's timeout, so `await health.run()` right
 * after start-up does not report DOWN while Redis is up. Once it has been ready, or has
 * failed a connect, a client that is not ready (reconnecting, closed) is DOWN at once,
 * quoting the client's latest `error` event, and nothing is sent: a `PING` would wait in
 * the driver's offline queue, and reconnect loops would pile them up. To follow the
 * client the check listens to its `error`, `ready`, `reconnecting`, `end` and `close`
 * events; `health.close()` removes the listeners. Keep your own `error` listener for
 * logging: an emitter with any listener no longer throws on `error`.
 *
 * On timeout a node-redis `PING` not yet written is withdrawn (`withAbortSignal`). One
 * already on the wire cannot be, and the client is the application's, so it is never
 * closed: while that `PING` is unanswered, later runs are DOWN at once instead of queueing
 * more.
 *
 * @param client - an `ioredis` `Redis` or `Cluster`, or a connected node-redis client.
 * @param options - see {@link RedisOptions}.
 * @throws {HealthOptionsError} when `client` has no `ping()` or an option is invalid.
 * @example
 * const redis = new Redis(process.env.REDIS_URL);
 * createHealth({ checks: { cache: checks.redis(redis, { critical: false }) } });
 */
export function redis(client: RedisClientLike, options: RedisOptions = {}): CheckDefinition {
  requireShape('checks.redis()', 'an ioredis or node-redis client', hasMethod(client, 'ping'));
  const tuning = parseOptions('checks.redis()', redisSchema, options);
  const pinging = new OutstandingProbe();
  const watch = new RedisWatch(client);
  return {
    ...pickTuning(tuning),
    check: async function redisCheck({ signal }): Promise<CheckResult> {
      const waitedMs = pinging.ageMs;
      if (waitedMs !== undefined) {
        return { status: 'DOWN', message: `the previous PING is unanswered after ${waitedMs} ms` };
      }
      if (watch.firstConnect) {
        await watch.settled(signal);
        signal.throwIfAborted();
      }
      const state = notReady(client);
      if (state !== undefined) {
        const why = watch.lastError === undefined ? '' : `: ${watch.lastError}`;
        return { status: 'DOWN', message: `client not ready (${state})${why}` };
      }
      watch.lastError = undefined;
      const startedAt = performance.now();
      let reply: unknown;
      try {
        reply = await untilAborted(pinging.track(attempt(() => ping(client, signal))), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: 'DOWN', message: `PING failed: ${describeError(error)}` };
      }
      const details = { latencyMs: elapsedMs(startedAt) };
      if (reply === 'PONG') return { status: 'UP', details };
      return {
        status: 'DOWN',
        message: `PING answered ${inspect(reply, { breakLength: Infinity }).slice(0, 40)}, expected 'PONG'`,
        details,
      };
    },
    close: () => watch.close(),
  };
}

// node-redis v5+ withdraws a command still waiting to be written when its signal aborts.
function ping(client: RedisClientLike, signal: AbortSignal): PromiseLike<unknown> {
  if (hasMethod(client, 'withAbortSignal')) {
    const scoped = (
      client as unknown as { withAbortSignal(signal: AbortSignal): RedisClientLike }
    ).withAbortSignal(signal);
    return scoped.ping();
  }
  return client.ping();
}
