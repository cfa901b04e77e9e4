import type * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckContext, CheckDefinition, CheckResult } from '../runner/types.js';
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

const postgresSchema = checkTuningSchema;

/** Options of {@link postgres}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type PostgresOptions = z.input<typeof postgresSchema>;

/** What {@link postgres} needs of a connected `pg` `Client`: `query(text)` returning a promise. */
export interface PgClientLike {
  query(text: string): PromiseLike<unknown>;
}

/** What {@link postgres} needs of a client borrowed from a `pg` `Pool`. */
export interface PgPoolClientLike extends PgClientLike {
  /** Gives the client back; with an error, the pool closes it instead of keeping it. */
  release(error?: Error | boolean): void;
}

/** What {@link postgres} needs of a `pg` `Pool` (told apart from a client by `totalCount`). */
export interface PgPoolLike {
  connect(): PromiseLike<PgPoolClientLike>;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

const QUERY = 'SELECT 1';

/**
 * Checks PostgreSQL with `SELECT 1` through a `pg` `Pool` or a connected `Client`. The
 * driver is never imported: any object of the right shape works ({@link PgPoolLike},
 * {@link PgClientLike}).
 *
 * Details: `latencyMs` (the `SELECT 1` round trip, in milliseconds) and, for a pool,
 * `totalCount`, `idleCount` and `waitingCount`.
 *
 * On timeout, with a pool, the borrowed client is released with an error, so the pool
 * closes its socket instead of taking a wedged connection back; a client that arrives
 * from the pool after the timeout is released at once. A connect in progress belongs to
 * the pool: bound it with the pool's `connectionTimeoutMillis`. A `Client` is the
 * application's and is never closed: while its `SELECT 1` is unanswered, later runs are
 * DOWN at once instead of queueing more queries behind it.
 *
 * @param poolOrClient - a `pg.Pool` (preferred) or a connected `pg.Client`.
 * @param options - see {@link PostgresOptions}.
 * @throws {HealthOptionsError} when `poolOrClient` has no `query()` or an option is invalid.
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 });
 * createHealth({ checks: { database: checks.postgres(pool, { timeoutMs: 500 }) } });
 */
export function postgres(
  poolOrClient: PgPoolLike | PgClientLike,
  options: PostgresOptions = {},
): CheckDefinition {
  requireShape('checks.postgres()', 'a pg Pool or Client', hasMethod(poolOrClient, 'query'));
  const tuning = parseOptions('checks.postgres()', postgresSchema, options);
  const check = isPool(poolOrClient)
    ? poolCheck(poolOrClient, new OutstandingProbe())
    : clientCheck(poolOrClient, new OutstandingProbe());
  return { ...pickTuning(tuning), check };
}

function isPool(value: PgPoolLike | PgClientLike): value is PgPoolLike {
  return (
    typeof (value as Partial<PgPoolLike>).totalCount === 'number' && hasMethod(value, 'connect')
  );
}

function poolStats(pool: PgPoolLike) {
  return {
    totalCount: pool.totalCount,
    idleCount: pool.idleCount,
    waitingCount: pool.waitingCount,
  };
}

function poolCheck(pool: PgPoolLike, connecting: OutstandingProbe) {
  return async function postgresPoolCheck({ signal }: CheckContext): Promise<CheckResult> {
    const waitedMs = connecting.ageMs;
    if (waitedMs !== undefined) {
      return {
        status: 'DOWN',
        message: `still waiting for a connection from the pool after ${waitedMs} ms`,
        details: poolStats(pool),
      };
    }
    let client: PgPoolClientLike;
    try {
      client = await untilAborted(connecting.track(acquire(pool, signal)), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return {
        status: 'DOWN',
        message: `cannot get a connection: ${describeError(error)}`,
        details: poolStats(pool),
      };
    }
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.release(error);
    };
    // pg cannot cancel a query: an error makes the pool end the client, and pg destroys
    // the socket of a client whose query is still active.
    const discard = () => release(new Error('health check timed out'));
    signal.addEventListener('abort', discard, { once: true });
    const startedAt = performance.now();
    try {
      await untilAborted(
        attempt(() => client.query(QUERY)),
        signal,
      );
      const latencyMs = elapsedMs(startedAt);
      release();
      return { status: 'UP', details: { latencyMs, ...poolStats(pool) } };
    } catch (error) {
      if (signal.aborted) throw error;
      release(error instanceof Error ? error : new Error('query failed'));
      return {
        status: 'DOWN',
        message: `${QUERY} failed: ${describeError(error)}`,
        details: poolStats(pool),
      };
    } finally {
      signal.removeEventListener('abort', discard);
    }
  };
}

// A client the pool hands over after the check gave up goes straight back.
function acquire(pool: PgPoolLike, signal: AbortSignal): Promise<PgPoolClientLike> {
  const connecting = attempt(() => pool.connect());
  connecting.then(
    (client) => {
      if (signal.aborted) client.release();
    },
    () => undefined,
  );
  return connecting;
}

function clientCheck(client: PgClientLike, querying: OutstandingProbe) {
  return async function postgresClientCheck({ signal }: CheckContext): Promise<CheckResult> {
    const waitedMs = querying.ageMs;
    if (waitedMs !== undefined) {
      return {
        status: 'DOWN',
        message: `the previous ${QUERY} is unanswered after ${waitedMs} ms`,
      };
    }
    const startedAt = performance.now();
    try {
      await untilAborted(querying.track(attempt(() => client.query(QUERY))), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return { status: 'DOWN', message: `${QUERY} failed: ${describeError(error)}` };
    }
    return { status: 'UP', details: { latencyMs: elapsedMs(startedAt) } };
  };
}
