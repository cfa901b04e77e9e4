import type { StreamSink } from '../http/exchange.js';
import type { FormatName } from '../http/request.js';
import { SHUTTING_DOWN_MESSAGE, type Health } from '../runner/health.js';
import type { HealthReport } from '../runner/types.js';
import { StreamClient } from './client.js';
import { streamEvent, type StreamEvent } from './frame.js';
import { HistoryFeed } from './history-feed.js';
import type { ResolvedStreamOptions } from './options.js';
import { Poller } from './poller.js';

/** Longest wait for the report that ends the streams on shutdown, in milliseconds. */
export const FINAL_REPORT_MS = 1000;

/** Counts of what a stream handler holds, e.g. for a gauge or a leak test. */
export interface StreamStats {
  /** Streams open now. */
  readonly clients: number;
  /** Shared polls running now: one per distinct `poll_interval` and `format` in use. */
  readonly pollers: number;
  /** Clients whose socket buffer is full, waiting for `drain`. */
  readonly blocked: number;
}

/**
 * The clients of one stream handler, grouped by poll interval and format.
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
  readonly #pollers = new Map<string, Poller>();
  readonly #onShutdown = () => this.#shutdown();
  readonly #frame = (report: HealthReport, format: FormatName) =>
    streamEvent(++this.#lastId, report, format, this.#settings);
  readonly #history: HistoryFeed;
  readonly #afterEvent = (report: HealthReport, poller: Poller) =>
    this.#history.afterEvent(report, poller.clients);
  #clients = 0;
  #lastId = 0;

  constructor(health: Health, settings: ResolvedStreamOptions) {
    this.#health = health;
    this.#settings = settings;
    this.#history = new HistoryFeed(health, settings.showDetails);
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
  join(
    res: StreamSink,
    intervalMs: number,
    onlyChanges: boolean,
    format: FormatName,
    history = false,
  ): void {
    const client = new StreamClient(res, onlyChanges, this.#settings.clock, history);
    // Gone already (it left while an earlier async middleware ran): 'close' will not come again.
    if (!client.open) return;
    if (this.#health.shuttingDown) {
      this.#finalReport((report) => StreamHub.#end(client, this.#frame(report, format)));
      return;
    }
    if (this.#clients++ === 0) this.#health.on('shutdown', this.#onShutdown);
    const key = `${format} ${intervalMs}`;
    let poller = this.#pollers.get(key);
    if (poller === undefined) {
      const frame = (report: HealthReport) => this.#frame(report, format);
      poller = new Poller(
        this.#health,
        intervalMs,
        format,
        this.#settings,
        frame,
        this.#afterEvent,
      );
      this.#pollers.set(key, poller);
    }
    poller.clients.add(client);
    // The sink closes for a client that went away and for a stream we ended.
    res.onClose(() => this.#leave(key, poller, client));
    void this.#health
      .run()
      .then((report) => {
        if (!client.started) client.offer(this.#frame(report, format));
        if (client.history && client.historyCursor === undefined) this.#history.prime(client);
      })
      .catch(() => {
        // Unreachable in practice: run() never rejects and framing never throws.
      });
  }

  /**
   * Ends every open stream with a last report (framed as on `health.close()`), without
   * touching the runner: what a server's own shutdown (Fastify's `close()`) calls.
   */
  endAll(): void {
    if (this.#clients > 0) this.#shutdown();
  }

  #leave(key: string, poller: Poller, client: StreamClient): void {
    if (!poller.clients.delete(client)) return;
    if (--this.#clients === 0) this.#health.off('shutdown', this.#onShutdown);
    if (poller.clients.size > 0) return;
    poller.stop();
    if (this.#pollers.get(key) === poller) this.#pollers.delete(key);
  }

  // Stops every poll at once, then ends each stream with the shutting-down report, framed
  // once per format in use.
  #shutdown(): void {
    const pollers = [...this.#pollers.values()];
    for (const poller of pollers) poller.stop();
    this.#finalReport((report) => {
      for (const poller of pollers) {
        let event: StreamEvent | undefined;
        for (const client of poller.clients) {
          event ??= this.#frame(report, poller.format);
          StreamHub.#end(client, event);
        }
      }
    });
  }

  /**
   * Hands `deliver` the report to end streams with, once, whatever happens, so no stream
   * is left open on shutdown: should `run()` throw, reject or take longer than
   * {@link FINAL_REPORT_MS}, a bare DOWN `shutting down` report stands in.
   */
  #finalReport(deliver: (report: HealthReport) => void): void {
    const { timers } = this.#settings;
    let done = false;
    const once = (report: HealthReport) => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      deliver(report);
    };
    const fallback = () =>
      once({
        status: 'DOWN',
        message: SHUTTING_DOWN_MESSAGE,
        timestamp: new Date().toISOString(),
        uptimeSeconds: 0,
        components: {},
      });
    const timer = timers.setTimeout(fallback, FINAL_REPORT_MS);
    Promise.resolve()
      .then(() => this.#health.run())
      .then(once, fallback)
      .catch(() => {
        // deliver() ends each stream in a try; nothing is left to do.
      });
  }

  // Ends one stream; a client that cannot take the event is cut instead.
  static #end(client: StreamClient, event: StreamEvent): void {
    try {
      client.end(event);
    } catch {
      client.drop();
    }
  }
}
