// The mixin live: three instances of a service (three http servers, each with its own
// prom-client Registry), a real Prometheus scraping them every second with the mixin's rules
// loaded (`for:` and the evaluation interval shortened in this copy). One instance's
// critical check DOWN fires the instance alert; all three fire the fleet alerts; back UP,
// they resolve. Every PromQL expression of the Grafana dashboard runs and returns series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, metrics, type CheckResult } from '../lib/index.js';
import {
  dashboard,
  dashboardExpressions,
  MIXIN_DEFAULTS,
  RECORDED,
  rulesYaml,
} from '../monitoring/mixin.js';
import {
  eventually,
  prometheusInstalled,
  startPrometheus,
  type Alert,
  type RunningPrometheus,
} from './helpers/prometheus.js';
import { listen, type TestServer } from './helpers/server.js';
import { servicesRequired } from './helpers/services.js';

if (!prometheusInstalled && servicesRequired) {
  throw new Error('prometheus/promtool missing: apt-get install prometheus');
}

/** The knobs of this test's copy: seconds instead of minutes. */
const FAST = {
  ...MIXIN_DEFAULTS,
  selector: 'job="fleet"',
  criticalDownFor: '2s',
  fleetDownFor: '2s',
  flappingFor: '2s',
  slowFor: '2s',
  readinessDownFor: '2s',
  rateWindow: '10s',
  evaluationInterval: '1s',
};

/** One instance of the example service: a critical `db` the test flips, a `cache`. */
async function instance() {
  const db: { result: CheckResult } = { result: { status: 'UP' } };
  const health = createHealth({
    cacheTtlMs: 0,
    checks: {
      db: () => db.result,
      cache: { check: () => ({ status: 'UP' }), critical: false },
    },
  });
  const exported = metrics(health);
  const server: TestServer = await listen((req, res) => {
    if (req.url === '/metrics') exported.handler(req, res);
    else res.writeHead(404).end();
  });
  return {
    db,
    server,
    target: `127.0.0.1:${server.port}`,
    async close() {
      exported.close();
      health.close();
      await server.close();
    },
  };
}

describe.skipIf(!prometheusInstalled)('the mixin on a real Prometheus, live', () => {
  let fleet: Awaited<ReturnType<typeof instance>>[] = [];
  let prometheus: RunningPrometheus | undefined;

  beforeAll(async () => {
    fleet = await Promise.all([instance(), instance(), instance()]);
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files: [health-probes.rules.yml]',
      'scrape_configs:',
      '  - job_name: fleet',
      `    static_configs: [{ targets: [${fleet.map((i) => `'${i.target}'`).join(', ')}] }]`,
      '',
    ].join('\n');
    prometheus = await startPrometheus(config, { 'health-probes.rules.yml': rulesYaml(FAST) });
  }, 45_000);

  afterAll(async () => {
    await prometheus?.close();
    await Promise.all(fleet.map((i) => i.close()));
  }, 30_000);

  /** Waits (20 s at most) until `predicate` holds of the active alerts. */
  async function alertsUntil(what: string, predicate: (alerts: Alert[]) => boolean) {
    const running = prometheus!;
    let last: Alert[] = [];
    return eventually(
      async () => {
        last = (await running.alerts()).filter((a) => a.labels.job === 'fleet');
        return predicate(last) ? last : undefined;
      },
      20_000,
      () => `${what} (alerts: ${JSON.stringify(last)}; log: ${running.log()})`,
    );
  }
  const firing = (alerts: Alert[], name: string) =>
    alerts.filter((a) => a.labels.alertname === name && a.state === 'firing');

  it('fires the instance alert, then the fleet alerts, and resolves them', async () => {
    const running = prometheus!;
    await eventually(
      async () => {
        const [count] = await running.query(`${RECORDED.instances}{job="fleet",check="db"}`);
        return count?.value[1] === '3' ? true : undefined;
      },
      20_000,
      () => `three instances in the recording rule (log: ${running.log()})`,
    );

    fleet[0]!.db.result = { status: 'DOWN', message: 'connect ECONNREFUSED' };
    const one = await alertsUntil(
      'HealthCheckCriticalDown firing',
      (alerts) => firing(alerts, 'HealthCheckCriticalDown').length > 0,
    );
    expect(firing(one, 'HealthCheckCriticalDown').map((a) => a.labels)).toEqual([
      {
        alertname: 'HealthCheckCriticalDown',
        severity: 'warning',
        job: 'fleet',
        instance: fleet[0]!.target,
        check: 'db',
      },
    ]);
    // One bad instance of three is not a fleet problem.
    expect(one.map((a) => a.labels.alertname)).not.toContain('HealthCheckDownAcrossJob');
    expect(one.map((a) => a.labels.alertname)).not.toContain('HealthReadinessDownAcrossJob');

    for (const i of fleet) i.db.result = { status: 'DOWN', message: 'connect ECONNREFUSED' };
    const all = await alertsUntil(
      'the fleet alerts firing',
      (alerts) =>
        firing(alerts, 'HealthCheckDownAcrossJob').length > 0 &&
        firing(alerts, 'HealthReadinessDownAcrossJob').length > 0,
    );
    // One page for the job, not one per instance.
    expect(firing(all, 'HealthCheckDownAcrossJob').map((a) => a.labels)).toEqual([
      { alertname: 'HealthCheckDownAcrossJob', severity: 'critical', job: 'fleet', check: 'db' },
    ]);
    expect(firing(all, 'HealthReadinessDownAcrossJob').map((a) => a.labels)).toEqual([
      { alertname: 'HealthReadinessDownAcrossJob', severity: 'critical', job: 'fleet' },
    ]);

    for (const i of fleet) i.db.result = { status: 'UP' };
    await alertsUntil('every alert resolved', (alerts) => alerts.length === 0);
  }, 70_000);

  it('every PromQL expression of the dashboard runs and returns series', async () => {
    const running = prometheus!;
    const model = dashboard(FAST);
    const variables = (model.templating as { list: { definition?: string }[] }).list
      .map((v) => /^label_values\((.+), \w+\)$/.exec(v.definition ?? '')?.[1])
      .filter((e): e is string => e !== undefined);
    const expressions = [...dashboardExpressions(model), ...variables].map((e) =>
      e
        .replaceAll('$job', 'fleet')
        .replaceAll('$check', '.+')
        .replaceAll('$__rate_interval', '10s'),
    );
    expect(expressions.length).toBeGreaterThan(10);
    for (const expression of expressions) {
      const series = await eventually(
        async () => {
          const result = await running.query(expression);
          return result.length > 0 ? result : undefined;
        },
        15_000,
        () => `series for ${expression}`,
      );
      expect(series.length, expression).toBeGreaterThan(0);
    }
  }, 60_000);
});
