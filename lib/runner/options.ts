import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { parseOptions } from '../options.js';
import type { Check, CheckDefinition, CheckFunction } from './types.js';

/** The runner's defaults, in one place (the README quotes them and a test holds it to that). */
export const HEALTH_DEFAULTS = Object.freeze({
  /** Below the kubelet's default 1 s probe timeout, so a slow check answers before the probe gives up. */
  timeoutMs: 800,
  cacheTtlMs: 1000,
  exposeErrors: true,
  maxMessageLength: 300,
});

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const isFunction = (value: unknown) => typeof value === 'function';
const checkFunction = z.custom<CheckFunction>(isFunction, { message: 'expected a function' });
const timeoutMs = z.number().int().min(1).max(MAX_TIMER_MS);
const cacheTtlMs = z.number().int().min(0).max(MAX_TIMER_MS);

/** Tuning shared by every check definition, including the built-in ones. */
export const checkTuningSchema = z.strictObject({
  critical: z.boolean().optional(),
  timeoutMs: timeoutMs.optional(),
  cacheTtlMs: cacheTtlMs.optional(),
});

const checkDefinitionSchema = z.strictObject(
  {
    ...checkTuningSchema.shape,
    check: checkFunction,
    close: z.custom<() => void>(isFunction, { message: 'expected a function' }).optional(),
  },
  { error: 'expected a check function or { check, critical?, timeoutMs?, cacheTtlMs? }' },
);

// A bare function is shorthand for `{ check }`. The cast gives the input its real type
// (preprocess would widen it to unknown) so check functions keep contextual typing.
const checkSchema = z.preprocess(
  (value) => (typeof value === 'function' ? { check: value } : value),
  checkDefinitionSchema,
) as unknown as z.ZodType<z.output<typeof checkDefinitionSchema>, Check>;

/** Schema of {@link HealthOptions}; the single source of the options' types and defaults. */
export const healthOptionsSchema = z.strictObject({
  checks: z.record(z.string(), checkSchema).optional(),
  timeoutMs: timeoutMs.optional(),
  cacheTtlMs: cacheTtlMs.optional(),
  version: z.string().max(200).optional(),
  exposeErrors: z.boolean().optional(),
  maxMessageLength: z.number().int().min(20).max(10_000).optional(),
  clock: z.custom<() => number>(isFunction, { message: 'expected a function' }).optional(),
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
 * - `version`: the service's version, shown in detailed reports. Defaults to none.
 * - `exposeErrors`: whether a thrown error's message is reported; when `false` it is
 *   replaced by `'check failed (reason withheld)'`. Stacks are never reported. Defaults to `true`.
 * - `maxMessageLength`: cap on a component message, in characters, 20 to 10000. Defaults to `300`.
 * - `logger`: a {@link HealthLogger} (pino, console) that gets one line per status
 *   transition and failures of this library. Defaults to none: nothing is logged.
 * - `clock`: returns the time in milliseconds since the Unix epoch; used for timestamps and
 *   cache TTLs, injectable so tests need not sleep. Defaults to `Date.now` (TTLs then use
 *   `performance.now()`, which never jumps).
 */
export type HealthOptions = z.input<typeof healthOptionsSchema>;

/** A check with every default applied. */
export interface ResolvedCheck extends Required<Omit<CheckDefinition, 'close'>> {
  readonly name: string;
  readonly close: (() => void) | undefined;
}

/** {@link HealthOptions} with every default applied, computed once per runner. */
export interface ResolvedHealthOptions {
  readonly checks: readonly ResolvedCheck[];
  readonly exposeErrors: boolean;
  readonly maxMessageLength: number;
  readonly version: string | undefined;
  readonly clock: (() => number) | undefined;
  readonly logger: HealthLogger | undefined;
}

/** Validates and resolves {@link HealthOptions}; throws {@link HealthOptionsError}. */
export function resolveHealthOptions(where: string, input: unknown): ResolvedHealthOptions {
  const options = parseOptions(where, healthOptionsSchema, input ?? {});
  const checks = Object.entries(options.checks ?? {}).map(([name, definition]) => {
    if (!CHECK_NAME.test(name)) {
      throw new HealthOptionsError(
        `${where}: invalid check name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit.`,
        `checks.${name}`,
      );
    }
    return {
      name,
      check: definition.check,
      critical: definition.critical ?? true,
      timeoutMs: definition.timeoutMs ?? options.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs,
      cacheTtlMs: definition.cacheTtlMs ?? options.cacheTtlMs ?? HEALTH_DEFAULTS.cacheTtlMs,
      close: definition.close,
    };
  });
  return {
    checks,
    exposeErrors: options.exposeErrors ?? HEALTH_DEFAULTS.exposeErrors,
    maxMessageLength: options.maxMessageLength ?? HEALTH_DEFAULTS.maxMessageLength,
    version: options.version,
    clock: options.clock,
    logger: options.logger,
  };
}
