import { createRequire } from 'node:module';
import { MissingPeerError } from '../errors.js';

/** Attribute values of one OpenTelemetry data point. */
export type OtelAttributes = Readonly<Record<string, string>>;

/** The instrument options used here (`@opentelemetry/api`'s `MetricOptions`). */
export interface OtelInstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
  readonly advice?: { readonly explicitBucketBoundaries?: number[] };
}

/** What {@link otelMetrics} uses of a `Histogram`. */
export interface OtelHistogram {
  record(value: number, attributes?: OtelAttributes): void;
}

/** What {@link otelMetrics} uses of a `Counter`. */
export interface OtelCounter {
  add(value: number, attributes?: OtelAttributes): void;
}

/** An asynchronous instrument (`ObservableGauge`), opaque here. */
export type OtelObservable = object;

/** What a batch observable callback is handed (`BatchObservableResult`). */
export interface OtelBatchResult {
  observe(metric: OtelObservable, value: number, attributes?: OtelAttributes): void;
}

/** A batch observable callback; the SDK awaits the promise it returns. */
export type OtelBatchCallback = (result: OtelBatchResult) => void | Promise<void>;

/**
 * What {@link otelMetrics} needs of an OpenTelemetry `Meter` (`@opentelemetry/api` 1.7 or
 * later, for histogram bucket advice). Structural, so this package never imports the API
 * for its types and a meter from the application's own copy fits.
 */
export interface OtelMeter {
  createHistogram(name: string, options?: OtelInstrumentOptions): OtelHistogram;
  createCounter(name: string, options?: OtelInstrumentOptions): OtelCounter;
  createObservableGauge(name: string, options?: OtelInstrumentOptions): OtelObservable;
  addBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservable[]): void;
  removeBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservable[]): void;
}

/** The part of `@opentelemetry/api` used here: the global meter provider. */
export interface OtelApi {
  readonly metrics: { getMeter(name: string, version?: string): OtelMeter };
}

/** The `@opentelemetry/api` versions this package is tested with; the peer dependency's range. */
export const OTEL_API_RANGE = '^1.7.0';

/**
 * Loads `@opentelemetry/api` synchronously, only when called, so importing this package
 * never loads it. Resolved from this package, which finds the application's copy (the API
 * keeps its global meter provider on `globalThis`, so any copy sees the SDK's).
 *
 * @param where - the calling factory, for the error message.
 * @param specifier - the package to load; tests point it at a missing one.
 * @throws {MissingPeerError} when the package cannot be loaded or has no `metrics.getMeter`.
 */
export function loadOtelApi(where: string, specifier = '@opentelemetry/api'): OtelApi {
  const hint = `${where} needs the optional peer dependency \`${specifier}\` (${OTEL_API_RANGE}): npm install ${specifier}`;
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(specifier);
  } catch (error) {
    throw new MissingPeerError(hint, specifier, { cause: error });
  }
  const api = loaded as Partial<OtelApi> | null;
  if (typeof api?.metrics?.getMeter !== 'function') {
    throw new MissingPeerError(`${hint} (the installed version has no metrics API)`, specifier);
  }
  return api as OtelApi;
}

/** Whether `value` looks like an OpenTelemetry `Meter`. */
export function isOtelMeter(value: unknown): value is OtelMeter {
  if (typeof value !== 'object' || value === null) return false;
  const meter = value as Record<string, unknown>;
  return [
    'createHistogram',
    'createCounter',
    'createObservableGauge',
    'addBatchObservableCallback',
    'removeBatchObservableCallback',
  ].every((method) => typeof meter[method] === 'function');
}
