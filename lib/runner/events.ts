import type { HealthStatus } from '../status.js';
import type { CheckRunReport, ComponentReport } from './types.js';

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
 * How a check run ended: `success` (it settled UP or DEGRADED), `failure` (DOWN: it threw,
 * returned `false`, a DOWN or an invalid result) or `timeout` (it passed its `timeoutMs`).
 */
export type CheckOutcome = 'success' | 'failure' | 'timeout';

/**
 * One finished check run, emitted as `health.on('check', (event) => ...)`.
 *
 * - `component`: the run as it ended (its raw outcome, before the thresholds).
 * - `reported`: the component as it is reported after this run (after the thresholds).
 */
export interface HealthCheckEvent {
  readonly name: string;
  readonly outcome: CheckOutcome;
  readonly component: CheckRunReport;
  readonly reported: ComponentReport;
}

/** A check starting or stopping to flap (Nagios' percent state change, see `history`). */
export interface HealthFlappingEvent {
  readonly name: string;
  readonly flapping: boolean;
  /** The percent state change over the last 21 runs that decided it, 0 to 100. */
  readonly percentStateChange: number;
}

/** A check added or removed at run time (`health.register()` / `unregister()`). */
export interface HealthRegistrationEvent {
  readonly name: string;
}

/**
 * Events of a {@link Health}:
 *
 * - `change` ({@link HealthChangeEvent}): once per transition of the *reported* status
 *   (after `failureThreshold` / `successThreshold`) of a component or of the aggregate,
 *   never for a run that changed nothing.
 * - `check` ({@link HealthCheckEvent}): after every check run that really ran (not for a
 *   cached result), with its raw outcome; what metrics count.
 * - `flapping` ({@link HealthFlappingEvent}): a check started or stopped flapping.
 * - `register` / `unregister` ({@link HealthRegistrationEvent}): a check was added or
 *   removed at run time.
 * - `shutdown` (no arguments): once, when `markShuttingDown()` or `close()` is first called;
 *   streams end and load-balancer facing probes flip on it.
 *
 * A listener that throws does not disturb the runner: the error is reported with
 * `process.emitWarning` and the other listeners still run.
 */
export interface HealthEvents {
  change: [event: HealthChangeEvent];
  check: [event: HealthCheckEvent];
  flapping: [event: HealthFlappingEvent];
  register: [event: HealthRegistrationEvent];
  unregister: [event: HealthRegistrationEvent];
  shutdown: [];
}
