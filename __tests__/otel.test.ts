// otelMetrics() with the real OpenTelemetry SDK: the in-memory exporter across
// UP -> DOWN -> UP, and @opentelemetry/exporter-prometheus scraped by a real Prometheus.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingPeerError } from '../lib/errors.js';
import {
  createHealth,
  HealthOptionsError,
  OTEL_METRIC_NAMES,
  otelMetrics,
  type CheckResult,
  type Health,
  type HealthOtelMetrics,
} from '../lib/index.js';
import { DURATION_BUCKETS_SECONDS } from '../lib/metrics/instruments.js';
import { loadOtelApi } from '../lib/metrics/otel-api.js';
import { servicesRequired } from './helpers/services.js';
import {
  eventually,
  freePort,
  prometheusInstalled,
  startPrometheus,
  type RunningPrometheus,
} from './helpers/prometheus.js';

const run = promisify(execFile);
const NAME = 'health_check.name';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A MeterProvider whose in-memory exporter is read on demand (forceFlush). */
function sdk() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  return {
    meter: provider.getMeter('test'),
    /** Collects once and returns the metrics by name. */
    collect: async (): Promise<Map<string, MetricData>> => {
      exporter.reset();
      await reader.forceFlush();
      const [resource] = exporter.getMetrics();
      const all = resource?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
      return new Map(all.map((metric) => [metric.descriptor.name, metric]));
    },
  };
}

/** The value of the point of `metric` with exactly `attributes`. */
function point(
  metrics: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string> = {},
): unknown {
  const metric = metrics.get(name);
  const found = metric?.dataPoints.find(
    (p) => JSON.stringify(p.attributes) === JSON.stringify(attributes),
  );
  return found?.value;
}

function setup(checks: Parameters<typeof createHealth>[0]) {
  const { meter, collect } = sdk();
  const health: Health = createHealth({ cacheTtlMs: 0, ...checks });
  const telemetry: HealthOtelMetrics = otelMetrics(health, { meter });
  cleanups.push(
    () => health.close(),
    () => telemetry.close(),
  );
  return { health, telemetry, collect };
}

