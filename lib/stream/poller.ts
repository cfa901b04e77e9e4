import type { FormatName } from '../http/request.js';
import type { Health } from '../runner/health.js';
import type { HealthReport } from '../runner/types.js';
import type { StreamClient } from './client.js';
import type { StreamEvent } from './frame.js';
import type { ResolvedStreamOptions } from './options.js';

/**
 * The poll shared by every client of one interval and format: one `health.run()` per tick (served
 * from the runner's cache within a check's TTL), framed once, the same bytes offered to
 * each client.
 * A heartbeat timer pings every client; both timers also disconnect clients blocked
 * longer than `maxBlockedMs`. The next tick is scheduled when a run has finished, so
 * slow checks never pile up.
 */
export class Poller {
  /** The clients fed by this poll. */
  readonly clients = new Set<StreamClient>();
  /** The body format of this poll's events. */
  readonly format: FormatName;
  readonly #health: Health;
  readonly #intervalMs: number;
  readonly #settings: ResolvedStreamOptions;
  readonly #frame: (report: HealthReport) => StreamEvent;
  readonly #afterEvent: ((report: HealthReport, poller: Poller) => void) | undefined;
  #pollTimer: unknown;
  #heartbeatTimer: unknown;
  #stopped = false;

  constructor(
    health: Health,
    intervalMs: number,
    format: FormatName,
    settings: ResolvedStreamOptions,
    frame: (report: HealthReport) => StreamEvent,
    afterEvent?: (report: HealthReport, poller: Poller) => void,
  ) {
    this.#afterEvent = afterEvent;
    this.format = format;
    this.#health = health;
    this.#intervalMs = intervalMs;
    this.#settings = settings;
    this.#frame = frame;
    this.#schedulePoll();
    this.#scheduleHeartbeat();
  }

  /** Clears both timers; a run in flight is then ignored. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#settings.timers.clearTimeout(this.#pollTimer);
    this.#settings.timers.clearTimeout(this.#heartbeatTimer);
  }

  #schedulePoll(): void {
    this.#pollTimer = this.#settings.timers.setTimeout(() => this.#poll(), this.#intervalMs);
  }

  #scheduleHeartbeat(): void {
    this.#heartbeatTimer = this.#settings.timers.setTimeout(
      () => this.#heartbeat(),
      this.#settings.heartbeatMs,
    );
  }

  #poll(): void {
    void this.#health
      .run()
      .then((report) => {
        if (this.#stopped) return;
        const event = this.#frame(report);
        this.#visit((client) => client.offer(event));
        this.#afterEvent?.(report, this);
      })
      .catch(() => {
        // Unreachable in practice (run() never rejects, framing never throws): a report
        // that cannot be sent is skipped and the next tick tries again.
      })
      .finally(() => {
        if (!this.#stopped) this.#schedulePoll();
      });
  }

  #heartbeat(): void {
    if (this.#stopped) return;
    this.#visit((client) => client.heartbeat());
    this.#scheduleHeartbeat();
  }

  // A client that throws, or has been blocked too long, is disconnected; the others go on.
  #visit(action: (client: StreamClient) => void): void {
    const now = this.#settings.clock();
    for (const client of this.clients) {
      try {
        if (client.blockedFor(now) > this.#settings.maxBlockedMs) client.drop();
        else action(client);
      } catch {
        client.drop();
      }
    }
  }
}
