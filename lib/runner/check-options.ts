import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { parseOptions } from '../options.js';
import type { Check, CheckDefinition, CheckFunction } from './types.js';

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A check's behaviour over time when neither the check nor `createHealth` sets it. The
 * README quotes these and a test holds it to that.
 */
export const CHECK_TIME_DEFAULTS = Object.freeze({
  initialDelayMs: 0,
  staleWhileRevalidateMs: 0,
  failureThreshold: 1,
  successThreshold: 1,
  backoffInitialMs: 1000,
  backoffFactor: 2,
  backoffJitter: 0.1,
});

const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const isFunction = (value: unknown) => typeof value === 'function';
const ms = (min: number) => z.number().int().min(min).max(MAX_TIMER_MS);
const threshold = z.number().int().min(1).max(1000);

/** Schema of the `backoff` option. */
export const backoffSchema = z.union([
  z.literal(false),
  z.strictObject({
    initialMs: ms(1).optional(),
    maxMs: ms(1),
    factor: z.number().min(1).max(100).optional(),
    jitter: z.number().min(0).max(1).optional(),
  }),
]);

/**
 * How a check behaves over time; each field may be set per check or, as a default for
 * every check, on `createHealth`. See {@link CheckDefinition} for what each means.
 */
export const timeTuningSchema = z.strictObject({
  timeoutMs: ms(1).optional(),
  cacheTtlMs: ms(0).optional(),
  intervalMs: ms(1).optional(),
  staleWhileRevalidateMs: ms(0).optional(),
  failureThreshold: threshold.optional(),
  successThreshold: threshold.optional(),
  backoff: backoffSchema.optional(),
  degradedAfterMs: ms(1).optional(),
});

/** Tuning shared by every check definition, including the built-in ones. */
export const checkTuningSchema = z.strictObject({
  ...timeTuningSchema.shape,
  critical: z.boolean().optional(),
  initialDelayMs: ms(0).optional(),
});

const checkDefinitionSchema = z.strictObject({
  ...checkTuningSchema.shape,
  check: z.custom<CheckFunction>(isFunction, { message: 'expected a function' }),
  close: z.custom<() => void>(isFunction, { message: 'expected a function' }).optional(),
});

/** Runner-wide defaults for the time tuning, as parsed. */
export type TimeTuning = z.output<typeof timeTuningSchema>;

/** A back-off policy with every default applied. */
export interface ResolvedBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
}

/** A check with every default applied. */
export interface ResolvedCheck {
  readonly name: string;
  readonly check: CheckFunction;
  readonly critical: boolean;
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
  /** `undefined` for an on-request check. */
  readonly intervalMs: number | undefined;
  readonly initialDelayMs: number;
  readonly staleWhileRevalidateMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly backoff: ResolvedBackoff | undefined;
  readonly degradedAfterMs: number | undefined;
  readonly close: (() => void) | undefined;
}

/** What {@link resolveCheck} needs of the runner: its defaults. */
export interface CheckDefaults extends TimeTuning {
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
}

const DRIVER_HINT =
  'for a driver client use a built-in check: checks.postgres(pool), checks.mysql(pool), checks.redis(client), checks.rabbitmq(connection)';

/**
 * Validates one check as given to `createHealth` or `health.register()` and applies the
 * runner's defaults.
 *
 * @throws {HealthOptionsError} naming `checks.<name>` or one of its options.
 */
