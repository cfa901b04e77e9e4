import * as z from 'zod';
import type { ComponentReport, HealthReport } from '../runner/types.js';

const status = z.enum(['UP', 'DEGRADED', 'DOWN']);

/**
 * Schema of the body of `/ready` and of `/startup` before the latch: the UP/DOWN component
 * JSON of Spring Boot and the Flask/Django guides, compact:
 * `{"status":"UP","components":{"database":{"status":"UP"}}}`.
 */
export const probeBodySchema = z.strictObject({
  status,
  message: z.string().optional(),
  components: z.record(z.string(), z.strictObject({ status, message: z.string().optional() })),
});

/** The body of `/ready`; see {@link probeBodySchema}. */
export type ProbeBody = z.infer<typeof probeBodySchema>;

/**
 * Schema of the detailed report, the body of `GET /health` (see `HealthReport`). Without
 * details (`showDetails`), only `status`, `message` and each component's `status` remain.
 */
export const detailedBodySchema = z.strictObject({
  status,
  message: z.string().optional(),
  timestamp: z.iso.datetime().optional(),
  uptimeSeconds: z.number().int().nonnegative().optional(),
  version: z.string().optional(),
  components: z.record(
    z.string(),
    z.strictObject({
      status,
      message: z.string().optional(),
      critical: z.boolean().optional(),
      durationMs: z.number().nonnegative().optional(),
      checkedAt: z.iso.datetime().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
      consecutiveFailures: z.number().int().nonnegative().optional(),
      stale: z.boolean().optional(),
      lastSuccessAt: z.iso.datetime().optional(),
      lastFailureAt: z.iso.datetime().optional(),
      nextRunAt: z.iso.datetime().optional(),
      flapping: z.boolean().optional(),
      pending: z
        .strictObject({
          status,
          message: z.string().optional(),
          count: z.number().int().positive(),
          threshold: z.number().int().positive(),
        })
        .optional(),
    }),
  ),
});

/** Shrinks a report to a {@link ProbeBody}; without details, messages are left out. */
export function probeBody(report: HealthReport, showDetails: boolean): ProbeBody {
  // fromEntries defines own keys: a check named `__proto__` stays a key of `components`.
  const components: Record<string, ProbeBody['components'][string]> = Object.fromEntries(
    Object.entries(report.components).map(([name, component]) => [
      name,
      !showDetails || component.message === undefined
        ? { status: component.status }
        : { status: component.status, message: component.message },
    ]),
  );
  return {
    status: report.status,
    ...(report.message === undefined ? {} : { message: report.message }),
    components,
  };
}

/** The detailed report, or its statuses only when details are not shown. */
export function detailedBody(report: HealthReport, showDetails: boolean): unknown {
  if (showDetails) return report;
  return probeBody(report, false);
}

/** The components of `report` that are DOWN, with their names. */
export function downComponents(report: HealthReport): [string, ComponentReport][] {
  return Object.entries(report.components).filter(([, c]) => c.status === 'DOWN');
}
