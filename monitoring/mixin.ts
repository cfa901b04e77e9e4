// The health-probes monitoring mixin: Prometheus recording and alerting rules and a
// Grafana dashboard for a fleet of instances that each serve `metrics()` on /metrics.
// `npx tsx monitoring/build.ts` renders health-probes.rules.yml and
// health-probes.dashboard.json from MIXIN_DEFAULTS (or a JSON file of knobs); the
// rendered files are committed, so most users never run this.
import { DURATION_BUCKETS_SECONDS } from '../lib/metrics/values.js';

/** The knobs of the mixin. Durations are Prometheus durations (`30s`, `5m`, `1h`). */
export interface MixinConfig {
  /** Label matchers that select the scraped jobs, e.g. `job="checkout"` or `job=~"api|worker"`. */
  readonly selector: string;
  /** A critical check DOWN on one instance for this long pages the instance alert. */
  readonly criticalDownFor: string;
  /** The share of a job's instances (0 to 1) above which a check DOWN on them is fleet-wide. */
  readonly fleetDownRatio: number;
  /** How long that share must hold before the fleet alert fires. */
  readonly fleetDownFor: string;
  /** How long a check must flap on an instance before it alerts. */
  readonly flappingFor: string;
  /** The p99 of a check's run duration across a job, in seconds, above which it alerts. */
  readonly slowP99Seconds: number;
  /** How long the p99 must stay above `slowP99Seconds`. */
  readonly slowFor: string;
  /** How long readiness must be DOWN on every instance of a job before it alerts. */
  readonly readinessDownFor: string;
  /** The `rate()` window of the duration quantiles; at least 4 scrape intervals. */
  readonly rateWindow: string;
  /** The rule groups' evaluation interval; `undefined` uses Prometheus' global one. */
  readonly evaluationInterval?: string | undefined;
  /** The dashboard's uid (its URL). */
  readonly dashboardUid: string;
}

/** The knobs' defaults: what the committed rules and dashboard are rendered with. */
export const MIXIN_DEFAULTS: MixinConfig = Object.freeze({
  selector: 'job=~".+"',
  criticalDownFor: '5m',
  fleetDownRatio: 0.5,
  fleetDownFor: '2m',
  flappingFor: '10m',
  slowP99Seconds: 1,
  slowFor: '15m',
  readinessDownFor: '2m',
  rateWindow: '5m',
  evaluationInterval: undefined,
  dashboardUid: 'health-probes-fleet',
});

/** One recording or alerting rule. */
export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One rule group. */
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

/** The names of the recording rules, which the alerts and the dashboard read. */
export const RECORDED = Object.freeze({
  up: 'job_check:health_check_status_up:count',
  degraded: 'job_check:health_check_status_degraded:count',
  down: 'job_check:health_check_status_down:count',
  instances: 'job_check:health_check_status:count',
  downRatio: 'job_check:health_check_status_down:ratio',
  p50: 'job_check:health_check_duration_seconds:p50',
  p99: 'job_check:health_check_duration_seconds:p99',
  readiness: 'job:health_status:max',
});

