/**
 * The three health states, from best to worst.
 *
 * - `UP`: the component works.
 * - `DEGRADED`: it works with reduced quality (a non-critical dependency failed, a
 *   resource is near its limit). Still served: HTTP 200.
 * - `DOWN`: it does not work. HTTP 503 by default.
 */
export type HealthStatus = 'UP' | 'DEGRADED' | 'DOWN';

/** Every {@link HealthStatus}, best first. */
export const HEALTH_STATUSES: readonly HealthStatus[] = Object.freeze(['UP', 'DEGRADED', 'DOWN']);

const SEVERITY: Readonly<Record<HealthStatus, number>> = { UP: 0, DEGRADED: 1, DOWN: 2 };

/**
 * The worse of two statuses: DOWN beats DEGRADED beats UP (the order Spring Boot's
 * `SimpleStatusAggregator` and servicekit use).
 */
export function worstStatus(a: HealthStatus, b: HealthStatus): HealthStatus {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/**
 * HTTP status code for each health status.
 *
 * Defaults to `{ UP: 200, DEGRADED: 200, DOWN: 503 }`: load balancers and the kubelet
 * (which treats 200-399 as success) keep sending traffic to a degraded instance and
 * stop on 503. Flask-style services that answer 500 on failure pass `{ DOWN: 500 }`.
 */
export type StatusCodes = Readonly<Record<HealthStatus, number>>;

/** The default {@link StatusCodes}: UP 200, DEGRADED 200, DOWN 503. */
export const DEFAULT_STATUS_CODES: StatusCodes = Object.freeze({
  UP: 200,
  DEGRADED: 200,
  DOWN: 503,
});
