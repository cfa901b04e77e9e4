import { IncomingMessage } from 'node:http';
import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { ownRecord, parseOptions } from '../options.js';
import { Health } from '../runner/health.js';
import type { Check } from '../runner/types.js';
import type { HealthJsonMeta } from '../format/health-json.js';
import { DEFAULT_STATUS_CODES, type StatusCodes } from '../status.js';
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
 */
export type ProbeOptions = z.input<typeof probeOptionsSchema>;

/** {@link ProbeOptions} with defaults applied. */
export interface ResolvedProbeOptions {
  readonly statusCodes: StatusCodes;
  readonly showDetails: ShowDetails;
  readonly format: FormatName;
  readonly healthJson: HealthJsonMeta;
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
  };
}

/**
 * The runner a factory works with: the given {@link Health}, or a new one built from a
 * map of checks. Throws when the factory itself was passed to `app.use()` uncalled.
 */
export function resolveHealth(where: string, value: unknown): Health {
  if (value instanceof Health) return value;
  if (value instanceof IncomingMessage) {
    throw new HealthOptionsError(
      `${where} was used as a middleware without being called: write app.use(${where.replace('()', '(health)')}), not app.use(${where.replace('()', '')}).`,
      '',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HealthOptionsError(
      `${where}: expected a Health from createHealth() or a map of checks, got ${value === null ? 'null' : typeof value}.`,
      '',
    );
  }
  return new Health({ checks: value as Record<string, Check> });
}
