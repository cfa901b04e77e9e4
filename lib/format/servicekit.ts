import * as z from 'zod';
import type { HealthReport } from '../runner/types.js';
import type { HealthStatus } from '../status.js';

const state = z.enum(['healthy', 'degraded', 'unhealthy']);

/**
 * Schema of the servicekit/chapkit health body that the Python services this library takes
 * after expose: `{"status":"healthy|degraded|unhealthy","checks":{name:{"state","message"?}}}`
 * (`checks` absent when there are none), so their clients, which read
 * `data["status"] == "healthy"`, work unchanged.
 */
export const servicekitBodySchema = z.strictObject({
  status: state,
  checks: z
    .record(z.string(), z.strictObject({ state, message: z.string().optional() }))
    .optional(),
});

/** A servicekit body; see {@link servicekitBodySchema}. */
export type ServicekitBody = z.infer<typeof servicekitBodySchema>;

const STATE: Readonly<Record<HealthStatus, ServicekitBody['status']>> = {
  UP: 'healthy',
  DEGRADED: 'degraded',
  DOWN: 'unhealthy',
};

/**
 * The report in the servicekit shape. A component's state is its own status; a
 * non-critical DOWN component is `unhealthy` while the service is `degraded`, the way
 * servicekit's "worst wins" aggregation ends when such checks report `degraded`.
 */
export function toServicekit(report: HealthReport, showDetails: boolean): ServicekitBody {
  const entries = Object.entries(report.components);
  if (entries.length === 0) return { status: STATE[report.status] };
  // fromEntries defines own keys: a check named `__proto__` stays a key of `checks`.
  const checks: NonNullable<ServicekitBody['checks']> = Object.fromEntries(
    entries.map(([name, component]) => [
      name,
      showDetails && component.message !== undefined
        ? { state: STATE[component.status], message: component.message }
        : { state: STATE[component.status] },
    ]),
  );
  return { status: STATE[report.status], checks };
}
