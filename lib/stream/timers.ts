/**
 * The timer functions a stream schedules its polls and heartbeats with. Injectable (the
 * `timers` option of {@link sseStream}) so tests can count or drive them; the handles
 * are opaque to the stream, which only passes them back to `clearTimeout`.
 */
export interface StreamTimers {
  /** Calls `callback` once after `delayMs` milliseconds; returns a handle. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a handle returned by `setTimeout`; a handle already fired is ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The default {@link StreamTimers}: the global timers, unref'd so an open stream never
 * keeps the process alive on its own.
 */
export const NODE_TIMERS: StreamTimers = Object.freeze({
  setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
});
