import { createRequire } from 'node:module';
import { MissingPeerError } from '../errors.js';

/**
 * What {@link metrics} needs of a prom-client `Registry` (`new Registry()` or the global
 * `register`). Structural, so this package never imports prom-client for its types and a
 * registry from the application's own copy of prom-client fits.
 */
export interface MetricsRegistry {
  /** The `Content-Type` of {@link MetricsRegistry.metrics}' text. */
  readonly contentType: string;
  /** Every registered metric in the exposition format. */
  metrics(): Promise<string>;
  /** The metric registered under `name`, if any. */
  getSingleMetric(name: string): unknown;
  /** Called by prom-client's metric constructors; the parameter is prom-client's `Metric`. */
  registerMetric(metric: never): void;
}

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** The fields every prom-client metric exposes and {@link metrics} checks when reusing one. */
export interface PromMetric {
  readonly type?: unknown;
  readonly labelNames?: unknown;
  /** Removes the series with these labels (for a check unregistered at run time). */
  remove(labels: Labels): void;
}

/** What {@link metrics} uses of a prom-client `Gauge`: `set`, with or without labels. */
export interface PromGauge extends PromMetric {
  set(labels: Labels, value: number): void;
  set(value: number): void;
}

/** What {@link metrics} uses of a prom-client `Counter`: `inc` with labels. */
export interface PromCounter extends PromMetric {
  inc(labels: Labels, value?: number): void;
}

/** What {@link metrics} uses of a prom-client `Histogram`: `observe`, and `zero` to start a series at 0. */
export interface PromHistogram extends PromMetric {
  observe(labels: Labels, value: number): void;
  zero(labels: Labels): void;
}

/** The constructor options of prom-client metrics that are used here. */
export interface MetricConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registers: readonly MetricsRegistry[];
  readonly buckets?: readonly number[];
  readonly collect?: () => Promise<void>;
}

/** The parts of the prom-client module that are used here. */
export interface PromClient {
  readonly Registry: new () => MetricsRegistry;
  readonly Gauge: new (config: MetricConfig) => PromGauge;
  readonly Counter: new (config: MetricConfig) => PromCounter;
  readonly Histogram: new (config: MetricConfig) => PromHistogram;
}

/** The prom-client versions this package is tested with; the peer dependency's range. */
export const PROM_CLIENT_RANGE = '^15';

/**
 * Loads prom-client synchronously (it is CommonJS), only when called, so importing this
 * package never loads it. Resolved from this package, which finds the application's copy.
 *
 * @param where - the calling factory, for the error message.
 * @param specifier - the package to load; tests point it at a missing one.
 * @throws {MissingPeerError} when the package cannot be loaded or lacks `Registry`,
 *   `Gauge`, `Counter` or `Histogram`.
 */
export function loadPromClient(where: string, specifier = 'prom-client'): PromClient {
  const hint = `${where} needs the optional peer dependency \`${specifier}\` (${PROM_CLIENT_RANGE}): npm install ${specifier}`;
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(specifier);
  } catch (error) {
    throw new MissingPeerError(hint, specifier, { cause: error });
  }
  const exports = (typeof loaded === 'object' && loaded !== null ? loaded : {}) as Record<
    string,
    unknown
  >;
  const missing = ['Registry', 'Gauge', 'Counter', 'Histogram'].filter(
    (name) => typeof exports[name] !== 'function',
  );
  if (missing.length > 0) {
    throw new MissingPeerError(
      `${hint} (the installed version has no ${missing.join(', ')})`,
      specifier,
    );
  }
  return exports as unknown as PromClient;
}

/** Whether `value` looks like a prom-client `Registry`. */
export function isMetricsRegistry(value: unknown): value is MetricsRegistry {
  if (typeof value !== 'object' || value === null) return false;
  const registry = value as Record<string, unknown>;
  return (
    typeof registry.contentType === 'string' &&
    ['metrics', 'getSingleMetric', 'registerMetric'].every(
      (method) => typeof registry[method] === 'function',
    )
  );
}
