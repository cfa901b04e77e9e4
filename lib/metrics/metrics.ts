import * as z from 'zod';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { resolveHealth } from '../http/probe-options.js';
import type { HealthHandler } from '../http/types.js';
import { parseOptions } from '../options.js';
import type { Health } from '../runner/health.js';
import { metricsHandler } from './handler.js';
import { HealthInstruments } from './instruments.js';
import { isMetricsRegistry, loadPromClient, type MetricsRegistry } from './prom-client.js';

/** The defaults of {@link metrics}, in one place (the README quotes them). */
export const METRICS_DEFAULTS = Object.freeze({
  /** Prepended to every metric name. */
  prefix: '',
});

const PREFIX = /^(?:[A-Za-z_:][A-Za-z0-9_:]*)?$/;

/**
 * Schema of {@link MetricsOptions}.
 * Built on first use (`z.lazy`): apps that never call the factory do not pay for it.
 */
export const metricsOptionsSchema = z.lazy(() =>
  z.strictObject({
    registry: z
      .custom<MetricsRegistry>(isMetricsRegistry, {
        message: "expected a prom-client Registry (new Registry() or prom-client's register)",
      })
      .optional(),
    prefix: z
      .string()
      .max(100)
      .regex(PREFIX, {
        message:
          "expected a metric name prefix such as 'myapp_': letters, digits, '_' and ':', not starting with a digit",
      })
      .optional(),
  }),
);

/**
 * Options of {@link metrics}.
 *
 * - `registry`: the prom-client `Registry` to register on, e.g. prom-client's global
 *   `register` to serve these metrics next to the application's own. Defaults to a new
 *   `Registry` that holds only these metrics.
 * - `prefix`: prepended to every metric name, e.g. `'myapp_'` gives
 *   `myapp_health_status`. Letters, digits, `_` and `:`, not starting with a digit, at
 *   most 100 characters. Defaults to `''`.
 */
export type MetricsOptions<R extends MetricsRegistry = MetricsRegistry> = Omit<
  z.input<typeof metricsOptionsSchema>,
  'registry'
> & { registry?: R };

/** What {@link metrics} returns. */
export interface HealthMetrics<R extends MetricsRegistry = MetricsRegistry> {
  /** The registry the metrics are on: the `registry` option, or the one created. */
  readonly registry: R;
  /**
   * Serves the whole registry in the Prometheus text format, for `/metrics`. GET and HEAD
   * only (405 otherwise); 500 JSON when collecting fails.
   */
  readonly handler: HealthHandler;
  /**
   * Stops feeding the metrics from this runner (removes the listeners added). The
   * metrics stay registered with their last values. Idempotent.
   */
  close(): void;
}

/** The metrics of each registry and prefix, so a second call reuses them. */
const shared = new WeakMap<MetricsRegistry, Map<string, HealthInstruments>>();

/**
 * Exports the runner's health to Prometheus through prom-client, an optional peer
 * dependency loaded only when this is called:
 *
 * - `health_check_status{check}` gauge: 1 UP, 0.5 DEGRADED, 0 DOWN.
 * - `health_check_duration_seconds{check}` histogram of check runs, buckets 5 ms to 5 s
 *   (see `DURATION_BUCKETS_SECONDS`).
 * - `health_checks_total{check,result}` counter, `result` being `success` (UP or
 *   DEGRADED), `failure` (DOWN) or `timeout`; every series starts at 0.
 * - `health_status` gauge: the aggregate, 1 UP, 0.5 DEGRADED, 0 DOWN; 0 once shutting down.
 * - `health_check_critical{check}` gauge: 1 for a critical check, 0 otherwise.
 * - `health_check_consecutive_failures{check}` gauge: failed runs in a row.
 * - `health_check_staleness_seconds{check}` gauge: the age of the served result (from its
 *   `checkedAt`) at scrape time.
 * - `health_check_flapping{check}` gauge: 1 while flapping, 0 otherwise; absent when
 *   `history` is off.
 *
 * Labels are check names only, never error messages, so the series stay few. Runs are
 * counted as the runner's `check` events report them (cached results are not runs), and
 * every scrape first calls `health.run()` (through the cache, so at most one run per
 * `cacheTtlMs`, bounded by `timeoutMs`): a scrape shows the current status even when no
 * probe asked. A second call on the same registry and prefix reuses the metrics instead
 * of throwing; with several runners on them, `health_status` is the worst of them.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link MetricsOptions}.
 * @returns a {@link HealthMetrics}: `registry`, `handler` for `/metrics`, `close()`.
 * @throws {HealthOptionsError} for an invalid option, a first argument that is not a
 *   {@link Health}, or when the registry already has a metric of one of these names with
 *   another type or labels (pass a `prefix`). Called by a framework as a handler
 *   (`app.use(metrics)`), it has the request answered 500 instead.
 * @throws {MissingPeerError} when prom-client is not installed.
 * @example
 * const { handler } = metrics(health);
 * app.get('/metrics', handler);
 * // or next to the application's metrics:
 * import { register } from 'prom-client';
 * metrics(health, { registry: register, prefix: 'myapp_' });
 */
export function metrics<R extends MetricsRegistry = MetricsRegistry>(
  health: Health,
  options: MetricsOptions<R> = {},
): HealthMetrics<R> {
  const where = 'metrics()';
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, where, "app.get('/metrics', metrics(health).handler)")) {
    return IGNORED;
  }
  const runner = resolveHealth(where, health);
  const parsed = parseOptions(where, metricsOptionsSchema, options);
  const client = loadPromClient(where);
  const prefix = parsed.prefix ?? METRICS_DEFAULTS.prefix;
  const registry = parsed.registry ?? new client.Registry();
  let byPrefix = shared.get(registry);
  if (byPrefix === undefined)
    shared.set(registry, (byPrefix = new Map<string, HealthInstruments>()));
  let instruments = byPrefix.get(prefix);
  if (instruments === undefined || !instruments.registeredOn(registry, prefix)) {
    instruments = new HealthInstruments(where, client, registry, prefix);
    byPrefix.set(prefix, instruments);
  }
  const detach = instruments.attach(runner);
  let closed = false;
  return {
    registry: registry as R,
    handler: metricsHandler(registry, runner.logger),
    close() {
      if (closed) return;
      closed = true;
      detach();
    },
  };
}
