import { EventEmitter } from 'node:events';
import { describe } from '../describe.js';
import { HealthOptionsError } from '../errors.js';
import type { HealthStatus } from '../status.js';
import { UNREF_TIMERS } from '../timers.js';
import { aggregateStatus } from './aggregate.js';
import type { HealthHistory } from './check-history.js';
import { resolveCheck, type CheckDefaults } from './check-options.js';
import type { HealthChangeEvent, HealthEvents } from './events.js';
import { executeCheck, faultedRun, type Execution, type ExecuteSettings } from './execute.js';
import { emitSafely, logTransition } from './notify.js';
import { resolveHealthOptions, type HealthLogger, type HealthOptions } from './options.js';
import { Scheduler } from './schedule.js';
import { CheckState, type StateClocks } from './state.js';
import { HistoryRecorder } from './history-recorder.js';
import { ReportBuilder, SHUTTING_DOWN_MESSAGE } from './report.js';
import type { Check, ComponentReport, HealthReport } from './types.js';

/** Options of {@link Health.history}. */
export interface HistoryOptions {
  /** Only this check's history. Defaults to every check's. */
  readonly check?: string;
}

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

export { SHUTTING_DOWN_MESSAGE } from './report.js';

/**
 * The check runner shared by every probe, stream and format. Create it with
 * {@link createHealth}.
 *
 * A coordinator: each check's state over time (its latest run, thresholds, back-off,
 * freshness) is a `CheckState`, and background runs are timed by a `Scheduler`. Callers
 * that arrive while a check is running share that run (single-flight); checks run
 * concurrently, each bounded by its `timeoutMs`. Nothing here ever rejects. Emits
 * {@link HealthEvents}.
 */
export class Health extends EventEmitter<HealthEvents> {
  readonly #states = new Map<string, CheckState>();
  readonly #defaults: CheckDefaults;
  readonly #settings: ExecuteSettings;
  readonly #clocks: StateClocks;
  readonly #scheduler: Scheduler;
  readonly #logger: HealthLogger | undefined;
  readonly #reports: ReportBuilder;
  readonly #inflight = new Map<string, Promise<ComponentReport>>();
  readonly #history: HistoryRecorder;
  /** The check names, rebuilt on (un)registration: read on every request. */
  #names: readonly string[] = Object.freeze([]);
  #aggregate: HealthStatus | undefined;
  #started = false;
  #shuttingDown = false;
  #closed = false;
  /** Bumped whenever what a report is made of changes: a run, a (un)registration, shutdown. */
  #generation = 0;
  #lastFull:
    | {
        readonly now: number;
        readonly generation: number;
        readonly report: HealthReport;
        /** The monotonic time up to which every result in `report` is fresh. */
        readonly freshUntil: number;
      }
    | undefined;

