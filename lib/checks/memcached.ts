import type * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import { elapsedMs, hasMethod, requireShape, untilAborted } from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const memcachedSchema = checkTuningSchema;

/** Options of {@link memcached}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type MemcachedOptions = z.input<typeof memcachedSchema>;

/** What `stats()` calls back with, once per server. */
export type MemcachedStatsCallback = (
  error: Error | null,
  server: string,
  stats: Record<string, string> | null,
) => void;

/**
 * What {@link memcached} needs of a client, as `memjs`' `Client.create()` returns it:
 * `stats(callback)`, calling back once per server, and the `servers` it calls.
 */
export interface MemcachedClientLike {
  stats(callback: MemcachedStatsCallback): void;
  readonly servers?: readonly unknown[];
}

/**
 * Checks memcached with a `STATS` round trip to every server of a `memjs` client: UP when
 * each answered, DOWN naming the first that failed. The driver is never imported: any
 * object of the right shape works ({@link MemcachedClientLike}).
 *
 * Details: `latencyMs` (until the last server answered, in milliseconds), `servers` (how
 * many answered) and `version` (the first server's memcached version).
 *
 * The client is the application's and is never closed. Every run sends a `STATS` of its
 * own: memjs bounds each request with its own `timeout` (0.5 s by default), after which
 * it drops the silent server's socket, so requests never queue behind an unanswered one.
 * (They are not tracked as outstanding, unlike the other checks' probes: memjs 1.3 never
 * answers a request whose connection closed cleanly while it was in flight, and a
 * tracked probe would then stay DOWN for good. Such a request only ends at the check's
 * timeout; the next run connects anew.)
 *
 * @param client - a `memjs` client (`memjs.Client.create('cache:11211')`).
 * @param options - see {@link MemcachedOptions}.
 * @throws {HealthOptionsError} when `client` has no `stats()` or an option is invalid.
 * @example
 * const cache = memjs.Client.create(process.env.MEMCACHIER_SERVERS);
 * createHealth({ checks: { cache: checks.memcached(cache, { critical: false }) } });
 */
export function memcached(
  client: MemcachedClientLike,
  options: MemcachedOptions = {},
): CheckDefinition {
  requireShape('checks.memcached()', 'a memjs client', hasMethod(client, 'stats'));
  const tuning = parseOptions('checks.memcached()', memcachedSchema, options);
  return {
    ...pickTuning(tuning),
    check: async function memcachedCheck({ signal }): Promise<CheckResult> {
      const startedAt = performance.now();
      let answers: Map<string, Record<string, string>>;
      try {
        answers = await untilAborted(allStats(client), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: 'DOWN', message: describeError(error) };
      }
      const first = [...answers.values()][0];
      const details = {
        latencyMs: elapsedMs(startedAt),
        servers: answers.size,
        version: first?.version ?? null,
      };
      return { status: 'UP', details };
    },
  };
}

/** Resolves with every server's stats, or rejects with the first server's failure. */
function allStats(client: MemcachedClientLike): Promise<Map<string, Record<string, string>>> {
  const expected = Math.max(1, client.servers?.length ?? 1);
  return new Promise((resolve, reject) => {
    const answers = new Map<string, Record<string, string>>();
    client.stats((error, server, stats) => {
      if (error !== null || stats === null) {
        reject(new Error(`STATS failed on ${server}: ${describeError(error)}`));
        return;
      }
      answers.set(server, stats);
      if (answers.size >= expected) resolve(answers);
    });
  });
}
