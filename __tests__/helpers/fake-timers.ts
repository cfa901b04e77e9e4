import type { Timers } from '../../lib/index.js';

/** Injected timers on a clock the test moves: `advance()` fires what falls due, in order. */
export interface FakeTimers extends Timers {
  /** The clock, epoch milliseconds: pass it as `clock`. */
  readonly now: () => number;
  /** Moves the clock by `ms`, firing each timer that falls due and letting its work settle. */
  advance(ms: number): Promise<void>;
  /** Timers scheduled and not yet fired or cleared. */
  readonly pending: number;
  /** Delays of every timer ever scheduled, in order. */
  readonly delays: readonly number[];
}

interface Entry {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Lets promise chains started by a timer run to their end (a few macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function fakeTimers(start = Date.UTC(2026, 0, 1)): FakeTimers {
  let time = start;
  let nextId = 1;
  const queue: Entry[] = [];
  const delays: number[] = [];
  return {
    now: () => time,
    setTimeout(callback, delayMs) {
      const entry = { id: nextId++, at: time + delayMs, callback };
      delays.push(delayMs);
      queue.push(entry);
      return entry.id;
    },
    clearTimeout(handle) {
      const index = queue.findIndex((entry) => entry.id === handle);
      if (index !== -1) queue.splice(index, 1);
    },
    async advance(ms) {
      const end = time + ms;
      for (;;) {
        queue.sort((a, b) => a.at - b.at || a.id - b.id);
        const due = queue[0];
        if (due === undefined || due.at > end) break;
        queue.shift();
        time = due.at;
        due.callback();
        await settle();
      }
      time = end;
      await settle();
    },
    get pending() {
      return queue.length;
    },
    get delays() {
      return delays;
    },
  };
}
