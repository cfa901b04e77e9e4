import type { HealthStatus } from '../status.js';

/** Status codes in the typed arrays of the history: 0 UP, 1 DEGRADED, 2 DOWN. */
export const STATUSES: readonly HealthStatus[] = ['UP', 'DEGRADED', 'DOWN'];
/** The code of each status in {@link STATUSES}. */
export const STATUS_CODE: Readonly<Record<HealthStatus, number>> = { UP: 0, DEGRADED: 1, DOWN: 2 };

/** Runs Nagios' flap detection looks at: the last 21 (so 20 possible state changes). */
export const FLAP_WINDOW_RUNS = 21;

/** The runs of a check, column by column (compact: 3600 runs are 3 arrays, not 3600 objects). */
export interface RunColumns {
  /** When each run ended, epoch milliseconds, oldest first. */
  readonly at: readonly number[];
  readonly status: readonly HealthStatus[];
  readonly durationMs: readonly number[];
}

/**
 * The last runs of a check in a fixed-size ring of typed arrays (13 bytes a run: a float64
 * time, a float32 duration, a status byte), so a check's run history costs the same whether
 * it is empty or full, and never grows.
 */
export class RunRing {
  readonly #at: Float64Array;
  readonly #duration: Float32Array;
  readonly #status: Uint8Array;
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#at = new Float64Array(capacity);
    this.#duration = new Float32Array(capacity);
    this.#status = new Uint8Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(atMs: number, status: HealthStatus, durationMs: number): void {
    const capacity = this.#at.length;
    if (capacity === 0) return;
    this.#at[this.#next] = atMs;
    this.#duration[this.#next] = durationMs;
    this.#status[this.#next] = STATUS_CODE[status];
    this.#next = (this.#next + 1) % capacity;
    if (this.#size < capacity) this.#size++;
  }

  /** The status of the `back`-th newest run (0: the newest), as its code. */
  statusCode(back: number): number | undefined {
    if (back >= this.#size) return undefined;
    const capacity = this.#at.length;
    return this.#status[(this.#next - 1 - back + capacity * 2) % capacity];
  }

  /** Every run kept, oldest first. */
  columns(): RunColumns {
    const at: number[] = [];
    const status: HealthStatus[] = [];
    const durationMs: number[] = [];
    const capacity = this.#at.length;
    const start = (this.#next - this.#size + capacity) % capacity;
    for (let i = 0; i < this.#size; i++) {
      const index = (start + i) % capacity;
      at.push(this.#at[index] as number);
      status.push(STATUSES[this.#status[index] as number] as HealthStatus);
      durationMs.push(Math.round((this.#duration[index] as number) * 10) / 10);
    }
    return { at, status, durationMs };
  }
}

/**
 * Nagios' percent state change (its flap detection, "Detection and Handling of State
 * Flapping" in the Nagios Core documentation) over the runs in `ring`: of the last 21
 * runs, each of the 20 changes between neighbours counts with a weight from 0.8 (oldest)
 * to 1.2 (newest), and the weighted count is taken as a share of 20, in percent, 0 to 100.
 */
export function percentStateChange(ring: RunRing): number {
  const runs = Math.min(ring.size, FLAP_WINDOW_RUNS);
  if (runs < 2) return 0;
  let weighted = 0;
  const comparisons = FLAP_WINDOW_RUNS - 1;
  // back 0 is the newest run; the change between back i and i+1 is the (comparisons - i)-th oldest.
  for (let back = 0; back < runs - 1; back++) {
    if (ring.statusCode(back) !== ring.statusCode(back + 1)) {
      const position = comparisons - 1 - back; // 0 oldest .. comparisons - 1 newest
      weighted += 0.8 + (0.4 * position) / (comparisons - 1);
    }
  }
  return Math.round((weighted / comparisons) * 1000) / 10;
}
