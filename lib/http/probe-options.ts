import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { ownRecord, parseOptions } from '../options.js';
import { looksLikeCheck } from '../runner/check-options.js';
import { Health } from '../runner/health.js';
import type { Check } from '../runner/types.js';
import type { HealthJsonMeta } from '../format/health-json.js';
import { DEFAULT_STATUS_CODES, type StatusCodes } from '../status.js';
import { corsSchema, resolveCors, type CorsPolicy } from './cors.js';
import { FORMATS, type FormatName } from './request.js';
import { showDetailsSchema, type ShowDetails } from './show-details.js';

const statusCode = z.number().int().min(200).max(599);

/** Schema of the `healthJson` option: see {@link HealthJsonMeta}. */
export const healthJsonOptionsSchema = z.strictObject({
  serviceId: z.string().max(200).optional(),
  description: z.string().max(1000).optional(),
  // Own keys only: a check named `__proto__` keeps its type (zod's records drop that key).
  componentTypes: ownRecord(z.string(), z.string().max(100)).optional(),
});

/** Schema of {@link ProbeOptions}. */
export const probeOptionsSchema = z.strictObject({
  statusCodes: z
    .strictObject({
      UP: statusCode.optional(),
      DEGRADED: statusCode.optional(),
      DOWN: statusCode.optional(),
    })
    .optional(),
  showDetails: showDetailsSchema.optional(),
  format: z.enum(FORMATS).optional(),
  healthJson: healthJsonOptionsSchema.optional(),
  cors: corsSchema.optional(),
});

/**
 * Options of {@link readiness}, {@link startup}, {@link detailed} and {@link healthRouter}.
 *
 * - `statusCodes`: HTTP status per health status, each an integer 200-599; missing keys
 *   keep their default. Defaults to `{ UP: 200, DEGRADED: 200, DOWN: 503 }`. Note that the
 *   kubelet counts 200-399 as success, so DOWN must stay 400 or above to fail a probe.
 * - `showDetails`: who sees messages and details, see {@link ShowDetails}. Defaults to
 *   `'always'`.
 * - `format`: the body when the request does not ask (`?format=` or
 *   `Accept: application/health+json`): `'components'` (the UP/DOWN component JSON),
 *   `'health+json'` (IETF draft-inadarei-api-health-check-06) or `'servicekit'`
 *   (`healthy|degraded|unhealthy`). Defaults to `'components'`. `startup` always answers
 *   `'components'`.
 * - `healthJson`: `{ serviceId?, description?, componentTypes? }` for the IETF format; see
 *   {@link HealthJsonMeta}. Defaults to none.
 * - `cors`: which other origins' pages may read the answers in a browser: `'*'`, an origin
 *   or a list of them (`CorsOption`). Defaults to `false` (no CORS header).
 */
export type ProbeOptions = z.input<typeof probeOptionsSchema>;

/** {@link ProbeOptions} with defaults applied. */
export interface ResolvedProbeOptions {
  readonly statusCodes: StatusCodes;
  readonly showDetails: ShowDetails<never>;
  readonly format: FormatName;
  readonly healthJson: HealthJsonMeta;
  readonly cors: CorsPolicy | undefined;
}

/** Validates {@link ProbeOptions} once, at construction. */
export function resolveProbeOptions(where: string, input: unknown): ResolvedProbeOptions {
  return resolveParsedProbeOptions(parseOptions(where, probeOptionsSchema, input ?? {}));
}

/** Applies the defaults to already parsed {@link ProbeOptions}. */
export function resolveParsedProbeOptions(
  options: z.output<typeof probeOptionsSchema>,
): ResolvedProbeOptions {
  return {
    statusCodes: Object.freeze({ ...DEFAULT_STATUS_CODES, ...options.statusCodes }),
    showDetails: options.showDetails ?? 'always',
    format: options.format ?? 'components',
    healthJson: Object.freeze({ ...options.healthJson }),
    cors: resolveCors(options.cors),
  };
}

/**
 * The runner a factory works with: `value` itself when it is a {@link Health}. Anything
 * else (a plain object, options meant for `createHealth()`, `undefined`) throws: a factory
 * that built a runner of its own from it would answer for no check at all, UP forever.
 *
 * @throws {HealthOptionsError} naming the factory and what it got, e.g.
 *   `detailed(): the first argument must be a Health from createHealth(); got a plain object.`
 */
export function resolveHealth(where: string, value: unknown): Health {
  if (value instanceof Health) return value;
  throw new HealthOptionsError(
    `${where}: the first argument must be a Health from createHealth(); got ${kindOf(value)}.`,
    '',
  );
}

/**
 * The runner of {@link readiness}: the given {@link Health}, or a new one built with the
 * default options from a map of checks (`{ name: check }`), the one factory documented
 * to take one.
 *
 * @throws {HealthOptionsError} for anything else, or an invalid check.
 */
export function resolveHealthOrChecks(where: string, value: unknown): Health {
  if (value instanceof Health) return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HealthOptionsError(
      `${where}: the first argument must be a Health from createHealth() or a map of checks; got ${kindOf(value)}.`,
      '',
    );
  }
  // `readiness({ checks: { db } })`: the options of createHealth() where the checks belong.
  const checks: unknown = Object.getOwnPropertyDescriptor(value, 'checks')?.value;
  if (typeof checks === 'object' && checks !== null && !looksLikeCheck(checks)) {
    throw new HealthOptionsError(
      `${where}: the first argument is a map of checks by name, not the options of createHealth(): pass ${where.replace('()', '')}(createHealth({ checks })) or ${where.replace('()', '')}({ db: () => ... }).`,
      'checks',
    );
  }
  try {
    return new Health({ checks: value as Record<string, Check> });
  } catch (error) {
    // The runner was built here: name this factory, not createHealth().
    if (!(error instanceof HealthOptionsError)) throw error;
    throw new HealthOptionsError(error.message.replace(/^createHealth\(\)/, where), error.option, {
      cause: error,
    });
  }
}

/** What a wrong argument is, for a message: `'null'`, `'a plain object'`, `'an array'`. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `a ${typeof value}`;
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === null || prototype === Object.prototype) return 'a plain object';
    const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '') return `an instance of ${name}`;
  } catch {
    // A proxy whose traps throw: say no more than what it is.
  }
  return 'an object';
}
