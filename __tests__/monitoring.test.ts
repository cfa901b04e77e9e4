// The monitoring mixin (monitoring/): the committed files are what the knobs render, every
// metric name in them is one this library exports, and promtool loads the rules and proves
// every alert fires when it should and not on a blip or on one bad instance.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../lib/index.js';
import {
  dashboard,
  dashboardExpressions,
  MIXIN_DEFAULTS,
  RECORDED,
  ruleGroups,
} from '../monitoring/mixin.js';
import { MONITORING_DIR, renderFiles } from '../monitoring/render.js';
import { prometheusInstalled, promtool } from './helpers/prometheus.js';
import { servicesRequired } from './helpers/services.js';

if (!prometheusInstalled && servicesRequired) {
  throw new Error('promtool is missing: .ci/run installs the prometheus package');
}
const RULES = join(MONITORING_DIR, 'health-probes.rules.yml');

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'by', 'on', 'without', 'ignoring']);

/** The metric names an expression reads (not functions, keywords, labels or numbers). */
function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|on|without|ignoring)\s*\([^)]*\)/g, ' ');
  return [...bare.matchAll(/([A-Za-z_:][\w:]*)\s*(\()?/g)]
    .filter((m) => m[2] === undefined && !KEYWORDS.has(m[1]!))
    .map((m) => m[1]!);
}

/** The names a rule may read: the exported series, the histogram's, the recorded, `up`. */
const allowed = new Set<string>([
  ...Object.values(METRIC_NAMES),
  ...['_bucket', '_count', '_sum'].map((s) => METRIC_NAMES.checkDuration + s),
  ...Object.values(RECORDED),
  'up',
]);

describe('the monitoring mixin', () => {
  it('the README states every knob with its default', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const [knob, value] of Object.entries(MIXIN_DEFAULTS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${knob}\` |`));
      const shown = typeof value === 'string' ? `\`'${value}'\`` : `\`${String(value)}\``;
      expect(row, knob).toContain(`| ${shown} |`);
    }
  });

  it('the committed rules and dashboard are what the default knobs render', async () => {
    for (const [name, text] of Object.entries(await renderFiles())) {
      expect(
        await readFile(join(MONITORING_DIR, name), 'utf8'),
        `${name}: run npx tsx monitoring/build.ts`,
      ).toBe(text);
    }
  });

  it('reads only metric names this library exports (METRIC_NAMES), and all of them', async () => {
    const rules = ruleGroups().flatMap((g) => g.rules.map((r) => r.expr));
    const board = dashboardExpressions(dashboard());
    // examples/alerts.yml: the README's snippet; probe_success is the blackbox exporter's.
    const examples = [
      ...(await readFile(new URL('../examples/alerts.yml', import.meta.url), 'utf8')).matchAll(
        /expr: (.*)/g,
      ),
    ].map((m) => m[1]!);
    const used = new Set<string>();
    for (const expression of [...rules, ...board, ...examples]) {
      for (const name of metricNamesIn(expression)) {
        if (name === 'probe_success') continue;
        expect(allowed, `${name} in ${expression}`).toContain(name);
        used.add(name);
      }
    }
    for (const name of Object.values(METRIC_NAMES)) {
      const read = [...used].some((u) => u === name || u.startsWith(`${name}_`));
      expect(read, `${name} is exported but no rule or panel reads it`).toBe(true);
    }
    // The extractor is not vacuous.
    expect(
      metricNamesIn('sum by (job) (rate(health_checks_total{a="b"}[5m])) > 0 and on (x) up'),
    ).toEqual(['health_checks_total', 'up']);
  });

  it('the dashboard has the panels the fleet needs, and knobs reach it', () => {
    const model = dashboard({ ...MIXIN_DEFAULTS, selector: 'job="checkout"', dashboardUid: 'x' });
    const titles = (model.panels as { title: string; type: string }[]).map(
      (p) => `${p.type}: ${p.title}`,
    );
    expect(titles).toEqual(
      expect.arrayContaining([
        'timeseries: Instances UP per check',
        'timeseries: Instances DEGRADED per check',
        'timeseries: Instances DOWN per check',
        'status-history: Instances x checks',
        'timeseries: Check duration p50 / p99',
      ]),
    );
    expect(model.uid).toBe('x');
    expect(JSON.stringify(model.templating)).toContain('health_status{job=\\"checkout\\"}');
    const rules = ruleGroups({
      ...MIXIN_DEFAULTS,
      selector: 'job="checkout"',
      fleetDownRatio: 0.3,
      criticalDownFor: '1m',
    });
    const alerts = rules[1]!.rules;
    expect(alerts.find((r) => r.alert === 'HealthCheckDownAcrossJob')?.expr).toBe(
      `${RECORDED.downRatio}{job="checkout"} > 0.3`,
    );
    expect(alerts.find((r) => r.alert === 'HealthCheckCriticalDown')?.for).toBe('1m');
  });
});

