import { HealthOptionsError } from '../errors.js';
import type {
  CheckOutcome,
  HealthChangeEvent,
  HealthCheckEvent,
  HealthFlappingEvent,
  HealthRegistrationEvent,
} from '../runner/events.js';
import type { Health } from '../runner/health.js';
import type { ComponentReport } from '../runner/types.js';
import { worstStatus, type HealthStatus } from '../status.js';
import { ageSeconds, DURATION_BUCKETS_SECONDS, STATUS_VALUES } from './values.js';
import type {
  MetricConfig,
  MetricsRegistry,
  PromClient,
  PromCounter,
  PromGauge,
  PromHistogram,
  PromMetric,
} from './prom-client.js';

export { DURATION_BUCKETS_SECONDS, STATUS_VALUES } from './values.js';

/** The metric names, before the `prefix` option. */
export const METRIC_NAMES = Object.freeze({
  checkStatus: 'health_check_status',
  checkDuration: 'health_check_duration_seconds',
  checkRuns: 'health_checks_total',
  status: 'health_status',
  checkCritical: 'health_check_critical',
  checkConsecutiveFailures: 'health_check_consecutive_failures',
  checkStaleness: 'health_check_staleness_seconds',
  checkFlapping: 'health_check_flapping',
});

const OUTCOMES: readonly CheckOutcome[] = ['success', 'failure', 'timeout'];

/** A runner feeding the metrics: its last aggregate status and how many calls attached it. */
interface Attachment {
  status: HealthStatus | undefined;
  users: number;
  readonly detach: () => void;
}

/**
 * The metrics of one registry and prefix, shared by every {@link metrics} call on
 * them. Their `collect()` runs the attached runners (through the runner's cache) so a
 * scrape shows the current status even when nothing else asks for it.
 */
export class HealthInstruments {
  readonly checkStatus: PromGauge;
  readonly checkDuration: PromHistogram;
  readonly checkRuns: PromCounter;
  readonly status: PromGauge;
  readonly checkCritical: PromGauge;
  readonly checkConsecutiveFailures: PromGauge;
  readonly checkStaleness: PromGauge;
  readonly checkFlapping: PromGauge;
  /** The runners feeding these metrics. */
  readonly #attached = new Map<Health, Attachment>();
  /** The checks whose histogram series were started at 0: zero() again would reset them. */
  readonly #zeroed = new Set<string>();
  /** Whether the histogram was created here, so no one else's observations can be zeroed. */
  #ownHistogram = true;
  #refreshing: Promise<void> | undefined;

  constructor(where: string, client: PromClient, registry: MetricsRegistry, prefix: string) {
    const collect = () => this.#refresh();
    const build = <T extends PromMetric>(
      type: string,
      Metric: new (config: MetricConfig) => T,
      config: Omit<MetricConfig, 'registers' | 'collect'>,
    ): T => {
      const existing = registry.getSingleMetric(config.name) as PromMetric | undefined;
      if (existing === undefined) return new Metric({ ...config, registers: [registry], collect });
      // Never zero() series of a histogram that may already hold someone's observations.
      if (type === 'histogram') this.#ownHistogram = false;
      // Reusing a metric registered by someone else: it must record what we record.
      const labels = Array.isArray(existing.labelNames) ? existing.labelNames.join(',') : '';
      if (existing.type !== type || labels !== config.labelNames.join(',')) {
        throw new HealthOptionsError(
          `${where}: the registry already has a metric \`${config.name}\` that is not a ${type} labelled {${config.labelNames.join(',')}}: pass a \`prefix\` such as 'myapp_'.`,
          'prefix',
        );
      }
      return existing as T;
    };
    const statusHelp = '1 UP, 0.5 DEGRADED, 0 DOWN.';
    this.checkStatus = build('gauge', client.Gauge, {
      name: prefix + METRIC_NAMES.checkStatus,
      help: `Status of each health check: ${statusHelp}`,
      labelNames: ['check'],
    });
    this.checkDuration = build('histogram', client.Histogram, {
      name: prefix + METRIC_NAMES.checkDuration,
      help: 'Duration of health check runs in seconds (cached results are not runs).',
      labelNames: ['check'],
      buckets: DURATION_BUCKETS_SECONDS,
    });
    this.checkRuns = build('counter', client.Counter, {
      name: prefix + METRIC_NAMES.checkRuns,
      help: 'Health check runs by result: success (UP or DEGRADED), failure (DOWN) or timeout.',
      labelNames: ['check', 'result'],
    });
    this.status = build('gauge', client.Gauge, {
      name: prefix + METRIC_NAMES.status,
      help: `Aggregate health of the service: ${statusHelp}`,
      labelNames: [],
    });
    const gauge = (name: string, help: string) =>
      build('gauge', client.Gauge, { name: prefix + name, help, labelNames: ['check'] });
    this.checkCritical = gauge(
      METRIC_NAMES.checkCritical,
      'Whether each health check is critical (1) or not (0): a critical DOWN makes the service DOWN.',
    );
    this.checkConsecutiveFailures = gauge(
      METRIC_NAMES.checkConsecutiveFailures,
      'Failed runs in a row of each health check, 0 after a success.',
    );
    this.checkStaleness = gauge(
      METRIC_NAMES.checkStaleness,
      'Seconds since the result each health check serves was made (its checkedAt), at scrape time.',
    );
    this.checkFlapping = gauge(
      METRIC_NAMES.checkFlapping,
      "Whether each health check is flapping (1) or not (0), by Nagios' percent state change; absent when history is off.",
    );
  }

