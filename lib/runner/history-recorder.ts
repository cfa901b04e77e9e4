import type { HealthStatus } from '../status.js';
import {
  CheckHistory,
  uptimeOf,
  type CheckHistorySnapshot,
  type HealthHistory,
  type ResolvedHistory,
} from './check-history.js';
import { Timeline } from './timeline.js';

/** What a run changed in a check's history. */
export interface RecordedRun {
  /** Whether the check started or stopped flapping with this run. */
  readonly flipped: boolean;
  readonly flapping: boolean;
  readonly percentStateChange: number;
}

/**
 * The runner's histories: one {@link CheckHistory} per check and a timeline of the
 * service's aggregate status. Does nothing at all when `history` is off.
 */
export class HistoryRecorder {
  readonly #settings: ResolvedHistory | undefined;
  readonly #checks = new Map<string, CheckHistory>();
  readonly #service: Timeline | undefined;

  constructor(settings: ResolvedHistory | undefined) {
    this.#settings = settings;
    this.#service = settings === undefined ? undefined : new Timeline(settings.transitions);
  }

  /** Whether histories are kept. */
  get enabled(): boolean {
    return this.#settings !== undefined;
  }

  add(name: string): void {
    if (this.#settings !== undefined) this.#checks.set(name, new CheckHistory(this.#settings));
  }

  remove(name: string): void {
    this.#checks.delete(name);
  }

  /** Records a run of `name`; `undefined` when history is off or the check is unknown. */
  recordRun(
    name: string,
    atMs: number,
    raw: HealthStatus,
    durationMs: number,
    reported: HealthStatus,
    message: string | undefined,
  ): RecordedRun | undefined {
    const history = this.#checks.get(name);
    if (history === undefined) return undefined;
    const flipped = history.record(atMs, raw, durationMs, reported, message);
    return { flipped, flapping: history.flapping, percentStateChange: history.percentStateChange };
  }

  /** Records the service's aggregate status. */
  recordService(atMs: number, status: HealthStatus, message: string | undefined): void {
    this.#service?.record(atMs, status, message);
  }

  /** See `Health.history()`. */
  snapshot(nowMs: number, check: string | undefined): HealthHistory | undefined {
    const service = this.#service;
    if (service === undefined) return undefined;
    if (check !== undefined && !this.#checks.has(check)) return undefined;
    const checks = Object.create(null) as Record<string, CheckHistorySnapshot>;
    for (const [name, history] of this.#checks) {
      if (check === undefined || name === check) checks[name] = history.snapshot(nowMs);
    }
    return {
      generatedAt: new Date(nowMs).toISOString(),
      service: { transitions: service.transitions(), uptime: uptimeOf(service, nowMs) },
      checks,
    };
  }
}
