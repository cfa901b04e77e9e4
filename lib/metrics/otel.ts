import * as z from 'zod';
import { resolveHealth } from '../http/probe-options.js';
import { parseOptions } from '../options.js';
import type { HealthCheckEvent } from '../runner/events.js';
import type { Health } from '../runner/health.js';
import type { ComponentReport, HealthReport } from '../runner/types.js';
import { ageSeconds, DURATION_BUCKETS_SECONDS, STATUS_VALUES } from './values.js';
import { isOtelMeter, loadOtelApi, type OtelBatchCallback, type OtelMeter } from './otel-api.js';

/**
 * The OpenTelemetry instrument names (dots, units in `unit`), and the attribute names.
 * `health_check.*` and the `health_check.name` attribute follow the .NET prior art
 * (Xabaril/AspNetCore.Diagnostics.HealthChecks PR #2387); see the README, "OpenTelemetry".
 */
export const OTEL_METRIC_NAMES = Object.freeze({
  /** Gauge, unit `1`: 1 UP, 0.5 DEGRADED, 0 DOWN, after the thresholds. */
  checkStatus: 'health_check.status',
  /** Histogram, unit `s`: the duration of each check run. */
  checkDuration: 'health_check.duration',
  /** Counter, unit `{run}`: check runs by `health_check.outcome`. */
  checkRuns: 'health_check.runs',
  /** Gauge, unit `{failure}`: failed runs in a row. */
  checkConsecutiveFailures: 'health_check.consecutive_failures',
  /** Gauge, unit `s`: the age of the served result at collection. */
  checkStaleness: 'health_check.staleness',
  /** Gauge, unit `1`: 1 while flapping, 0 otherwise; absent when history is off. */
  checkFlapping: 'health_check.flapping',
  /** Gauge, unit `1`: the aggregate, 1 UP, 0.5 DEGRADED, 0 DOWN (0 once shutting down). */
  status: 'health.status',
});

/** The attribute names of {@link OTEL_METRIC_NAMES}' data points. */
export const OTEL_ATTRIBUTES = Object.freeze({
  /** The check's name, on every `health_check.*` instrument. */
  name: 'health_check.name',
  /** `success`, `failure` or `timeout`, on `health_check.runs` only. */
  outcome: 'health_check.outcome',
});

/** The meter name (instrumentation scope) used when no `meter` is given. */
export const OTEL_METER_NAME = 'health-probes';

/** Schema of {@link OtelMetricsOptions}. Built on first use. */
export const otelMetricsOptionsSchema = z.lazy(() =>
  z.strictObject({
    meter: z
      .custom<OtelMeter>(isOtelMeter, {
        message: "expected an OpenTelemetry Meter (metrics.getMeter('my-service'))",
      })
      .optional(),
  }),
);

/**
 * Options of {@link otelMetrics}.
 *
 * - `meter`: the OpenTelemetry `Meter` to create the instruments on. Defaults to
 *   `metrics.getMeter('health-probes')` from `@opentelemetry/api`, i.e. the global
 *   meter provider the SDK registered.
 */
export type OtelMetricsOptions = z.input<typeof otelMetricsOptionsSchema>;

/** What {@link otelMetrics} returns. */
export interface HealthOtelMetrics {
  /** The meter the instruments are on. */
  readonly meter: OtelMeter;
  /** Stops feeding and observing (listeners and the batch callback removed). Idempotent. */
  close(): void;
}

/**
 * Exports the runner's health as OpenTelemetry metrics through `@opentelemetry/api`, an
 * optional peer dependency loaded only when this is called (see {@link OTEL_METRIC_NAMES}):
 * `health_check.status`, `health_check.consecutive_failures`, `health_check.staleness`,
 * `health_check.flapping` and `health.status` observable gauges, the `health_check.duration`
 * histogram (seconds, buckets {@link DURATION_BUCKETS_SECONDS}) and the `health_check.runs`
 * counter (every outcome starts at 0). Attribute `health_check.name` (and
 * `health_check.outcome` on the counter): never error text, so the series stay few.
 *
 * Each collection first calls `health.run()` (through the cache, bounded by `timeoutMs`),
 * so the gauges are current even when no probe asked. A check unregistered at run time
 * is no longer observed, but an SDK with cumulative temporality may keep exporting its
 * last points (the API cannot delete a series). One call per runner and meter.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link OtelMetricsOptions}.
 * @returns a {@link HealthOtelMetrics}: `meter`, `close()`.
 * @throws {HealthOptionsError} for an invalid option.
 * @throws {MissingPeerError} when `@opentelemetry/api` is not installed.
 * @example
 * import { metrics as otel } from '@opentelemetry/api';
 * const telemetry = otelMetrics(health, { meter: otel.getMeter('checkout') });
 * // on shutdown: telemetry.close();
 */