/** The rule groups: recording rules first, then the alerts that read them. */
export function ruleGroups(config: MixinConfig = MIXIN_DEFAULTS): RuleGroup[] {
  const s = `{${config.selector}}`;
  const interval =
    config.evaluationInterval === undefined ? {} : { interval: config.evaluationInterval };
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (job, check, le) (rate(health_check_duration_seconds_bucket${s}[${config.rateWindow}])))`;
  const percent = Math.round(config.fleetDownRatio * 100);
  return [
    {
      name: 'health-probes.rules',
      ...interval,
      rules: [
        { record: RECORDED.up, expr: `sum by (job, check) (health_check_status${s} == bool 1)` },
        {
          record: RECORDED.degraded,
          expr: `sum by (job, check) (health_check_status${s} == bool 0.5)`,
        },
        { record: RECORDED.down, expr: `sum by (job, check) (health_check_status${s} == bool 0)` },
        { record: RECORDED.instances, expr: `count by (job, check) (health_check_status${s})` },
        { record: RECORDED.downRatio, expr: `${RECORDED.down} / ${RECORDED.instances}` },
        { record: RECORDED.p50, expr: quantile(0.5) },
        { record: RECORDED.p99, expr: quantile(0.99) },
        { record: RECORDED.readiness, expr: `max by (job) (health_status${s})` },
      ],
    },
    {
      name: 'health-probes.alerts',
      ...interval,
      rules: [
        {
          alert: 'HealthCheckCriticalDown',
          expr: `health_check_status${s} == 0\nand on (job, instance, check)\nhealth_check_critical${s} == 1`,
          for: config.criticalDownFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: `critical check {{ $labels.check }} is DOWN on {{ $labels.instance }}`,
            description: `{{ $labels.instance }} of {{ $labels.job }} has reported its critical check {{ $labels.check }} DOWN for ${config.criticalDownFor}: it answers readiness 503. Only this instance: look at its network, its pool, its logs.`,
          },
        },
        {
          alert: 'HealthCheckDownAcrossJob',
          expr: `${RECORDED.downRatio}${s} > ${config.fleetDownRatio}`,
          for: config.fleetDownFor,
          labels: { severity: 'critical' },
          annotations: {
            summary: `check {{ $labels.check }} is DOWN on more than ${percent}% of {{ $labels.job }}`,
            description: `{{ $value | humanizePercentage }} of the instances of {{ $labels.job }} report {{ $labels.check }} DOWN: a shared dependency is down, not one instance. One alert for the job (inhibit HealthCheckCriticalDown on job and check).`,
          },
        },
        {
          alert: 'HealthCheckFlapping',
          expr: `health_check_flapping${s} == 1`,
          for: config.flappingFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: `check {{ $labels.check }} is flapping on {{ $labels.instance }}`,
            description: `{{ $labels.check }} on {{ $labels.instance }} has changed state often enough to be flapping (Nagios' percent state change) for ${config.flappingFor}.`,
          },
        },
        {
          alert: 'HealthCheckSlow',
          expr: `${RECORDED.p99}${s} > ${config.slowP99Seconds}`,
          for: config.slowFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: `check {{ $labels.check }} of {{ $labels.job }} takes over ${config.slowP99Seconds}s at p99`,
            description: `The p99 run duration of {{ $labels.check }} across {{ $labels.job }} is {{ $value | humanizeDuration }} (over ${config.rateWindow}), above ${config.slowP99Seconds}s for ${config.slowFor}: the dependency is slow, or close to the check's timeoutMs.`,
          },
        },
        {
          alert: 'HealthReadinessDownAcrossJob',
          expr: `${RECORDED.readiness}${s} == 0`,
          for: config.readinessDownFor,
          labels: { severity: 'critical' },
          annotations: {
            summary: `every instance of {{ $labels.job }} is not ready`,
            description: `Every instance of {{ $labels.job }} has reported DOWN (readiness 503) for ${config.readinessDownFor}: no instance takes traffic.`,
          },
        },
      ],
    },
  ];
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The rule groups as a Prometheus rule file (YAML). */
export function rulesYaml(config: MixinConfig = MIXIN_DEFAULTS): string {
  const lines = [
    '# Generated by monitoring/build.ts from monitoring/mixin.ts: edit the knobs there, not here.',
    '# Load with rule_files in prometheus.yml; check with: promtool check rules <this file>',
    'groups:',
  ];
  for (const group of ruleGroups(config)) {
    lines.push(`  - name: ${group.name}`);
    if (group.interval !== undefined) lines.push(`    interval: ${group.interval}`);
    lines.push('    rules:');
    for (const rule of group.rules) {
      lines.push(
        rule.record === undefined
          ? `      - alert: ${rule.alert ?? ''}`
          : `      - record: ${rule.record}`,
      );
      lines.push('        expr: |-', ...rule.expr.split('\n').map((line) => `          ${line}`));
      if (rule.for !== undefined) lines.push(`        for: ${rule.for}`);
      for (const key of ['labels', 'annotations'] as const) {
        const map = rule[key];
        if (map === undefined) continue;
        lines.push(`        ${key}:`);
        for (const [name, value] of Object.entries(map))
          lines.push(`          ${name}: ${quote(value)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One PromQL target of a panel. */
interface Target {
  readonly expr: string;
  readonly legendFormat: string;
}

let nextId = 1;
function panel(
  type: string,
  title: string,
  gridPos: { x: number; y: number; w: number; h: number },
  targets: readonly Target[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: nextId++,
    type,
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos,
    targets: targets.map((target, index) => ({
      ...target,
      refId: String.fromCharCode(65 + index),
      datasource: { type: 'prometheus', uid: '${datasource}' },
    })),
    ...extra,
  };
}

const STATUS_MAPPINGS = [
  {
    type: 'value',
    options: {
      '0': { text: 'DOWN', color: 'red', index: 0 },
      '0.5': { text: 'DEGRADED', color: 'yellow', index: 1 },
      '1': { text: 'UP', color: 'green', index: 2 },
    },
  },
];

/** The Grafana dashboard (JSON model, schemaVersion 39) for the fleet. */
export function dashboard(config: MixinConfig = MIXIN_DEFAULTS): Record<string, unknown> {
  nextId = 1;
  const f = '{job=~"$job", check=~"$check"}';
  const jobs = '{job=~"$job"}';
  const perCheck = (title: string, record: string, x: number, color: string) =>
    panel(
      'timeseries',
      title,
      { x, y: 5, w: 8, h: 8 },
      [{ expr: `${record}${f}`, legendFormat: '{{job}} {{check}}' }],
      {
        description: `Per check, how many instances report it ${title.split(' ')[1] ?? ''} (recording rule ${record}).`,
        fieldConfig: {
          defaults: {
            unit: 'short',
            min: 0,
            decimals: 0,
            color: { mode: 'fixed', fixedColor: color },
          },
          overrides: [],
        },
      },
    );
  const seconds = { defaults: { unit: 's', min: 0 }, overrides: [] };
  return {
    uid: config.dashboardUid,
    title: 'health-probes / fleet',
    description:
      'Health checks of every instance of a job, from health-probes metrics() (monitoring/mixin.ts).',
    tags: ['health-probes'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        {
          name: 'job',
          label: 'Job',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: { query: `label_values(health_status{${config.selector}}, job)`, refId: 'job' },
          definition: `label_values(health_status{${config.selector}}, job)`,
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.+',
          current: { text: 'All', value: '$__all' },
        },
        {
          name: 'check',
          label: 'Check',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: { query: 'label_values(health_check_status{job=~"$job"}, check)', refId: 'check' },
          definition: 'label_values(health_check_status{job=~"$job"}, check)',
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.+',
          current: { text: 'All', value: '$__all' },
        },
      ],
    },
    annotations: { list: [] },
    panels: [
      panel(
        'stat',
        'Instances UP',
        { x: 0, y: 0, w: 6, h: 5 },
        [{ expr: `sum by (job) (health_status${jobs} == bool 1)`, legendFormat: '{{job}}' }],
        {
          fieldConfig: {
            defaults: { unit: 'short', color: { mode: 'fixed', fixedColor: 'green' } },
            overrides: [],
          },
        },
      ),
      panel(
        'stat',
        'Instances DEGRADED',
        { x: 6, y: 0, w: 6, h: 5 },
        [{ expr: `sum by (job) (health_status${jobs} == bool 0.5)`, legendFormat: '{{job}}' }],
        {
          fieldConfig: {
            defaults: { unit: 'short', color: { mode: 'fixed', fixedColor: 'yellow' } },
            overrides: [],
          },
        },
      ),
      panel(
        'stat',
        'Instances DOWN (not ready)',
        { x: 12, y: 0, w: 6, h: 5 },
        [{ expr: `sum by (job) (health_status${jobs} == bool 0)`, legendFormat: '{{job}}' }],
        {
          fieldConfig: {
            defaults: { unit: 'short', color: { mode: 'fixed', fixedColor: 'red' } },
            overrides: [],
          },
        },
      ),
      panel('stat', 'Instances scraped', { x: 18, y: 0, w: 6, h: 5 }, [
        { expr: `sum by (job) (up${jobs})`, legendFormat: '{{job}}' },
      ]),
      perCheck('Instances UP per check', RECORDED.up, 0, 'green'),
      perCheck('Instances DEGRADED per check', RECORDED.degraded, 8, 'yellow'),
      perCheck('Instances DOWN per check', RECORDED.down, 16, 'red'),
      panel(
        'status-history',
        'Instances x checks',
        { x: 0, y: 13, w: 24, h: 10 },
        [{ expr: `health_check_status${f}`, legendFormat: '{{instance}} {{check}}' }],
        {
          description: 'One row per instance and check: green UP, yellow DEGRADED, red DOWN.',
          fieldConfig: {
            defaults: { mappings: STATUS_MAPPINGS, color: { mode: 'thresholds' } },
            overrides: [],
          },
          options: { showValue: 'never', rowHeight: 0.9, legend: { showLegend: false } },
        },
      ),
      panel(
        'timeseries',
        'Check duration p50 / p99',
        { x: 0, y: 23, w: 12, h: 8 },
        [
          { expr: `${RECORDED.p50}${f}`, legendFormat: 'p50 {{job}} {{check}}' },
          { expr: `${RECORDED.p99}${f}`, legendFormat: 'p99 {{job}} {{check}}' },
        ],
        {
          description: `Across the instances of a job, over ${config.rateWindow}; buckets ${DURATION_BUCKETS_SECONDS.join(', ')} s. The HealthCheckSlow threshold is ${config.slowP99Seconds}s.`,
          fieldConfig: seconds,
        },
      ),
      panel(
        'timeseries',
        'Check runs by result',
        { x: 12, y: 23, w: 12, h: 8 },
        [
          {
            expr: `sum by (job, check, result) (rate(health_checks_total${f}[$__rate_interval]))`,
            legendFormat: '{{job}} {{check}} {{result}}',
          },
        ],
        { fieldConfig: { defaults: { unit: 'ops', min: 0 }, overrides: [] } },
      ),
      panel(
        'timeseries',
        'Consecutive failures (worst instance)',
        { x: 0, y: 31, w: 8, h: 8 },
        [
          {
            expr: `max by (job, check) (health_check_consecutive_failures${f})`,
            legendFormat: '{{job}} {{check}}',
          },
        ],
        { fieldConfig: { defaults: { unit: 'short', min: 0, decimals: 0 }, overrides: [] } },
      ),
      panel(
        'timeseries',
        'Staleness of the served result (worst instance)',
        { x: 8, y: 31, w: 8, h: 8 },
        [
          {
            expr: `max by (job, check) (health_check_staleness_seconds${f})`,
            legendFormat: '{{job}} {{check}}',
          },
        ],
        { fieldConfig: seconds },
      ),
      panel(
        'timeseries',
        'Instances flapping per check',
        { x: 16, y: 31, w: 8, h: 8 },
        [
          {
            expr: `sum by (job, check) (health_check_flapping${f})`,
            legendFormat: '{{job}} {{check}}',
          },
        ],
        { fieldConfig: { defaults: { unit: 'short', min: 0, decimals: 0 }, overrides: [] } },
      ),
    ],
  };
}

/** Every PromQL expression of the dashboard's panels, as written (with `$job`, `$check`). */
export function dashboardExpressions(model: Record<string, unknown>): string[] {
  const panels = model.panels as { targets: { expr: string }[] }[];
  return panels.flatMap((p) => p.targets.map((t) => t.expr));
}

/** The dashboard as the committed JSON text. */
export function dashboardJson(config: MixinConfig = MIXIN_DEFAULTS): string {
  return `${JSON.stringify(dashboard(config), null, 2)}\n`;
}
