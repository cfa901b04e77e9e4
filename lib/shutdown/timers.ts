import { REF_TIMERS, type Timers } from '../timers.js';

/**
 * The timers the shutdown sequence schedules its drain delay and hard deadline with (the
 * `timers` option of {@link gracefulShutdown}): see {@link Timers}.
 */
export type ShutdownTimers = Timers;

/**
 * The default {@link ShutdownTimers}: *not* unref'd. They exist only while a shutdown is in
 * progress and are cleared when it ends; keeping the process alive until the sequence has
 * run its hooks and exited is their whole point.
 */
export const NODE_TIMERS: ShutdownTimers = REF_TIMERS;

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