export function resolveCheck(
  where: string,
  name: string,
  input: unknown,
  defaults: CheckDefaults,
): ResolvedCheck {
  const at = `checks.${name}`;
  if (!CHECK_NAME.test(name)) {
    throw new HealthOptionsError(
      `${where}: invalid check name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit.`,
      at,
    );
  }
  if (typeof input !== 'function' && !hasOwnCheck(input)) {
    throw new HealthOptionsError(
      `${where}: invalid \`${at}\`: expected a check function or { check, critical?, timeoutMs?, ... }; got ${kind(input)}. Pass a function such as \`async ({ signal }) => { ... }\`, or ${DRIVER_HINT}.`,
      at,
    );
  }
  const definition: z.output<typeof checkDefinitionSchema> = parseOptions(
    where,
    checkDefinitionSchema,
    typeof input === 'function' ? { check: input } : input,
    at,
  );
  const merged = { ...defaults, ...withoutUndefined(definition) };
  const background = definition.intervalMs ?? defaults.intervalMs;
  if (definition.intervalMs !== undefined && definition.staleWhileRevalidateMs !== undefined) {
    throw new HealthOptionsError(
      `${where}: option \`${at}.staleWhileRevalidateMs\` does not go with \`intervalMs\`: a background check always serves its latest result. Remove one of them.`,
      `${at}.staleWhileRevalidateMs`,
    );
  }
  if (definition.initialDelayMs !== undefined && background === undefined) {
    throw new HealthOptionsError(
      `${where}: option \`${at}.initialDelayMs\` needs \`intervalMs\`: only a background check has a first scheduled run to delay.`,
      `${at}.initialDelayMs`,
    );
  }
  const backoff = resolveBackoff(where, at, definition.backoff ?? defaults.backoff);
  const degradedAfterMs = merged.degradedAfterMs;
  if (degradedAfterMs !== undefined && degradedAfterMs >= merged.timeoutMs) {
    throw new HealthOptionsError(
      `${where}: option \`${at}.degradedAfterMs\` (${degradedAfterMs}) must be below the check's \`timeoutMs\` (${merged.timeoutMs}): a run that slow has already timed out.`,
      `${at}.degradedAfterMs`,
    );
  }
  return Object.freeze({
    name,
    check: definition.check,
    critical: definition.critical ?? true,
    timeoutMs: merged.timeoutMs,
    cacheTtlMs: merged.cacheTtlMs,
    intervalMs: background,
    initialDelayMs: definition.initialDelayMs ?? CHECK_TIME_DEFAULTS.initialDelayMs,
    // A runner-wide stale window applies to on-request checks only.
    staleWhileRevalidateMs:
      background === undefined
        ? (merged.staleWhileRevalidateMs ?? CHECK_TIME_DEFAULTS.staleWhileRevalidateMs)
        : 0,
    failureThreshold: merged.failureThreshold ?? CHECK_TIME_DEFAULTS.failureThreshold,
    successThreshold: merged.successThreshold ?? CHECK_TIME_DEFAULTS.successThreshold,
    backoff,
    degradedAfterMs,
    close: definition.close,
  });
}

/** A `backoff` option with its defaults, or `undefined` when off. */
export function resolveBackoff(
  where: string,
  at: string,
  backoff: z.output<typeof backoffSchema> | undefined,
): ResolvedBackoff | undefined {
  if (backoff === undefined || backoff === false) return undefined;
  const initialMs =
    backoff.initialMs ?? Math.min(CHECK_TIME_DEFAULTS.backoffInitialMs, backoff.maxMs);
  if (backoff.maxMs < initialMs) {
    const option = at === '' ? 'backoff.maxMs' : `${at}.backoff.maxMs`;
    throw new HealthOptionsError(
      `${where}: option \`${option}\` (${backoff.maxMs}) must be at least \`initialMs\` (${initialMs}).`,
      option,
    );
  }
  return Object.freeze({
    initialMs,
    maxMs: backoff.maxMs,
    factor: backoff.factor ?? CHECK_TIME_DEFAULTS.backoffFactor,
    jitter: backoff.jitter ?? CHECK_TIME_DEFAULTS.backoffJitter,
  });
}

/** Whether `value` is an object with an own `check` key (a {@link CheckDefinition}). */
export function hasOwnCheck(value: unknown): value is CheckDefinition {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'check');
}

/** Whether `value` looks like a check given in the wrong place. */
export function looksLikeCheck(value: unknown): value is Check {
  return typeof value === 'function' || hasOwnCheck(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object without `check`';
  return `a ${typeof value}`;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
