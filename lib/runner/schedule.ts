import type { Timers } from '../timers.js';
import { MAX_TIMER_MS } from './check-options.js';

/**
 * The timers that drive background runs: at most one pending timer per check, so runs of
 * one check never overlap (the runner schedules the next run only after a run settled).
 * Knows nothing of checks; the runner says what to run and when.
 */
export class Scheduler {
  readonly #timers: Timers;
  readonly #handles = new Map<string, unknown>();
  #stopped = false;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /**
   * Calls `run` once after `delayMs` (capped at 2^31-1 ms, what `setTimeout` honours),
   * replacing any timer pending for `name`. Does nothing once {@link Scheduler.stop}ped.
   */
  schedule(name: string, delayMs: number, run: () => void): void {
    if (this.#stopped) return;
    this.cancel(name);
    const handle = this.#timers.setTimeout(
      () => {
        this.#handles.delete(name);
        run();
      },
      Math.min(Math.max(0, delayMs), MAX_TIMER_MS),
    );
    this.#handles.set(name, handle);
  }

  /** Clears the timer pending for `name`, if any. */
  cancel(name: string): void {
    const handle = this.#handles.get(name);
    if (handle === undefined) return;
    this.#handles.delete(name);
    this.#timers.clearTimeout(handle);
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.#handles.size;
  }

  /** Whether {@link Scheduler.stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Clears every pending timer and schedules nothing from now on. Idempotent. */
  stop(): void {
    this.#stopped = true;
    for (const name of [...this.#handles.keys()]) this.cancel(name);
  }
}
