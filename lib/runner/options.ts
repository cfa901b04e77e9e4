import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { parseOptions } from '../options.js';
import { timersSchema, type Timers } from '../timers.js';
import {
  looksLikeCheck,
  resolveBackoff,
  resolveCheck,
  timeTuningSchema,
  type CheckDefaults,
  type ResolvedCheck,
} from './check-options.js';
import { historySchema, resolveHistory, type ResolvedHistory } from './check-history.js';
import type { Check } from './types.js';

export { checkTuningSchema, type ResolvedCheck } from './check-options.js';

/** The runner's defaults, in one place (the README quotes them and a test holds it to that). */
export const HEALTH_DEFAULTS = Object.freeze({
  /** Below the kubelet's default 1 s probe timeout, so a slow check answers before the probe gives up. */
  timeoutMs: 800,
  cacheTtlMs: 1000,
  exposeErrors: true,
  maxMessageLength: 300,
});

const isFunction = (value: unknown) => typeof value === 'function';

/**
 * A plain object (or one without a prototype, as `Object.create(null)` makes). Checks are
 * read with `Object.entries`, so keys such as `constructor` or an own `__proto__` (from
 * `JSON.parse`) are seen as the names they are, never as the prototype.
 */
const checksRecord = z.custom<Readonly<Record<string, Check>>>(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const prototype: unknown = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
  },
  { message: 'expected an object of checks by name, e.g. { database: () => pool.query(...) }' },
);

/** Schema of {@link HealthOptions}; the single source of the options' types and defaults. */
export const healthOptionsSchema = z.strictObject({
  ...timeTuningSchema.shape,
  checks: checksRecord.optional(),
  version: z.string().max(200).optional(),
  exposeErrors: z.boolean().optional(),
  maxMessageLength: z.number().int().min(20).max(10_000).optional(),
  clock: z.custom<() => number>(isFunction, { message: 'expected a function' }).optional(),
  timers: timersSchema.optional(),
  random: z.custom<() => number>(isFunction, { message: 'expected a function' }).optional(),
  history: historySchema.optional(),
  logger: z
    .custom<HealthLogger>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ['info', 'warn', 'error'].every((level) =>
          isFunction((value as Record<string, unknown>)[level]),
        ),
      { message: 'expected a logger with info, warn and error methods (pino, console)' },
    )
    .optional(),
});

/**
 * A pino-compatible logger: each method takes a merging object and a message. `console`
 * fits too. Used for one line per status transition (info when UP, warn when DEGRADED,
 * error when DOWN) and for failures of this library; never per request.
 */
export interface HealthLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

/**
 * Options of {@link createHealth}.
 *
 * - `checks`: the checks by name (`[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`, so names are safe in
 *   paths and metric labels), each a function or a {@link CheckDefinition}. Defaults to none.
 * - `timeoutMs`: default hard bound on one check run, in milliseconds, 1 to 2^31-1.
 *   Defaults to `800`, under the kubelet's default 1 s `timeoutSeconds`.
 * - `cacheTtlMs`: default time a result is reused, in milliseconds; `0` disables the cache
 *   (concurrent callers still share one run). Defaults to `1000`.
 * - `intervalMs`, `staleWhileRevalidateMs`, `failureThreshold`, `successThreshold`,
 *   `backoff`, `degradedAfterMs`: defaults for every check, as described on
 *   {@link CheckDefinition} (a check's own value wins). A runner-wide
 *   `staleWhileRevalidateMs` applies to on-request checks only.
 * - `version`: the service's version, shown in detailed reports. Defaults to none.
 * - `exposeErrors`: whether a thrown error's message is reported; when `false` it is
 *   replaced by `'check failed (reason withheld)'`. Stacks are never reported. Defaults to `true`.
 * - `maxMessageLength`: cap on a component message, in characters, 20 to 10000. Defaults to `300`.
 * - `logger`: a {@link HealthLogger} (pino, console) that gets one line per status
 *   transition and failures of this library. Defaults to none: nothing is logged.
 * - `clock`: returns the time in milliseconds since the Unix epoch; used for timestamps,
 *   TTLs, stale windows and back-off, injectable so tests need not sleep. Defaults to
 *   `Date.now` (durations then use `performance.now()`, which never jumps).
 * - `timers`: the {@link Timers} that schedule background runs and refreshes. Defaults to
 *   the global timers, unref'd (they never keep the process alive); `close()` clears them.
 * - `random`: returns a number in [0, 1) for back-off jitter. Defaults to `Math.random`.
 * - `history`: what each check's bounded history keeps (`health.history()`,
 *   `GET /health/history`, the dashboard's timelines), or `false` for none:
 *   `{ runs?, transitions?, flapLowPercent?, flapHighPercent? }`. `runs` (0 to 100000,
 *   default `3600`: an hour of a check run once a second) are kept in typed arrays, 13
 *   bytes each; `transitions` (0 to 10000, default `200`) of the reported status, for
 *   uptime; a check is `flapping` once Nagios' percent state change over its last 21 runs
 *   exceeds `flapHighPercent` (default `30`) until it falls below `flapLowPercent`
 *   (default `20`).
 */