/**
 * `promtool test rules` for every alert, at the default knobs (1-minute samples): each fires
 * after its `for:`, none fires on a one-sample blip, the fleet alerts not on one bad
 * instance of three.
 */
const UNIT_TESTS = `
rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  # HealthCheckCriticalDown: DOWN from minute 2 on a, for: 5m.
  - interval: 1m
    input_series:
      - { series: 'health_check_status{job="app",instance="a",check="db"}', values: '1 1 0x12' }
      - { series: 'health_check_critical{job="app",instance="a",check="db"}', values: '1x14' }
      # A blip: DOWN for one sample.
      - { series: 'health_check_status{job="app",instance="b",check="db"}', values: '1 1 0 1x11' }
      - { series: 'health_check_critical{job="app",instance="b",check="db"}', values: '1x14' }
      # DOWN all along, but not critical.
      - { series: 'health_check_status{job="app",instance="c",check="cache"}', values: '0x14' }
      - { series: 'health_check_critical{job="app",instance="c",check="cache"}', values: '0x14' }
    alert_rule_test:
      - { eval_time: 6m, alertname: HealthCheckCriticalDown, exp_alerts: [] }
      - eval_time: 8m
        alertname: HealthCheckCriticalDown
        exp_alerts:
          - exp_labels: { severity: warning, job: app, instance: a, check: db }
            exp_annotations:
              summary: 'critical check db is DOWN on a'
              description: 'a of app has reported its critical check db DOWN for 5m: it answers readiness 503. Only this instance: look at its network, its pool, its logs.'

  # HealthCheckDownAcrossJob: db DOWN on 2 of 3 instances of "fleet" from minute 3, for: 2m;
  # one of 3 DOWN in "one" all along; all 3 of "blip" DOWN for one sample.
  - interval: 1m
    input_series:
      - { series: 'health_check_status{job="fleet",instance="x1",check="db"}', values: '0x12' }
      - { series: 'health_check_status{job="fleet",instance="x2",check="db"}', values: '1 1 1 0x10' }
      - { series: 'health_check_status{job="fleet",instance="x3",check="db"}', values: '1x12' }
      - { series: 'health_check_status{job="one",instance="y1",check="db"}', values: '0x12' }
      - { series: 'health_check_status{job="one",instance="y2",check="db"}', values: '1x12' }
      - { series: 'health_check_status{job="one",instance="y3",check="db"}', values: '1x12' }
      - { series: 'health_check_status{job="blip",instance="z1",check="db"}', values: '1 0 1x10' }
      - { series: 'health_check_status{job="blip",instance="z2",check="db"}', values: '1 0 1x10' }
      - { series: 'health_check_status{job="blip",instance="z3",check="db"}', values: '1 0 1x10' }
    alert_rule_test:
      - { eval_time: 4m, alertname: HealthCheckDownAcrossJob, exp_alerts: [] }
      - eval_time: 6m
        alertname: HealthCheckDownAcrossJob
        exp_alerts:
          - exp_labels: { severity: critical, job: fleet, check: db }
            exp_annotations:
              summary: 'check db is DOWN on more than 50% of fleet'
              description: '66.67% of the instances of fleet report db DOWN: a shared dependency is down, not one instance. One alert for the job (inhibit HealthCheckCriticalDown on job and check).'

  # HealthCheckFlapping: flapping from minute 2 on a, for: 10m; b flaps for one sample.
  - interval: 1m
    input_series:
      - { series: 'health_check_flapping{job="app",instance="a",check="db"}', values: '0 0 1x14' }
      - { series: 'health_check_flapping{job="app",instance="b",check="db"}', values: '0 1 0x14' }
    alert_rule_test:
      - { eval_time: 11m, alertname: HealthCheckFlapping, exp_alerts: [] }
      - eval_time: 13m
        alertname: HealthCheckFlapping
        exp_alerts:
          - exp_labels: { severity: warning, job: app, instance: a, check: db }
            exp_annotations:
              summary: 'check db is flapping on a'
              description: "db on a has changed state often enough to be flapping (Nagios' percent state change) for 10m."

  # HealthCheckSlow: every run of "slow" in the 1 s - 2.5 s bucket (p99 ~2.5 s), for: 15m;
  # "blip" had one slow minute (p99 high for the 5m rate window only); "fast" never slow.
  - interval: 1m
    input_series:
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="slow",le="1"}', values: '0x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="slow",le="2.5"}', values: '0+10x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="slow",le="+Inf"}', values: '0+10x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="blip",le="1"}', values: '0+10x4 40+10x20' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="blip",le="2.5"}', values: '0+10x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="blip",le="+Inf"}', values: '0+10x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="fast",le="1"}', values: '0+10x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="fast",le="2.5"}', values: '0+10x25' }
      - { series: 'health_check_duration_seconds_bucket{job="app",instance="a",check="fast",le="+Inf"}', values: '0+10x25' }
    alert_rule_test:
      - { eval_time: 14m, alertname: HealthCheckSlow, exp_alerts: [] }
      - eval_time: 17m
        alertname: HealthCheckSlow
        exp_alerts:
          - exp_labels: { severity: warning, job: app, check: slow }
            exp_annotations:
              summary: 'check slow of app takes over 1s at p99'
              description: "The p99 run duration of slow across app is 2.485s (over 5m), above 1s for 15m: the dependency is slow, or close to the check's timeoutMs."

  # HealthReadinessDownAcrossJob: both instances of "ready" DOWN from minute 2, for: 2m;
  # one of two DOWN in "partial"; all of "blip" DOWN for one sample.
  - interval: 1m
    input_series:
      - { series: 'health_status{job="ready",instance="r1"}', values: '1 1 0x10' }
      - { series: 'health_status{job="ready",instance="r2"}', values: '1 0.5 0x10' }
      - { series: 'health_status{job="partial",instance="p1"}', values: '0x12' }
      - { series: 'health_status{job="partial",instance="p2"}', values: '1x12' }
      - { series: 'health_status{job="blip",instance="b1"}', values: '1 0 1x10' }
      - { series: 'health_status{job="blip",instance="b2"}', values: '1 0 1x10' }
    alert_rule_test:
      - { eval_time: 3m, alertname: HealthReadinessDownAcrossJob, exp_alerts: [] }
      - eval_time: 5m
        alertname: HealthReadinessDownAcrossJob
        exp_alerts:
          - exp_labels: { severity: critical, job: ready }
            exp_annotations:
              summary: 'every instance of ready is not ready'
              description: 'Every instance of ready has reported DOWN (readiness 503) for 2m: no instance takes traffic.'
`;

describe.skipIf(!prometheusInstalled)('the mixin under promtool', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'health-probes-mixin-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('promtool check rules accepts every rule', async () => {
    const result = await promtool(['check', 'rules', RULES]);
    expect(result.output).toContain('SUCCESS: 13 rules found');
    expect(result.code).toBe(0);
  });

  it('promtool test rules: every alert fires after its for:, never on a blip or one bad instance', async () => {
    const file = join(dir, 'mixin.test.yml');
    await writeFile(file, UNIT_TESTS);
    const result = await promtool(['test', 'rules', file]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('promtool test rules is a real test: a wrong expectation fails', async () => {
    const file = join(dir, 'wrong.test.yml');
    await writeFile(
      file,
      UNIT_TESTS.replace(
        '{ eval_time: 4m, alertname: HealthCheckDownAcrossJob, exp_alerts: [] }',
        '{ eval_time: 3m, alertname: HealthCheckDownAcrossJob, exp_alerts: [{ exp_labels: { severity: critical, job: one, check: db } }] }',
      ),
    );
    const result = await promtool(['test', 'rules', file]);
    expect(result.code).not.toBe(0);
  });
});
