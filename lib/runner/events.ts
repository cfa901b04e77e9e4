import type { HealthStatus } from '../status.js';

/**
 * A status transition, emitted as `health.on('change', (event) => ...)`.
 *
 * - `name`: the check's name, or `''` for the aggregate (gRPC health's name for the
 *   whole server).
 * - `previous`: the status before, `undefined` the first time the status is known.
 * - `current`: the status now.
 * - `message`: the component's (or the aggregate's) message, when there is one.
 */
export interface HealthChangeEvent {
  readonly name: string;
  readonly previous: HealthStatus | undefined;
  readonly current: HealthStatus;
  readonly message?: string;
}

/**
 * Events of a {@link Health}:
 *
 * - `change` ({@link HealthChangeEvent}): once per status transition of a component or of
 *   the aggregate, never for a run that changed nothing.
 * - `shutdown` (no arguments): once, when `markShuttingDown()` or `close()` is first called;
 *   streams end and load-balancer facing probes flip on it.
 *
 * A listener that throws does not disturb the runner: the error is reported with
 * `process.emitWarning` and the other listeners still run.
 */
export interface HealthEvents {
  change: [event: HealthChangeEvent];
  shutdown: [];
}
