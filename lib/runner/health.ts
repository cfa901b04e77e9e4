import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { HealthStatus } from '../status.js';
import { aggregateStatus } from './aggregate.js';
import type { HealthChangeEvent, HealthEvents } from './events.js';
import { emitSafely, logTransition } from './notify.js';
import { executeCheck, type ExecuteSettings } from './execute.js';
import {
  resolveHealthOptions,
  type HealthLogger,
  type HealthOptions,
  type ResolvedCheck,
} from './options.js';
import type { ComponentReport, HealthReport } from './types.js';

/** Options of {@link Health.run}. */
export interface RunOptions {
  /** Run only these checks, by name. Defaults to all of them. */
  readonly only?: readonly string[];
}

/**
 * The key of {@link Health}'s method for `readiness()`: the last full report while every
 * result in it is still fresh. Not exported from the package.
 */
export const freshReport = Symbol('health-probes.freshReport');

/** The message of every report made after `markShuttingDown()` or `close()`. */
export const SHUTTING_DOWN_MESSAGE = 'shutting down';

/**
 * The check runner shared by every probe, stream and format. Create it with
 * {@link createHealth}.
 *
 * Each check's result is cached for its `cacheTtlMs`; callers that arrive while a check
 * is running share that run (single-flight); checks run concurrently, each bounded by its
 * `timeoutMs`. Nothing here ever rejects. Emits {@link HealthEvents}.
 */
export class Health extends EventEmitter<HealthEvents> {
  readonly #checks: readonly ResolvedCheck[];
  readonly #settings: ExecuteSettings;
  readonly #version: string | undefined;
  readonly #logger: HealthLogger | undefined;
  readonly #createdAt: number;
  readonly #cache: LRUCache<string, ComponentReport>;
  readonly #inflight = new Map<string, Promise<ComponentReport>>();
  readonly #latest = new Map<string, ComponentReport>();
  #aggregate: HealthStatus | undefined;
  #started = false;
  #shuttingDown = false;
  #closed = false;
  #timestampMs = Number.NaN;
  #timestampIso = '';
  /** Bumped whenever what a report is made of changes: a stored result, shutdown, close. */
  #generation = 0;
  /** The clock of the result cache: the injected `clock`, or `performance.now()`. */
  readonly #cacheNow: () => number;
  #lastFull:
    | {
        readonly now: number;
        readonly generation: number;
        readonly report: HealthReport;
        /** `#cacheNow()` up to which every result in `report` is fresh. */
        readonly freshUntil: number;
      }
    | undefined;

