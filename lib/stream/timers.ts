import { UNREF_TIMERS, type Timers } from '../timers.js';

/**
 * The timers a stream schedules its polls and heartbeats with (the `timers` option of
 * {@link sseStream}): see {@link Timers}.
 */
export type StreamTimers = Timers;

/** The default {@link StreamTimers}: unref'd, so an open stream never keeps the process alive. */
export const NODE_TIMERS: StreamTimers = UNREF_TIMERS;
