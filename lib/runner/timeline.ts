import type { HealthStatus } from '../status.js';
import { STATUS_CODE, STATUSES } from './run-ring.js';

/** The uptime windows reported, in seconds, by name. */
export const UPTIME_WINDOWS = Object.freeze({ '5m': 300, '1h': 3600 });

/** Time-weighted shares of one window, each 0 to 1. */
export interface UptimeShare {
  /** Share of the covered time spent UP. */
  readonly up: number;
  /** Share of the covered time spent UP or DEGRADED. */
  readonly upOrDegraded: number;
  /** Seconds of the window the history covers (less than the window early on). */
  readonly coveredSeconds: number;
}

/** One status transition as kept in the history. */
export interface Transition {
  /** When it happened, ISO 8601. */
  readonly at: string;
  /** The status before; absent for the first known status. */
  readonly from?: HealthStatus;
  readonly to: HealthStatus;
  readonly message?: string;
}

/**
 * The reported status over time: the last transitions (time, from, to, message) in a
 * bounded ring, and the exact time spent in each status since the first one, so uptime can
 * be computed over any window from transitions rather than by counting samples.
 */
export class Timeline {
  readonly #capacity: number;
  readonly #at: Float64Array;
  readonly #from: Uint8Array;
  readonly #to: Uint8Array;
  readonly #messages: (string | undefined)[];
  #next = 0;
  #size = 0;
  /** How many transitions were ever recorded (more than kept once the ring is full). */
  #recorded = 0;
  #firstAt: number | undefined;
  #current: number | undefined;
  #since = 0;
  /** Milliseconds spent in each status before `#since`. */
  readonly #totals = [0, 0, 0];

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#at = new Float64Array(capacity);
    this.#from = new Uint8Array(capacity);
    this.#to = new Uint8Array(capacity);
    this.#messages = new Array<string | undefined>(capacity);
  }

  /** The status now, `undefined` before the first. */
  get current(): HealthStatus | undefined {
    return this.#current === undefined ? undefined : STATUSES[this.#current];
  }

  /** Records the status at `atMs`; a status equal to the current one is no transition. */
  record(atMs: number, status: HealthStatus, message: string | undefined): void {
    const code = STATUS_CODE[status];
    if (code === this.#current) return;
    if (this.#current === undefined) this.#firstAt = atMs;
    else
      this.#totals[this.#current] =
        (this.#totals[this.#current] ?? 0) + Math.max(0, atMs - this.#since);
    this.#recorded++;
    if (this.#capacity > 0) {
      this.#at[this.#next] = atMs;
      this.#from[this.#next] = this.#current ?? 255;
      this.#to[this.#next] = code;
      this.#messages[this.#next] = message;
      this.#next = (this.#next + 1) % this.#capacity;
      if (this.#size < this.#capacity) this.#size++;
    }
    this.#current = code;
    this.#since = atMs;
  }

  /** The transitions kept, oldest first. */
  transitions(): Transition[] {
    const list: Transition[] = [];
    const start = (this.#next - this.#size + this.#capacity) % this.#capacity;
    for (let i = 0; i < this.#size; i++) {
      const index = (start + i) % this.#capacity;
      const from = this.#from[index] as number;
      const message = this.#messages[index];
      list.push({
        at: new Date(this.#at[index] as number).toISOString(),
        ...(from === 255 ? {} : { from: STATUSES[from] }),
        to: STATUSES[this.#to[index] as number] as HealthStatus,
        ...(message === undefined ? {} : { message }),
      });
    }
    return list;
  }

  /**
   * Time-weighted shares of UP and of UP or DEGRADED over the last `windowMs` up to
   * `nowMs` (`Infinity`: since the first status). The window is cut to the time the history
   * covers: since the first status, and, once old transitions were dropped, since the oldest
   * one kept (before it, the status it left is known only back to there). `undefined` before
   * the first status.
   */
  uptime(nowMs: number, windowMs: number): UptimeShare | undefined {
    if (this.#current === undefined || this.#firstAt === undefined) return undefined;
    // Since the start, the totals are exact whatever the ring dropped.
    if (windowMs === Infinity) return this.#sinceStart(nowMs);
    const oldestKept =
      this.#recorded > this.#size
        ? (this.#at[(this.#next - this.#size + this.#capacity) % this.#capacity] as number)
        : this.#firstAt;
    const start = Math.max(nowMs - windowMs, oldestKept);
    const spent = [0, 0, 0];
    let end = nowMs;
    let status = this.#current;
    // Walk back from the newest transition; each status holds from its transition to `end`.
    for (let back = 0; back < this.#size && end > start; back++) {
      const index = (this.#next - 1 - back + this.#capacity * 2) % this.#capacity;
      const at = this.#at[index] as number;
      spent[status] = (spent[status] ?? 0) + Math.max(0, end - Math.max(at, start));
      end = at;
      const from = this.#from[index] as number;
      if (from === 255) break;
      status = from;
    }
    if (end > start) spent[status] = (spent[status] ?? 0) + (end - start);
    return share(spent, Math.max(0, nowMs - start), this.#current);
  }

  #sinceStart(nowMs: number): UptimeShare {
    const spent = [...this.#totals];
    const current = this.#current as number;
    spent[current] = (spent[current] ?? 0) + Math.max(0, nowMs - this.#since);
    return share(spent, Math.max(0, nowMs - (this.#firstAt as number)), current);
  }
}

function share(spent: readonly number[], coveredMs: number, current: number): UptimeShare {
  const [up = 0, degraded = 0] = spent;
  if (coveredMs <= 0) {
    // No time has passed: the share is that of the current status alone.
    return { up: current === 0 ? 1 : 0, upOrDegraded: current === 2 ? 0 : 1, coveredSeconds: 0 };
  }
  return {
    up: round(up / coveredMs),
    upOrDegraded: round((up + degraded) / coveredMs),
    coveredSeconds: Math.round(coveredMs / 100) / 10,
  };
}

function round(ratio: number): number {
  return Math.min(1, Math.max(0, Math.round(ratio * 10_000) / 10_000));
}