describe('otelMetrics() with the OpenTelemetry SDK', () => {
  it('carries the right values across UP -> DOWN -> UP', async () => {
    const state: { result: CheckResult } = { result: { status: 'UP' } };
    const { collect } = setup({ checks: { db: () => state.result } });
    const db = { [NAME]: 'db' };
    const runs = (outcome: string) =>
      point(metrics, OTEL_METRIC_NAMES.checkRuns, { ...db, 'health_check.outcome': outcome });

    let metrics = await collect();
    expect(point(metrics, OTEL_METRIC_NAMES.checkStatus, db)).toBe(1);
    expect(point(metrics, OTEL_METRIC_NAMES.status)).toBe(1);
    expect(point(metrics, OTEL_METRIC_NAMES.checkConsecutiveFailures, db)).toBe(0);
    expect([runs('success'), runs('failure'), runs('timeout')]).toEqual([1, 0, 0]);

    state.result = { status: 'DOWN', message: 'connect ECONNREFUSED' };
    metrics = await collect();
    expect(point(metrics, OTEL_METRIC_NAMES.checkStatus, db)).toBe(0);
    expect(point(metrics, OTEL_METRIC_NAMES.status)).toBe(0);
    expect(point(metrics, OTEL_METRIC_NAMES.checkConsecutiveFailures, db)).toBe(1);
    expect([runs('success'), runs('failure')]).toEqual([1, 1]);

    state.result = { status: 'UP' };
    metrics = await collect();
    expect(point(metrics, OTEL_METRIC_NAMES.checkStatus, db)).toBe(1);
    expect(point(metrics, OTEL_METRIC_NAMES.status)).toBe(1);
    expect(point(metrics, OTEL_METRIC_NAMES.checkConsecutiveFailures, db)).toBe(0);
    expect([runs('success'), runs('failure')]).toEqual([2, 1]);
    const staleness = point(metrics, OTEL_METRIC_NAMES.checkStaleness, db) as number;
    expect(staleness).toBeGreaterThanOrEqual(0);
    expect(staleness).toBeLessThan(5);

    const duration = metrics.get(OTEL_METRIC_NAMES.checkDuration)!;
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    const histogram = duration.dataPoints[0]!.value as {
      count: number;
      buckets: { boundaries: number[] };
    };
    expect(histogram.count).toBe(3);
    expect(histogram.buckets.boundaries).toEqual([...DURATION_BUCKETS_SECONDS]);
    // Error text never becomes an attribute.
    expect(JSON.stringify([...metrics.values()].map((m) => m.dataPoints))).not.toContain('ECONN');
  });

  it('names instruments in the OpenTelemetry style: dots, units in `unit`', async () => {
    const { collect } = setup({ checks: { db: () => true } });
    const metrics = await collect();
    const described = Object.fromEntries(
      [...metrics.values()].map((m) => [m.descriptor.name, m.descriptor.unit]),
    );
    expect(described).toEqual({
      'health_check.status': '1',
      'health_check.consecutive_failures': '{failure}',
      'health_check.staleness': 's',
      'health_check.flapping': '1',
      'health.status': '1',
      'health_check.duration': 's',
      'health_check.runs': '{run}',
    });
    for (const metric of metrics.values()) {
      for (const { attributes } of metric.dataPoints) {
        const keys = Object.keys(attributes);
        if (metric.descriptor.name === 'health.status') expect(keys).toEqual([]);
        else if (metric.descriptor.name === 'health_check.runs')
          expect(keys).toEqual(['health_check.name', 'health_check.outcome']);
        else expect(keys).toEqual(['health_check.name']);
      }
    }
  });

  it('a non-critical DOWN is DEGRADED in the aggregate; flapping is observed while history is on', async () => {
    const { collect } = setup({
      checks: { db: () => true, cache: { check: () => false, critical: false } },
    });
    const metrics = await collect();
    expect(point(metrics, OTEL_METRIC_NAMES.checkStatus, { [NAME]: 'cache' })).toBe(0);
    expect(point(metrics, OTEL_METRIC_NAMES.status)).toBe(0.5);
    expect(point(metrics, OTEL_METRIC_NAMES.checkFlapping, { [NAME]: 'cache' })).toBe(0);
    const off = setup({ checks: { db: () => true }, history: false });
    expect((await off.collect()).has(OTEL_METRIC_NAMES.checkFlapping)).toBe(false);
  });

  it('a check registered at run time starts at 0; close() stops feeding and observing', async () => {
    const { health, telemetry, collect } = setup({ checks: { db: () => true } });
    health.register('tenant', () => true);
    const tenant = { [NAME]: 'tenant', 'health_check.outcome': 'timeout' };
    let metrics = await collect();
    expect(point(metrics, OTEL_METRIC_NAMES.checkRuns, tenant)).toBe(0);
    expect(point(metrics, OTEL_METRIC_NAMES.checkStatus, { [NAME]: 'tenant' })).toBe(1);
    telemetry.close();
    telemetry.close();
    expect(health.listenerCount('check')).toBe(0);
    await health.run();
    metrics = await collect();
    const success = { [NAME]: 'db', 'health_check.outcome': 'success' };
    expect(point(metrics, OTEL_METRIC_NAMES.checkRuns, success)).toBe(1);
  });

  it('rejects an unknown option and a meter that is not one', () => {
    const health = createHealth();
    cleanups.push(() => health.close());
    expect(() => otelMetrics(health, { metre: {} } as never)).toThrow(HealthOptionsError);
    expect(() => otelMetrics(health, { meter: {} } as never)).toThrow(/OpenTelemetry Meter/);
  });

  it('names the missing peer dependency and how to install it', () => {
    expect(() => loadOtelApi('otelMetrics()', 'otel-api-not-installed')).toThrow(MissingPeerError);
    expect(() => loadOtelApi('otelMetrics()', 'otel-api-not-installed')).toThrow(
      'otelMetrics() needs the optional peer dependency `otel-api-not-installed` (^1.7.0): npm install otel-api-not-installed',
    );
  });

  it('loads @opentelemetry/api only when otelMetrics() is called, then uses the global meter', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/@opentelemetry/api/'));
      const { createHealth, otelMetrics } = await import('./lib/index.ts');
      const before = loaded();
      const { meter } = otelMetrics(createHealth());
      console.log(before, loaded(), typeof meter.createCounter);
    `;
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(stdout.trim()).toBe('false true function');
  });
});

if (!prometheusInstalled && servicesRequired)
  throw new Error('prometheus/promtool missing: apt-get install prometheus');

describe.skipIf(!prometheusInstalled)(
  'otelMetrics() through @opentelemetry/exporter-prometheus',
  () => {
    let prometheus: RunningPrometheus | undefined;
    afterEach(async () => {
      await prometheus?.close();
    }, 30_000);

    it('a real Prometheus scrapes the series', async () => {
      const port = await freePort();
      const exporter = new PrometheusExporter({ host: '127.0.0.1', port, withoutScopeInfo: true });
      await exporter.startServer();
      const provider = new MeterProvider({ readers: [exporter] });
      cleanups.push(() => provider.shutdown());
      const health = createHealth({
        cacheTtlMs: 0,
        checks: { db: () => true, search: { check: () => false, critical: false } },
      });
      const telemetry = otelMetrics(health, { meter: provider.getMeter('health-probes') });
      cleanups.push(
        () => health.close(),
        () => telemetry.close(),
      );
      prometheus = await startPrometheus(
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 1s',
          'scrape_configs:',
          '  - job_name: otel',
          `    static_configs: [{ targets: ['127.0.0.1:${port}'] }]`,
          '',
        ].join('\n'),
      );
      const running = prometheus;
      const series = await eventually(
        async () => {
          const result = await running.query('health_check_status');
          return result.length === 2 ? result : undefined;
        },
        30_000,
        () => `health_check_status from the OTel exporter (log: ${running.log()})`,
      );
      const byCheck = Object.fromEntries(
        series.map((s): [string, number] => [s.metric.health_check_name ?? '', Number(s.value[1])]),
      );
      expect(byCheck).toEqual({ db: 1, search: 0 });
      expect(Number((await running.query('health_status'))[0]?.value[1])).toBe(0.5);
      // The dotted names as this exporter translates them: dots become '_', no unit suffix.
      for (const name of [
        'health_check_duration_bucket',
        'health_check_runs_total',
        'health_check_staleness',
        'health_check_consecutive_failures',
      ]) {
        expect((await running.query(name)).length, name).toBeGreaterThan(0);
      }
      const failures = await running.query(
        'health_check_runs_total{health_check_outcome="failure"} > 0',
      );
      expect(failures.map((s) => s.metric.health_check_name)).toEqual(['search']);
    }, 60_000);
  },
);