export function otelMetrics(health: Health, options: OtelMetricsOptions = {}): HealthOtelMetrics {
  const where = 'otelMetrics()';
  const parsed = parseOptions(where, otelMetricsOptionsSchema, options);
  const runner = resolveHealth(where, health);
  const api = loadOtelApi(where);
  const meter = parsed.meter ?? api.metrics.getMeter(OTEL_METER_NAME);
  const names = OTEL_METRIC_NAMES;
  const gauge = (name: string, unit: string, description: string) =>
    meter.createObservableGauge(name, { unit, description });
  const checkStatus = gauge(
    names.checkStatus,
    '1',
    'Status of each health check: 1 UP, 0.5 DEGRADED, 0 DOWN.',
  );
  const consecutive = gauge(
    names.checkConsecutiveFailures,
    '{failure}',
    'Failed runs in a row of each health check.',
  );
  const staleness = gauge(names.checkStaleness, 's', 'Age of the result each health check serves.');
  const flapping = gauge(
    names.checkFlapping,
    '1',
    'Whether each health check is flapping (1) or not (0).',
  );
  const status = gauge(
    names.status,
    '1',
    'Aggregate health of the service: 1 UP, 0.5 DEGRADED, 0 DOWN.',
  );
  const duration = meter.createHistogram(names.checkDuration, {
    unit: 's',
    description: 'Duration of health check runs (cached results are not runs).',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  const runs = meter.createCounter(names.checkRuns, {
    unit: '{run}',
    description:
      'Health check runs by outcome: success (UP or DEGRADED), failure (DOWN) or timeout.',
  });

  const components = new Map<string, ComponentReport>();
  let report: HealthReport | undefined;
  const start = (name: string) => {
    for (const outcome of ['success', 'failure', 'timeout'])
      runs.add(0, { [OTEL_ATTRIBUTES.name]: name, [OTEL_ATTRIBUTES.outcome]: outcome });
  };
  for (const name of runner.checkNames) start(name);
  const onCheck = ({ name, outcome, component, reported }: HealthCheckEvent) => {
    components.set(name, reported);
    duration.record(component.durationMs / 1000, { [OTEL_ATTRIBUTES.name]: name });
    runs.add(1, { [OTEL_ATTRIBUTES.name]: name, [OTEL_ATTRIBUTES.outcome]: outcome });
  };
  const onRegister = ({ name }: { name: string }) => start(name);
  const onUnregister = ({ name }: { name: string }) => {
    components.delete(name);
  };
  const observables = [checkStatus, consecutive, staleness, flapping, status];
  const observe: OtelBatchCallback = async (result) => {
    report = await runner.run().catch(() => report);
    if (report !== undefined) {
      for (const [name, component] of Object.entries(report.components))
        components.set(name, component);
      result.observe(status, STATUS_VALUES[report.status]);
    }
    const timestamp = report?.timestamp ?? '';
    for (const [name, component] of components) {
      const attributes = { [OTEL_ATTRIBUTES.name]: name };
      result.observe(checkStatus, STATUS_VALUES[component.status], attributes);
      result.observe(consecutive, component.consecutiveFailures, attributes);
      result.observe(staleness, ageSeconds(component.checkedAt, timestamp), attributes);
      if (component.flapping !== undefined)
        result.observe(flapping, component.flapping ? 1 : 0, attributes);
    }
  };
  meter.addBatchObservableCallback(observe, observables);
  runner.on('check', onCheck);
  runner.on('register', onRegister);
  runner.on('unregister', onUnregister);
  let closed = false;
  return {
    meter,
    close() {
      if (closed) return;
      closed = true;
      meter.removeBatchObservableCallback(observe, observables);
      runner.off('check', onCheck);
      runner.off('register', onRegister);
      runner.off('unregister', onUnregister);
    },
  };
}
