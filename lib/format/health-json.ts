import * as z from 'zod';
import type { HealthReport } from '../runner/types.js';
import type { HealthStatus } from '../status.js';

/** Content type of the IETF format (draft-inadarei-api-health-check-06, section 3). */
export const HEALTH_JSON_CONTENT_TYPE = 'application/health+json';

const checkStatus = z.enum(['pass', 'warn', 'fail']);

/**
 * Schema of the IETF "Health Check Response Format for HTTP APIs"
 * (draft-inadarei-api-health-check-06) as this library writes it: `status` pass/warn/fail,
 * `version` (the major part of the service version), `releaseId` (the full version),
 * `serviceId`, `description`, `output` (why the service is not passing), and `checks` keyed
 * `"<component>:responseTime"` with one entry each.
 */
export const healthJsonSchema = z.strictObject({
  status: checkStatus,
  version: z.string().optional(),
  releaseId: z.string().optional(),
  serviceId: z.string().optional(),
  description: z.string().optional(),
  output: z.string().optional(),
  checks: z.record(
    z.string().regex(/^[^:]+:[^:]+$/),
    z.array(
      z.strictObject({
        componentId: z.string(),
        componentType: z.string().optional(),
        observedValue: z.number().optional(),
        observedUnit: z.string().optional(),
        status: checkStatus,
        time: z.iso.datetime().optional(),
        output: z.string().optional(),
      }),
    ),
  ),
});

/** A health+json document; see {@link healthJsonSchema}. */
export type HealthJson = z.infer<typeof healthJsonSchema>;

/**
 * What the IETF format says about the service beyond the report.
 *
 * - `serviceId`: a unique identifier of the service. Defaults to none.
 * - `description`: a human-friendly description of the service. Defaults to none.
 * - `componentTypes`: the draft's `componentType` per check name (`'component'`,
 *   `'datastore'`, `'system'` or any other string). Defaults to `'component'`.
 */
export interface HealthJsonMeta {
  readonly serviceId?: string | undefined;
  readonly description?: string | undefined;
  readonly componentTypes?: Readonly<Record<string, string>> | undefined;
}

const IETF_STATUS: Readonly<Record<HealthStatus, HealthJson['status']>> = {
  UP: 'pass',
  DEGRADED: 'warn',
  DOWN: 'fail',
};

/**
 * The report in the IETF format. Each component becomes `"<name>:responseTime"` with the
 * run's duration in ms as `observedValue`; `output` is omitted on pass, as the draft asks.
 * Without details only `componentId` and `status` remain: no time, no timing, as
 * `showDetails: 'never'` promises.
 */
export function toHealthJson(
  report: HealthReport,
  meta: HealthJsonMeta,
  showDetails: boolean,
): HealthJson {
  const checks: HealthJson['checks'] = {};
  for (const [name, component] of Object.entries(report.components)) {
    const status = IETF_STATUS[component.status];
    checks[`${name}:responseTime`] = [
      showDetails
        ? {
            componentId: name,
            componentType: componentTypeOf(meta, name),
            observedValue: component.durationMs,
            observedUnit: 'ms',
            status,
            time: component.checkedAt,
            ...(status === 'pass' || component.message === undefined
              ? {}
              : { output: component.message }),
          }
        : { componentId: name, status },
    ];
  }
  const version = report.version;
  return {
    status: IETF_STATUS[report.status],
    ...(showDetails && version !== undefined
      ? { version: version.split('.')[0] ?? version, releaseId: version }
      : {}),
    ...(meta.serviceId === undefined ? {} : { serviceId: meta.serviceId }),
    ...(meta.description === undefined ? {} : { description: meta.description }),
    ...(report.message === undefined ? {} : { output: report.message }),
    checks,
  };
}

// Own keys only: a check named `toString` must not get Object.prototype's function.
function componentTypeOf(meta: HealthJsonMeta, name: string): string {
  const types = meta.componentTypes;
  return types !== undefined && Object.hasOwn(types, name)
    ? (types[name] ?? 'component')
    : 'component';
}
