/**
 * The timer functions the shutdown sequence schedules its drain delay and its hard
 * deadline with. Injectable (the `timers` option of {@link gracefulShutdown}) so tests
 * can drive the sequence without waiting; the handles are opaque to the sequence, which
 * only passes them back to `clearTimeout`.
 */
export interface ShutdownTimers {
  /** Calls `callback` once after `delayMs` milliseconds; returns a handle. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a handle returned by `setTimeout`; a handle already fired is ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The default {@link ShutdownTimers}: the global timers, *not* unref'd. They exist only
 * while a shutdown is in progress and are cleared when it ends; keeping the process alive
 * until the sequence has run its hooks and exited is their whole point.
 */
export const NODE_TIMERS: ShutdownTimers = Object.freeze({
  setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
});

/** Resolves after `delayMs`, or as soon as `signal` aborts; clears its timer either way. */
export async function wait(
  timers: ShutdownTimers,
  delayMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  let timer: unknown;
  await Promise.race([
    new Promise<void>((resolve) => {
      timer = timers.setTimeout(resolve, delayMs);
    }),
    aborted(signal),
  ]);
  timers.clearTimeout(timer);
}

/** Resolves when `signal` aborts. Its listener is removed when it fires (`once`). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
