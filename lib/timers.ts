import * as z from 'zod';

/**
 * The timer functions a long-lived part of this library (stream polls and heartbeats, the
 * shutdown sequence) schedules with. Injectable so tests can count or drive them; the
 * handles are opaque and only passed back to `clearTimeout`.
 */
export interface Timers {
  /** Calls `callback` once after `delayMs` milliseconds; returns a handle. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a handle returned by `setTimeout`; a handle already fired is ignored. */
  clearTimeout(handle: unknown): void;
}

/** Schema of a {@link Timers} option. */
export const timersSchema = z.custom<Timers>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).setTimeout === 'function' &&
    typeof (value as Record<string, unknown>).clearTimeout === 'function',
  { message: 'expected { setTimeout, clearTimeout }' },
);

const clear = (handle: unknown) => clearTimeout(handle as NodeJS.Timeout);

/** The global timers, unref'd: what they schedule never keeps the process alive. */
export const UNREF_TIMERS: Timers = Object.freeze({
  setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs).unref(),
  clearTimeout: clear,
});

/** The global timers as they are: for work that must finish before the process exits. */
export const REF_TIMERS: Timers = Object.freeze({
  setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs),
  clearTimeout: clear,
});