  /** Use {@link createHealth}; this constructor validates like it and throws the same errors. */
  constructor(options: HealthOptions = {}) {
    super();
    const resolved = resolveHealthOptions('createHealth()', options);
    this.#defaults = resolved.defaults;
    this.#logger = resolved.logger;
    const now = resolved.clock ?? Date.now;
    // An injected clock drives ages and durations too; else performance.now(), which never jumps.
    const monotonic = resolved.clock ?? (() => performance.now());
    this.#settings = {
      exposeErrors: resolved.exposeErrors,
      maxMessageLength: resolved.maxMessageLength,
      now,
      monotonic,
    };
    this.#clocks = { epoch: now, monotonic, random: resolved.random };
    this.#scheduler = new Scheduler(resolved.timers ?? UNREF_TIMERS);
    this.#history = new HistoryRecorder(resolved.history);
    this.#reports = new ReportBuilder(firstReading(now), resolved.version);
    for (const check of resolved.checks) this.#add(new CheckState(check, this.#clocks));
  }

  /** The check names, in declaration (then registration) order. */
  get checkNames(): readonly string[] {
    return this.#names;
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
   * Adds a check at run time, e.g. for a pool created after start-up or a plugin. It is
   * validated like `createHealth`'s checks (and takes the runner's defaults), and is seen
   * at once wherever a declared check is: reports, `/ready/<name>`, `?exclude`, the stream,
   * gRPC, metrics. A background check starts its schedule (unless shutting down).
   *
   * @returns a function that unregisters this check (idempotent; it never removes a later
   *   check registered under the same name).
   * @throws {HealthOptionsError} for an invalid check or name, or a name in use.
   * @example
   * const unregister = health.register('tenantDb', checks.postgres(pool));
   * // later: unregister();
   */
  register(name: string, check: Check): () => void {
    const where = 'health.register()';
    if (typeof name !== 'string') {
      throw new HealthOptionsError(`${where}: the name must be a string.`, 'name');
    }
    if (this.#states.has(name)) {
      throw new HealthOptionsError(
        `${where}: a check named ${JSON.stringify(name)} exists already. Unregister it first, or pick another name.`,
        `checks.${name}`,
      );
    }
    const state = new CheckState(resolveCheck(where, name, check, this.#defaults), this.#clocks);
    this.#add(state);
    this.#generation++;
    emitSafely(this, 'register', { name });
    return () => {
      if (this.#states.get(name) === state) this.unregister(name);
    };
  }

  /**
   * Removes a check: it disappears from reports, routes, the stream, gRPC and metrics
   * (its series removed), its timer is cleared and its `close()` called. A run of it in
   * flight settles unseen.
   *
   * @returns whether a check of that name was registered.
   */
  unregister(name: string): boolean {
    const state = this.#states.get(name);
    if (state === undefined) return false;
    this.#states.delete(name);
    this.#history.remove(name);
    this.#names = Object.freeze([...this.#states.keys()]);
    this.#inflight.delete(name);
    this.#scheduler.cancel(name);
    this.#generation++;
    closeCheck(state);
    emitSafely(this, 'unregister', { name });
    return true;
  }

  /**
   * Runs every check that needs it (or reuses its result) and aggregates them. Never
   * rejects.
   *
   * A check's result is served without running it while fresh (its TTL, its back-off, or
   * for a background check always once it has one); within `staleWhileRevalidateMs` past
   * that it is served at once and one refresh starts; otherwise callers wait for a run,
   * sharing it.
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
      return Promise.reject(error instanceof Error ? error : new Error('health run failed'));
    }
  }

  /**
   * What {@link Health.run} would resolve to, returned at once when no caller would have to
   * wait: every selected check has a fresh result, or a stale one within its
   * `staleWhileRevalidateMs` (whose refresh this starts), or the runner is shutting down.
   * It has run()'s effects (the startup latch, `change` events). Returns `undefined` when a
   * check has to run first: call run() then. For handlers on a hot path.
   *
   * A full report (no `only`) made in the same millisecond (the same `clock()` value) from
   * the same results is returned again rather than made anew (reports are frozen): under
   * probe load many requests share one.
   *
   * @throws only what a broken injected `clock` throws (run() turns that into a rejection).
   */
  runCached(options: RunOptions = {}): HealthReport | undefined {
    const { only } = options;
    if (only === undefined && !this.#shuttingDown) return this.#cachedFull();
    const selected = this.#select(only);
    if (this.#shuttingDown) {
      return this.#report(
        selected.flatMap((state) => {
          const view = state.view();
          return view === undefined ? [] : [[state.check.name, view] as const];
        }),
      );
    }
    const components = this.#servable(selected);
    return components === undefined ? undefined : this.#finish(selected, components, only);
  }

  /**
   * The component of each of `selected` that can be served at once (starting the refresh
   * of a stale one), or `undefined` when one has to run first.
   */
  #servable(selected: readonly CheckState[]): ComponentReport[] | undefined {
    const now = this.#clocks.monotonic();
    const components: ComponentReport[] = [];
    for (const state of selected) {
      const freshness = state.freshness(now);
      if (freshness === 'none' || freshness === 'expired') return undefined;
      if (freshness === 'stale') void this.#start(state);
      components.push(state.view(now) as ComponentReport);
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
    const states = [...this.#states.values()];
    const components = this.#servable(states);
    if (components === undefined) return undefined;
    const report = this.#finish(states, components, undefined, now);
    const monotonic = this.#clocks.monotonic();
    let remainingMs = Infinity;
    for (const state of states)
      remainingMs = Math.min(remainingMs, state.remainingFreshMs(monotonic));
    this.#lastFull = {
      now,
      generation: this.#generation,
      report,
      freshUntil: monotonic + remainingMs,
    };
    return report;
  }

  /**
   * For `readiness()`, whose body has no timestamp: the last full report of runCached()
   * while no result has changed and every one is still fresh (a report of an earlier
   * millisecond, so its `timestamp` and `uptimeSeconds` are old); otherwise what
   * runCached() gives. No allocation on the hot path.
   *
   * @throws only what a broken injected `clock` throws.
   */
  [freshReport](): HealthReport | undefined {
    const last = this.#lastFull;
    if (
      last !== undefined &&
      last.generation === this.#generation &&
      this.#clocks.monotonic() < last.freshUntil
    ) {
      return last.report;
    }
    return this.runCached();
  }

  #run(options: RunOptions): Promise<HealthReport> {
    // Every result servable (the common case for a probe): no promise per check.
    const cached = this.runCached(options);
    if (cached !== undefined) return Promise.resolve(cached);
    const { only } = options;
    const selected = this.#select(only);
    const now = this.#clocks.monotonic();
    const settled = selected.map((state) => {
      const freshness = state.freshness(now);
      if (freshness === 'none' || freshness === 'expired') return this.#start(state);
      if (freshness === 'stale') void this.#start(state);
      return Promise.resolve(state.view(now) as ComponentReport);
    });
    return Promise.all(settled).then((components) => this.#finish(selected, components, only));
  }

  #select(only: readonly string[] | undefined): readonly CheckState[] {
    const all = [...this.#states.values()];
    return only === undefined ? all : all.filter((state) => only.includes(state.check.name));
  }

  /** The report of a run: aggregate, startup latch and aggregate `change` for a full run. */
  #finish(
    selected: readonly CheckState[],
    components: readonly ComponentReport[],
    only: readonly string[] | undefined,
    now = this.#settings.now(),
  ): HealthReport {
    const entries = selected.map(
      (state, i) => [state.check.name, components[i] as ComponentReport] as const,
    );
    const report = this.#report(entries, now);
    if (only !== undefined || this.#shuttingDown) return report;
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
   * Flips readiness and startup to DOWN for good (`'shutting down'`) and stops background
   * runs; liveness is not affected. Idempotent. Call it first thing on SIGTERM so load
   * balancers drain the instance.
   */
  markShuttingDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#scheduler.stop();
    this.#generation++;
    emitSafely(this, 'shutdown');
    this.#observe('', this.#aggregate, 'DOWN', SHUTTING_DOWN_MESSAGE);
    this.#aggregate = 'DOWN';
  }

  /**
   * Marks the runner as shutting down and releases what it holds: every timer, and every
   * check's `close()` (the event-loop monitor, for one), so the process can exit.
   * Idempotent; a `close()` that throws is ignored.
   */
  close(): void {
    this.markShuttingDown();
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    for (const state of this.#states.values()) closeCheck(state);
  }

  /** Adds a state and, for a background check, its first scheduled run. */
  #add(state: CheckState): void {
    this.#states.set(state.check.name, state);
    this.#names = Object.freeze([...this.#states.keys()]);
    if (this.#history.enabled) {
      this.#history.add(state.check.name);
      state.flapping = false;
    }
    if (state.check.intervalMs !== undefined) this.#schedule(state, state.check.initialDelayMs);
  }

  #schedule(state: CheckState, delayMs: number): void {
    if (this.#shuttingDown) return;
    this.#scheduler.schedule(state.check.name, delayMs, () => {
      if (this.#states.get(state.check.name) === state && !this.#shuttingDown) {
        void this.#start(state);
      }
    });
    state.scheduledAt(this.#clocks.epoch() + delayMs);
  }

  /**
   * The run of `state` in flight, or a new one. The in-flight entry is recorded before the
   * check starts (a microtask later), so a check that calls `run()` itself finds its own
   * run and waits for it (ending DOWN at its timeout) instead of recursing. The entry is
   * removed however the run ends.
   */
  #start(state: CheckState): Promise<ComponentReport> {
    const { name } = state.check;
    const inflight = this.#inflight.get(name);
    if (inflight !== undefined) return inflight;
    const entry: { promise?: Promise<ComponentReport> } = {};
    const pending = (async () => {
      let execution: Execution;
      try {
        await Promise.resolve();
        execution = await executeCheck(state.check, this.#settings);
      } catch (error) {
        execution = faultedRun(state.check, error, this.#safeNow());
      } finally {
        if (this.#inflight.get(name) === entry.promise) this.#inflight.delete(name);
      }
      return this.#settle(state, execution);
    })();
    entry.promise = pending;
    this.#inflight.set(name, pending);
    return pending;
  }

  /** Records a finished run, schedules the next background run and emits the events. */
  #settle(state: CheckState, { component, outcome }: Execution): ComponentReport {
    const { name } = state.check;
    const { previous, current } = state.record(component);
    const reported = state.view() as ComponentReport;
    // A run of a check unregistered meanwhile settles unseen.
    if (this.#states.get(name) !== state) return reported;
    this.#generation++;
    if (state.check.intervalMs !== undefined) this.#schedule(state, state.delayMs);
    const recorded = this.#history.recordRun(
      name,
      this.#clocks.epoch(),
      component.status,
      component.durationMs,
      current,
      reported.message,
    );
    if (recorded?.flipped === true) state.flapping = recorded.flapping;
    const view = state.view() as ComponentReport;
    emitSafely(this, 'check', { name, outcome, component, reported: view });
    this.#observe(name, previous, current, view.message);
    if (recorded?.flipped === true) {
      const { flapping, percentStateChange } = recorded;
      emitSafely(this, 'flapping', { name, flapping, percentStateChange });
    }
    this.#observeAggregate();
    return view;
  }

  /**
   * After a run: the aggregate of every check's reported status, once each has one, so the
   * aggregate `change` event, its history and the startup latch follow background checks
   * too, not only full runs.
   */
  #observeAggregate(): void {
    if (this.#shuttingDown) return;
    const components: ComponentReport[] = [];
    for (const state of this.#states.values()) {
      const view = state.view();
      if (view === undefined) return;
      components.push(view);
    }
    const status = aggregateStatus(components);
    if (!this.#started && components.every((c) => !c.critical || c.status !== 'DOWN')) {
      this.#started = true;
    }
    this.#observe('', this.#aggregate, status, undefined);
    this.#aggregate = status;
  }

  /**
   * The bounded history of every check (or of `check`): its last runs, the transitions of
   * its reported status, its uptime over 5 min, 1 h and since its first run (time-weighted,
   * from the transitions), and whether it is flapping; and the same for the service's
   * aggregate status. `undefined` when `history` is `false`, or `check` is no check.
   */
  history(options: HistoryOptions = {}): HealthHistory | undefined {
    return this.#history.snapshot(this.#clocks.epoch(), options.check);
  }

  /** The injected clock, or `Date.now()` when it throws: shutdown must work with a broken clock. */
  #safeNow(): number {
    try {
      return this.#settings.now();
    } catch {
      return Date.now();
    }
  }

  #observe(
    name: string,
    previous: HealthStatus | undefined,
    current: HealthStatus,
    message: string | undefined,
  ): void {
    if (previous === current) return;
    // #safeNow: close() and markShuttingDown() come here, and must not throw for a bad clock.
    if (name === '') this.#history.recordService(this.#safeNow(), current, message);
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

  /** A report, frozen with its components map: reports are shared between callers. */
  #report(
    components: readonly (readonly [string, ComponentReport])[],
    now = this.#settings.now(),
  ): HealthReport {
    return this.#reports.build(components, now, this.#shuttingDown);
  }
}

/** The clock's first reading; a clock that throws is an invalid option. */
function firstReading(clock: () => number): number {
  let now: unknown;
  try {
    now = clock();
  } catch (error) {
    throw new HealthOptionsError(
      `createHealth(): option \`clock\` threw when called: ${describe(error)}. Pass a function returning epoch milliseconds, such as Date.now.`,
      'clock',
      { cause: error },
    );
  }
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new HealthOptionsError(
      `createHealth(): option \`clock\` returned ${describe(now)}: it must return epoch milliseconds, such as Date.now().`,
      'clock',
    );
  }
  return now;
}

function closeCheck(state: CheckState): void {
  try {
    state.check.close?.();
  } catch {
    // A failing release must not stop the others.
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
 *     database: checks.postgres(pool, { failureThreshold: 3 }),
 *     cache: checks.redis(redis, { critical: false, intervalMs: 5000 }),
 *     config: () => fs.promises.access('/etc/app/config.json'),
 *   },
 *   version: '1.2.3',
 * });
 */
export function createHealth(options: HealthOptions = {}): Health {
  return new Health(options);
}