export type HealthOptions = z.input<typeof healthOptionsSchema>;

/** {@link HealthOptions} with every default applied, computed once per runner. */
export interface ResolvedHealthOptions {
  readonly checks: readonly ResolvedCheck[];
  /** What a check given later to `health.register()` is resolved with. */
  readonly defaults: CheckDefaults;
  readonly exposeErrors: boolean;
  readonly maxMessageLength: number;
  readonly version: string | undefined;
  readonly clock: (() => number) | undefined;
  readonly timers: Timers | undefined;
  readonly random: () => number;
  readonly logger: HealthLogger | undefined;
  readonly history: ResolvedHistory | undefined;
}

/** Validates and resolves {@link HealthOptions}; throws {@link HealthOptionsError}. */
export function resolveHealthOptions(where: string, input: unknown): ResolvedHealthOptions {
  misplacedCheck(where, input);
  const options = parseOptions(where, healthOptionsSchema, input ?? {});
  if (options.intervalMs !== undefined && options.staleWhileRevalidateMs !== undefined) {
    throw new HealthOptionsError(
      `${where}: option \`staleWhileRevalidateMs\` does not go with \`intervalMs\`: background checks always serve their latest result. Remove one of them.`,
      'staleWhileRevalidateMs',
    );
  }
  resolveBackoff(where, '', options.backoff);
  const history = resolveHistory(options.history);
  if (history !== undefined && history.flapLowPercent > history.flapHighPercent) {
    throw new HealthOptionsError(
      `${where}: option \`history.flapLowPercent\` (${history.flapLowPercent}) must not exceed \`flapHighPercent\` (${history.flapHighPercent}).`,
      'history.flapLowPercent',
    );
  }
  const { checks: given, version, clock, timers, logger, random } = options;
  const { intervalMs, staleWhileRevalidateMs, failureThreshold, successThreshold } = options;
  const { backoff, degradedAfterMs } = options;
  const defaults: CheckDefaults = Object.freeze({
    timeoutMs: options.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs,
    cacheTtlMs: options.cacheTtlMs ?? HEALTH_DEFAULTS.cacheTtlMs,
    ...(intervalMs === undefined ? {} : { intervalMs }),
    ...(staleWhileRevalidateMs === undefined ? {} : { staleWhileRevalidateMs }),
    ...(failureThreshold === undefined ? {} : { failureThreshold }),
    ...(successThreshold === undefined ? {} : { successThreshold }),
    ...(backoff === undefined ? {} : { backoff }),
    ...(degradedAfterMs === undefined ? {} : { degradedAfterMs }),
  });
  const checks = Object.entries(given ?? {}).map(([name, check]) =>
    resolveCheck(where, name, check, defaults),
  );
  return {
    checks,
    defaults,
    exposeErrors: options.exposeErrors ?? HEALTH_DEFAULTS.exposeErrors,
    maxMessageLength: options.maxMessageLength ?? HEALTH_DEFAULTS.maxMessageLength,
    version,
    clock,
    timers,
    random: random ?? Math.random,
    logger,
    history,
  };
}

/** `createHealth({ db })`: a check given as an option of its own, not under `checks`. */
function misplacedCheck(where: string, input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  for (const [key, value] of Object.entries(input)) {
    if (Object.hasOwn(healthOptionsSchema.shape, key) || !looksLikeCheck(value)) continue;
    throw new HealthOptionsError(
      `${where}: unknown option \`${key}\`. Checks go under \`checks\`: ${where.replace('()', '')}({ checks: { ${key} } }).`,
      key,
    );
  }
}
