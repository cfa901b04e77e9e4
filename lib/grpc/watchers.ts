import type { HealthChangeEvent } from '../runner/events.js';
import type { Health } from '../runner/health.js';
import type { ComponentReport } from '../runner/types.js';
import type { ServiceMap } from './service-map.js';
import type { GrpcServingStatus } from './types.js';

/** One open `Watch` call, as the hub sees it. */
export interface Watcher {
  /** The service name it watches. */
  readonly service: string;
  /** Sends one status to the client. */
  send(status: GrpcServingStatus): void;
  /** Ends the call (status OK); the client is expected to watch again with backoff. */
  end(): void;
}

/**
 * The shared state behind every `Watch` call of one gRPC health service: one poller for
 * all of them (a chained, unref'd timer that reads the runner through its cache), plus
 * the runner's `change` and `shutdown` events for immediate pushes. Each watcher gets its
 * current status at once and then a message only when that status changes.
 *
 * While no call is open it holds nothing: no timer, no listener on the runner, no snapshot.
 */
export class WatchHub {
  readonly #health: Health;
  readonly #services: ServiceMap;
  readonly #intervalMs: number;
  /** Each open call with the status it was last sent (`undefined`: none yet). */
  readonly #last = new Map<Watcher, GrpcServingStatus | undefined>();
  /** The latest component reports, kept while at least one call is open. */
  #components: Map<string, ComponentReport> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #scheduled = false;

  constructor(health: Health, services: ServiceMap, intervalMs: number) {
    this.#health = health;
    this.#services = services;
    this.#intervalMs = intervalMs;
  }

  /** How many `Watch` calls are open. */
  get size(): number {
    return this.#last.size;
  }

  /** Whether the shared poller's timer is armed. */
  get polling(): boolean {
    return this.#timer !== undefined;
  }

  /** Registers an open call and sends its current status as soon as it is known. */
  add(watcher: Watcher): void {
    if (this.#last.size === 0) {
      this.#health.on('change', this.#onChange);
      this.#health.on('shutdown', this.#onShutdown);
    }
    // An unknown service is watched too: a check registered later makes it known.
    const known = this.#services.has(watcher.service);
    this.#last.set(watcher, known ? undefined : 'SERVICE_UNKNOWN');
    if (!known) watcher.send('SERVICE_UNKNOWN');
    if (this.#components === undefined && !this.#health.shuttingDown) void this.#refresh();
    else this.#push(watcher);
    this.#arm();
  }

  /** Forgets a call (cancelled, ended or failed). Stops everything after the last one. */
  delete(watcher: Watcher): void {
    if (!this.#last.delete(watcher) || this.#last.size > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#components = undefined;
    this.#health.off('change', this.#onChange);
    this.#health.off('shutdown', this.#onShutdown);
  }

  /** Ends every open call and releases the timer and the listeners. */
  close(): void {
    for (const watcher of [...this.#last.keys()]) {
      this.delete(watcher);
      try {
        watcher.end();
      } catch {
        // A call that is already gone cannot be ended again.
      }
    }
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#last.size === 0 || this.#health.shuttingDown) return;
    this.#timer = setTimeout(this.#tick, this.#intervalMs);
    this.#timer.unref();
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    void this.#refresh().then(() => this.#arm());
  };

  // One run at a time for all calls; the runner's cache makes most of them free.
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#health.run().then(
      (report) => {
        this.#refreshing = undefined;
        if (this.#last.size === 0) return;
        this.#components = new Map(Object.entries(report.components));
        this.#pushAll();
      },
      () => {
        this.#refreshing = undefined;
      },
    );
    return this.#refreshing;
  }

  readonly #onChange = (event: HealthChangeEvent): void => {
    const previous = this.#components?.get(event.name);
    if (previous === undefined) return;
    this.#components?.set(event.name, { ...previous, status: event.current });
    // One run emits several events; push once, after the last of them in this tick.
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pushAll();
    });
  };

  readonly #onShutdown = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pushAll();
  };

  #pushAll(): void {
    for (const watcher of this.#last.keys()) this.#push(watcher);
  }

  #push(watcher: Watcher): void {
    if (!this.#last.has(watcher)) return;
    const components = this.#components;
    const shuttingDown = this.#health.shuttingDown;
    if (components === undefined && !shuttingDown) return;
    const status =
      this.#services.status(watcher.service, (name) => components?.get(name), shuttingDown) ??
      'SERVICE_UNKNOWN';
    if (this.#last.get(watcher) === status) return;
    this.#last.set(watcher, status);
    watcher.send(status);
  }
}
