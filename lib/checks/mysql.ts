import type * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import {
  elapsedMs,
  hasMethod,
  isThenable,
  OutstandingProbe,
  requireShape,
  untilAborted,
} from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const mysqlSchema = checkTuningSchema;

/** Options of {@link mysql}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type MysqlOptions = z.input<typeof mysqlSchema>;

/**
 * What {@link mysql} needs of a pooled `mysql2` connection, promise or callback style:
 * `ping()` returning a promise, or `ping(callback)`.
 */
export interface MysqlConnectionLike {
  ping(callback?: (error?: Error | null) => unknown): unknown;
  /** Gives the connection back to the pool. */
  release(): void;
  /** Closes the connection and takes it out of the pool. */
  destroy(): void;
}

/**
 * What {@link mysql} needs of a `mysql2` pool: `getConnection()` returning a promise
 * (`mysql2/promise`), or `getConnection(callback)` (`mysql2`).
 */
export interface MysqlPoolLike {
  getConnection(
    callback: (error: Error | null, connection: MysqlConnectionLike) => unknown,
  ): PromiseLike<MysqlConnectionLike> | void;
}

/**
 * Checks MySQL or MariaDB with a `COM_PING` round trip on a connection borrowed from a
 * `mysql2` pool, promise (`mysql2/promise`) or callback style. The driver is never
 * imported: any object of the right shape works ({@link MysqlPoolLike}).
 *
 * Details: `latencyMs`, the ping round trip in milliseconds.
 *
 * On timeout the borrowed connection is destroyed (socket closed, out of the pool), so
 * the pool never hands out a wedged connection; a connection that arrives from the pool
 * after the timeout is released at once. A connect in progress belongs to the pool: bound
 * it with the pool's `connectTimeout` (mysql2 defaults to 10 s). While one is pending,
 * later runs are DOWN at once instead of queueing more.
 *
 * @param pool - a `mysql2` pool, from `mysql2/promise` or `mysql2`.
 * @param options - see {@link MysqlOptions}.
 * @throws {HealthOptionsError} when `pool` has no `getConnection()` or an option is invalid.
 * @example
 * const pool = mysql.createPool({ uri: process.env.MYSQL_URL, connectTimeout: 2000 });
 * createHealth({ checks: { mysql: checks.mysql(pool) } });
 */
export function mysql(pool: MysqlPoolLike, options: MysqlOptions = {}): CheckDefinition {
  requireShape('checks.mysql()', 'a mysql2 pool', hasMethod(pool, 'getConnection'));
  const tuning = parseOptions('checks.mysql()', mysqlSchema, options);
  const connecting = new OutstandingProbe();
  return {
    ...pickTuning(tuning),
    check: async function mysqlCheck({ signal }): Promise<CheckResult> {
      const waitedMs = connecting.ageMs;
      if (waitedMs !== undefined) {
        return {
          status: 'DOWN',
          message: `still waiting for a connection from the pool after ${waitedMs} ms`,
        };
      }
      let connection: MysqlConnectionLike;
      try {
        connection = await untilAborted(connecting.track(acquire(pool, signal)), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: 'DOWN', message: `cannot get a connection: ${describeError(error)}` };
      }
      let returned = false;
      const giveBack = (healthy: boolean) => {
        if (returned) return;
        returned = true;
        if (healthy) connection.release();
        else destroy(connection);
      };
      const discard = () => giveBack(false);
      signal.addEventListener('abort', discard, { once: true });
      const startedAt = performance.now();
      try {
        await untilAborted(
          settle((callback) => connection.ping(callback)),
          signal,
        );
        const latencyMs = elapsedMs(startedAt);
        giveBack(true);
        return { status: 'UP', details: { latencyMs } };
      } catch (error) {
        if (signal.aborted) throw error;
        giveBack(false);
        return { status: 'DOWN', message: `ping failed: ${describeError(error)}` };
      } finally {
        signal.removeEventListener('abort', discard);
      }
    },
  };
}

type Callback<T> = (error?: Error | null, value?: T) => unknown;

/**
 * Calls a mysql2 method that either takes a callback or returns a promise (the promise
 * wrappers ignore the callback), and settles once with whichever answers.
 */
function settle<T>(invoke: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject: (reason: Error) => void) => {
    const returned = invoke((error, value) => {
      if (error) reject(error);
      else resolve(value as T);
    });
    if (isThenable(returned)) returned.then((value) => resolve(value as T), reject);
  });
}

// A connection the pool hands over after the check gave up goes straight back.
function acquire(pool: MysqlPoolLike, signal: AbortSignal): Promise<MysqlConnectionLike> {
  const connecting = settle<MysqlConnectionLike>((callback) =>
    pool.getConnection((error, connection) => callback(error, connection)),
  );
  connecting.then(
    (connection) => {
      if (signal.aborted) connection.release();
    },
    () => undefined,
  );
  return connecting;
}

// mysql2's destroy() only half-closes the socket (it sends FIN and waits for the server's),
// which never comes from a hung server: destroy the stream too (the promise wrapper holds
// the callback connection as `connection`).
function destroy(connection: MysqlConnectionLike): void {
  connection.destroy();
  const core = (connection as { connection?: unknown }).connection ?? connection;
  const stream = (core as { stream?: unknown }).stream;
  if (hasMethod(stream, 'destroy')) (stream as { destroy(): void }).destroy();
}
