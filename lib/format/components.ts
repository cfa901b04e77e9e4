import type { HealthReport } from '../runner/types.js';
import type { HealthStatus } from '../status.js';

/** A component as the probes show it: status and, when there is one, message. */
export interface ProbeComponent {
  readonly status: HealthStatus;
  readonly message?: string;
}

/**
 * The body of `/ready` and of `/startup` before the latch: the UP/DOWN component JSON
 * of Spring Boot and the Flask/Django guides, kept compact:
 * `{"status":"UP","components":{"database":{"status":"UP"}}}`.
 */
export interface ProbeBody {
  readonly status: HealthStatus;
  readonly message?: string;
  readonly components: Readonly<Record<string, ProbeComponent>>;
}

/** Shrinks a report to a {@link ProbeBody}. */
export function probeBody(report: HealthReport): ProbeBody {
  const components: Record<string, ProbeComponent> = {};
  for (const [name, component] of Object.entries(report.components)) {
    components[name] =
      component.message === undefined
        ? { status: component.status }
        : { status: component.status, message: component.message };
  }
  return {
    status: report.status,
    ...(report.message === undefined ? {} : { message: report.message }),
    components,
  };
}