  /** Whether these metrics are still the ones `registry` holds (it may have been cleared). */
  registeredOn(registry: MetricsRegistry, prefix: string): boolean {
    return registry.getSingleMetric(prefix + METRIC_NAMES.status) === this.status;
  }

  /**
   * Feeds these metrics from `health`'s events; returns the function that stops it (call
   * it once). A runner attached twice is counted once and fed until both are detached.
   */
  attach(health: Health): () => void {
    const release = () => {
      const attachment = this.#attached.get(health);
      if (attachment === undefined || --attachment.users > 0) return;
      attachment.detach();
      this.#attached.delete(health);
    };
    const existing = this.#attached.get(health);
    if (existing !== undefined) {
      existing.users++;
      return release;
    }
    for (const check of health.checkNames) this.#start(check);
    const onCheck = ({ name, outcome, component, reported }: HealthCheckEvent) => {
      const labels = { check: name };
      // The gauges follow the reported status (after thresholds); the counter counts runs.
      this.checkDuration.observe(labels, component.durationMs / 1000);
      this.checkRuns.inc({ check: name, result: outcome });
      this.#setComponent(name, reported, reported.checkedAt);
    };
    const onFlapping = ({ name, flapping }: HealthFlappingEvent) => {
      this.checkFlapping.set({ check: name }, flapping ? 1 : 0);
    };
    const onRegister = ({ name }: HealthRegistrationEvent) => {
      this.#start(name);
    };
    const onUnregister = ({ name }: HealthRegistrationEvent) => {
      this.#remove(name);
    };
    const attachment: Attachment = {
      status: undefined,
      users: 1,
      detach: () => {
        health.off('check', onCheck);
        health.off('change', onChange);
        health.off('register', onRegister);
        health.off('unregister', onUnregister);
        health.off('flapping', onFlapping);
      },
    };
    const onChange = ({ name, current }: HealthChangeEvent) => {
      if (name !== '') return;
      attachment.status = current;
      this.#setAggregate();
    };
    this.#attached.set(health, attachment);
    health.on('check', onCheck);
    health.on('change', onChange);
    health.on('register', onRegister);
    health.on('unregister', onUnregister);
    health.on('flapping', onFlapping);
    return release;
  }

  /** Series that exist from the start make rate() and increase() exact. */
  #start(check: string): void {
    for (const result of OUTCOMES) this.checkRuns.inc({ check, result }, 0);
    if (this.#ownHistogram && !this.#zeroed.has(check)) this.checkDuration.zero({ check });
    this.#zeroed.add(check);
  }

  /** Removes every series of a check that was unregistered. */
  #remove(check: string): void {
    for (const gauge of [
      this.checkStatus,
      this.checkCritical,
      this.checkConsecutiveFailures,
      this.checkStaleness,
      this.checkFlapping,
    ]) {
      gauge.remove({ check });
    }
    for (const result of OUTCOMES) this.checkRuns.remove({ check, result });
    if (this.#ownHistogram) this.checkDuration.remove({ check });
    this.#zeroed.delete(check);
  }

  /** Runs every attached runner once per scrape, however many metrics ask. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#runAll().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #runAll(): Promise<void> {
    const runners = [...this.#attached.keys()];
    const reports = await Promise.all(runners.map((health) => health.run()));
    runners.forEach((health, index) => {
      const report = reports[index];
      const attachment = this.#attached.get(health);
      if (report === undefined || attachment === undefined) return;
      attachment.status = report.status;
      for (const [check, component] of Object.entries(report.components)) {
        this.#setComponent(check, component, report.timestamp);
      }
    });
    this.#setAggregate();
  }

  /** The per-check gauges of a component as reported (after the thresholds). */
  #setComponent(check: string, component: ComponentReport, timestamp: string): void {
    const labels = { check };
    this.checkStatus.set(labels, STATUS_VALUES[component.status]);
    this.checkCritical.set(labels, component.critical ? 1 : 0);
    this.checkConsecutiveFailures.set(labels, component.consecutiveFailures);
    this.checkStaleness.set(labels, ageSeconds(component.checkedAt, timestamp));
    if (component.flapping !== undefined)
      this.checkFlapping.set(labels, component.flapping ? 1 : 0);
  }

  /** The aggregate gauge is the worst status of the attached runners. */
  #setAggregate(): void {
    let worst: HealthStatus | undefined;
    for (const { status } of this.#attached.values()) {
      if (status !== undefined) worst = worst === undefined ? status : worstStatus(worst, status);
    }
    if (worst !== undefined) this.status.set(STATUS_VALUES[worst]);
  }
}