  /** Use {@link createHealth}; this constructor validates like it and throws the same errors. */
  constructor(options: HealthOptions = {}) {
    super();
    const resolved = resolveHealthOptions('createHealth()', options);
    this.#checks = resolved.checks;
    this.#version = resolved.version;
    this.#logger = resolved.logger;
    const now = resolved.clock ?? Date.now;
    this.#settings = {
      exposeErrors: resolved.exposeErrors,
      maxMessageLength: resolved.maxMessageLength,
      now,
    };
    this.#createdAt = now();
    // An injected clock drives the TTLs too, read every time; else performance.now(), which
    // lru-cache reads at most once per millisecond (its default `ttlResolution`).
    this.#cacheNow = resolved.clock ?? (() => performance.now());
    this.#cache = new LRUCache<string, ComponentReport>({
      max: Math.max(1, this.#checks.length),
      perf: { now: this.#cacheNow },
      ...(resolved.clock === undefined ? {} : { ttlResolution: 0 }),
    });
  }

  /** The check names, in declaration order. */
  get checkNames(): readonly string[] {
    return this.#checks.map((check) => check.name);
  }

  /** Whether the startup latch is set (see {@link Health.markStarted}). */
  get started(): boolean {
    return this.#started;
  }

  /** Whether {@link Health.markShuttingDown} or {@link Health.close} was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Runs every check (or reuses its cached result) and aggregates them. Never rejects.
   *
   * With `only`, runs just the named checks (unknown names are ignored) and aggregates
   * those: such a partial run neither sets the startup latch nor emits an aggregate
   * `change`, since it is not the service's health.
   *
   * While shutting down no check is started: the report is DOWN with the message
   * `'shutting down'` and the components as they were last seen.
   */
  run(options: RunOptions = {}): Promise<HealthReport> {
    // Not `async` (a cached run then costs no promise per check), so turn a throw, which only
    // a broken injected clock can cause, into a rejection as an async function would.
    try {
      return this.#run(options);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * What {@link Health.run} would resolve to, returned at once when it needs no check to
   * execute: every selected check has a fresh cached result, or the runner is shutting
   * down. It has run()'s effects (the startup latch, `change` events). Returns `undefined`
   * when a check has to run: call run() then. For handlers on a hot path; nothing is
   * started, awaited or cached by it.
   *
   * A full report (no `only`) made in the same millisecond (the same `clock()` value) from
   * the same results is returned again rather than made anew (reports are frozen): under
   * probe load many requests share one. A result may so be used up to 1 ms past its TTL,
   * as lru-cache's own `ttlResolution` of 1 ms allows.
   *
   * @throws only what a broken injected `clock` throws (run() turns that into a rejection).
   */
  runCached(options: RunOptions = {}): HealthReport | undefined {
    const { only } = options;
    if (only === undefined && !this.#shuttingDown) return this.#cachedFull();
    const selected = this.#select(only);
    if (this.#shuttingDown) {
      const latest = selected.flatMap((c) => {
        const component = this.#latest.get(c.name);
        return component === undefined ? [] : [[c.name, component] as const];
      });
      return this.#report(latest);
    }
    const components = this.#cachedComponents(selected);
    return components === undefined ? undefined : this.#finish(selected, components, only);
  }

  /** The cached result of each of `selected`, or `undefined` when one has none. */
  #cachedComponents(selected: readonly ResolvedCheck[]): ComponentReport[] | undefined {
    const components: ComponentReport[] = [];
    for (const check of selected) {
      const cached = this.#cache.get(check.name);
      if (cached === undefined) return undefined;
      components.push(cached);
    }
    return components;
  }

  /** runCached() of every check, reusing the report of the same millisecond. */
  #cachedFull(): HealthReport | undefined {
    const now = this.#settings.now();
    const last = this.#lastFull;
    if (last !== undefined && last.now === now && last.generation === this.#generation) {
      return last.report;
    }
    const components = this.#cachedComponents(this.#checks);
    if (components === undefined) return undefined;
    const report = this.#finish(this.#checks, components, undefined, now);
    let remainingMs = Infinity;
    for (const check of this.#checks) {
      remainingMs = Math.min(remainingMs, this.#cache.getRemainingTTL(check.name));
    }
    const freshUntil = this.#cacheNow() + remainingMs;
    this.#lastFull = { now, generation: this.#generation, report, freshUntil };
    return report;
  }

  /**
   * For `readiness()`, whose body has no timestamp: the last full report of runCached()
   * while no result has changed and every one is still fresh by the cache's clock (a
   * report of an earlier millisecond, so its `timestamp` and `uptimeSeconds` are old);
   * otherwise what runCached() gives. No allocation on the hot path.
   *
   * @throws only what a broken injected `clock` throws.
   */
  [freshReport](): HealthReport | undefined {
    const last = this.#lastFull;
    if (
      last !== undefined &&
      last.generation === this.#generation &&
      this.#cacheNow() < last.freshUntil
    ) {
      return last.report;
    }
    return this.runCached();
  }

  #run(options: RunOptions): Promise<HealthReport> {
    // Every result cached (the common case for a probe): no promise per check.
    const cached = this.runCached(options);
    if (cached !== undefined) return Promise.resolve(cached);
    const { only } = options;
    const selected = this.#select(only);
    const settled = selected.map((check) => Promise.resolve(this.#component(check)));
    return Promise.all(settled).then((components) => this.#finish(selected, components, only));
  }

  #select(only: readonly string[] | undefined): readonly ResolvedCheck[] {
    return only === undefined ? this.#checks : this.#checks.filter((c) => only.includes(c.name));
  }

  /** The report of a run: aggregate, startup latch and aggregate `change` for a full run. */
  #finish(
    selected: readonly ResolvedCheck[],
    components: readonly ComponentReport[],
    only: readonly string[] | undefined,
    now = this.#settings.now(),
  ): HealthReport {
    const entries = selected.map(
      (check, i) => [check.name, components[i] as ComponentReport] as const,
    );
    const report = this.#report(entries, now);
    if (only !== undefined) return report;
    if (!this.#started && components.every((c) => !c.critical || c.status !== 'DOWN')) {
      this.#started = true;
    }
    this.#observe('', this.#aggregate, report.status, report.message);
    this.#aggregate = report.status;
    return report;
  }

  /** Sets the startup latch by hand, e.g. once migrations have run. Idempotent. */
  markStarted(): void {
    this.#started = true;
  }

  /**
   * Flips readiness and startup to DOWN for good (`'shutting down'`); liveness is not
   * affected. Idempotent. Call it first thing on SIGTERM so load balancers drain the instance.
   */
  markShuttingDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#generation++;
    emitSafely(this, 'shutdown');
    this.#observe('', this.#aggregate, 'DOWN', SHUTTING_DOWN_MESSAGE);
    this.#aggregate = 'DOWN';
  }

  /**
   * Marks the runner as shutting down and releases what it holds: cached results and
   * every check's `close()` (the event-loop monitor, for one), so the process can exit.
   * Idempotent; a `close()` that throws is ignored.
   */
  close(): void {
    this.markShuttingDown();
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    this.#generation++;
    for (const check of this.#checks) {
      try {
        check.close?.();
      } catch {
        // A failing release must not stop the others.
      }
    }
  }

  #component(check: ResolvedCheck): ComponentReport | Promise<ComponentReport> {
    const cached = this.#cache.get(check.name);
    if (cached !== undefined) return cached;
    let pending = this.#inflight.get(check.name);
    if (pending === undefined) {
      pending = executeCheck(check, this.#settings).then(({ component: report, outcome }) => {
        this.#inflight.delete(check.name);
        const previous = this.#latest.get(check.name);
        this.#latest.set(check.name, report);
        if (check.cacheTtlMs > 0 && !this.#closed) {
          this.#cache.set(check.name, report, { ttl: check.cacheTtlMs });
        }
        this.#generation++;
        emitSafely(this, 'check', { name: check.name, outcome, component: report });
        this.#observe(check.name, previous?.status, report.status, report.message);
        return report;
      });
      this.#inflight.set(check.name, pending);
    }
    return pending;
  }

  #observe(
    name: string,
    previous: HealthStatus | undefined,
    current: HealthStatus,
    message: string | undefined,
  ): void {
    if (previous === current) return;
    const event: HealthChangeEvent = {
      name,
      previous,
      current,
      ...(message === undefined ? {} : { message }),
    };
    logTransition(this.#logger, event);
    emitSafely(this, 'change', event);
  }

  /** The `logger` option, for the middlewares to report failures of this library. */
  get logger(): HealthLogger | undefined {
    return this.#logger;
  }

  /**
   * `now` as an ISO 8601 string, formatted once per millisecond: under probe load many
   * reports share one, and `toISOString()` costs about a microsecond.
   */
  #timestamp(now: number): string {
    if (now !== this.#timestampMs) {
      this.#timestampIso = new Date(now).toISOString();
      this.#timestampMs = now;
    }
    return this.#timestampIso;
  }

  /** A report, frozen with its components map: reports are shared between callers. */
  #report(
    components: readonly (readonly [string, ComponentReport])[],
    now = this.#settings.now(),
  ): HealthReport {
    return Object.freeze({
      status: this.#shuttingDown ? 'DOWN' : aggregateStatus(components.map(([, c]) => c)),
      ...(this.#shuttingDown ? { message: SHUTTING_DOWN_MESSAGE } : {}),
      timestamp: this.#timestamp(now),
      uptimeSeconds: Math.max(0, Math.floor((now - this.#createdAt) / 1000)),
      ...(this.#version === undefined ? {} : { version: this.#version }),
      components: Object.freeze(Object.fromEntries(components)),
    });
  }
}

/**
 * Creates the check runner that every middleware of this package reads from.
 *
 * @param options - see {@link HealthOptions}; `undefined` values mean "use the default".
 *   The object is not modified and may be frozen.
 * @returns a {@link Health}.
 * @throws {HealthOptionsError} (a `TypeError`, code `ERR_HEALTH_OPTIONS`) naming the first
 *   invalid option, e.g. an unknown key, a negative `timeoutMs` or a bad check name.
 *
 * @example
 * const health = createHealth({
 *   checks: {
 *     database: { check: async () => { await pool.query('SELECT 1'); }, timeoutMs: 500 },
 *     cache: { check: () => redis.ping(), critical: false },
 *   },
 *   version: '1.2.3',
 * });
 */
export function createHealth(options: HealthOptions = {}): Health {
  return new Health(options);
}
