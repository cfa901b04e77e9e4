import type { ServerResponse } from 'node:http';
import type { Health } from '../runner/health.js';
import type { HealthReport } from '../runner/types.js';
import { StreamClient } from './client.js';
import { renderBody } from '../http/render.js';
import { streamEvent, type StreamEvent } from './frame.js';
import type { ResolvedStreamOptions } from './options.js';
import { Poller } from './poller.js';

/** Counts of what a stream handler holds, e.g. for a gauge or a leak test. */
export interface StreamStats {
  /** Streams open now. */
  readonly clients: number;
  /** Shared polls running now: one per distinct `poll_interval` in use. */
  readonly pollers: number;
  /** Clients whose socket buffer is full, waiting for `drain`. */
  readonly blocked: number;
}

/**
 * The clients of one stream handler, grouped by poll interval.
 *
 * It holds timers and a listener on `health` only while a client is connected: the
 * `shutdown` listener is added with the first client and removed with the last, and a
 * poller is removed with the last client of its interval. Event ids number the reports
 * this handler framed, so each client sees them strictly increasing (with gaps for the
 * reports it did not need).
 */
export class StreamHub {
  readonly #health: Health;
  readonly #settings: ResolvedStreamOptions;
  readonly #pollers = new Map<number, Poller>();
  readonly #onShutdown = () => this.#shutdown();
  readonly #frame = (report: HealthReport) => {
    const { format, showDetails, healthJson } = this.#settings;
    const body = renderBody(format, report, showDetails, healthJson, false);
    return streamEvent(++this.#lastId, report, body);
  };
  #clients = 0;
  #lastId = 0;

  constructor(health: Health, settings: ResolvedStreamOptions) {
    this.#health = health;
    this.#settings = settings;
  }

  /** The number of streams open now. */
  get clientCount(): number {
    return this.#clients;
  }

  /** See {@link StreamStats}. */
  stats(): StreamStats {
    let blocked = 0;
    for (const poller of this.#pollers.values()) {
      for (const client of poller.clients) if (client.blocked) blocked++;
    }
    return { clients: this.#clients, pollers: this.#pollers.size, blocked };
  }

  /**
   * Feeds `res` (headers and `retry:` already written) every `intervalMs`, starting now
   * with one event. While shutting down it gets that one event and the stream ends.
   */
  join(res: ServerResponse, intervalMs: number, onlyChanges: boolean): void {
    const client = new StreamClient(res, onlyChanges, this.#settings.clock);
    // Gone already (it left while an earlier async middleware ran): 'close' will not come again.
    if (!client.open) return;
    if (this.#health.shuttingDown) {
      this.#report((event) => client.end(event));
      return;
    }
    if (this.#clients++ === 0) this.#health.on('shutdown', this.#onShutdown);
    let poller = this.#pollers.get(intervalMs);
    if (poller === undefined) {
      poller = new Poller(this.#health, intervalMs, this.#settings, this.#frame);
      this.#pollers.set(intervalMs, poller);
    }
    poller.clients.add(client);
    // 'close' on the response fires for a client that went away and for a stream we ended.
    res.once('close', () => this.#leave(intervalMs, poller, client));
    this.#report((event) => {
      if (!client.started) client.offer(event);
    });
  }

  #leave(intervalMs: number, poller: Poller, client: StreamClient): void {
    if (!poller.clients.delete(client)) return;
    if (--this.#clients === 0) this.#health.off('shutdown', this.#onShutdown);
    if (poller.clients.size > 0) return;
    poller.stop();
    if (this.#pollers.get(intervalMs) === poller) this.#pollers.delete(intervalMs);
  }

  // Stops every poll at once, then ends each stream with the shutting-down report.
  #shutdown(): void {
    const clients: StreamClient[] = [];
    for (const poller of this.#pollers.values()) {
      poller.stop();
      for (const client of poller.clients) clients.push(client);
    }
    this.#report((event) => {
      for (const client of clients) {
        try {
          client.end(event);
        } catch {
          client.drop();
        }
      }
    });
  }

  #report(deliver: (event: StreamEvent) => void): void {
    void this.#health
      .run()
      .then((report) => deliver(this.#frame(report)))
      .catch(() => {
        // Unreachable in practice: run() never rejects and details are checked serialisable.
      });
  }
}
