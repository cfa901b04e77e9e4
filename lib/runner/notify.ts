import type { EventEmitter } from 'node:events';
import { describe } from '../describe.js';
import type { HealthChangeEvent, HealthEvents } from './events.js';
import type { HealthLogger } from './options.js';

/**
 * Logs one status transition: `info` when UP, `warn` when DEGRADED, `error` when DOWN, as
 * `(object, message)` the way pino takes it. A logger that throws is ignored: it must not
 * break a run.
 */
export function logTransition(logger: HealthLogger | undefined, event: HealthChangeEvent): void {
  if (logger === undefined) return;
  const level = event.current === 'UP' ? 'info' : event.current === 'DEGRADED' ? 'warn' : 'error';
  const subject = event.name === '' ? 'service' : `check ${event.name}`;
  const reason = event.message === undefined ? '' : `: ${event.message}`;
  try {
    logger[level](
      {
        check: event.name,
        previous: event.previous ?? null,
        current: event.current,
        message: event.message,
      },
      `health: ${subject} is ${event.current}${reason}`,
    );
  } catch {
    // Nothing more can be done for a logger that throws.
  }
}

/**
 * Calls every listener of `event` in turn. Listeners are the app's code: one that throws
 * is reported with `process.emitWarning` and the others still run, so a run in flight is
 * never broken by it.
 */
export function emitSafely<K extends keyof HealthEvents>(
  emitter: EventEmitter<HealthEvents>,
  event: K,
  ...args: HealthEvents[K]
): void {
  for (const listener of emitter.listeners(event)) {
    try {
      (listener as (...a: HealthEvents[K]) => void)(...args);
    } catch (error) {
      process.emitWarning(`health-probes: a '${event}' listener threw: ${describe(error)}`);
    }
  }
}
