import { aggregateStatus } from './aggregate.js';
import type { ComponentReport, HealthReport } from './types.js';

/** The message of every report made after `markShuttingDown()` or `close()`. */
export const SHUTTING_DOWN_MESSAGE = 'shutting down';

/**
 * Makes the runner's reports: frozen, with a components map that has no prototype (so a
 * check named `constructor` or `toString` is just a name), and the timestamp formatted
 * once per millisecond (under probe load many reports share one; `toISOString()` costs
 * about a microsecond).
 */
export class ReportBuilder {
  readonly #createdAt: number;
  readonly #version: string | undefined;
  #timestampMs = Number.NaN;
  #timestampIso = '';

  constructor(createdAt: number, version: string | undefined) {
    this.#createdAt = createdAt;
    this.#version = version;
  }

  /** A report of `components` at `now` (epoch ms); DOWN `shutting down` when `shuttingDown`. */
  build(
    components: readonly (readonly [string, ComponentReport])[],
    now: number,
    shuttingDown: boolean,
  ): HealthReport {
    const map = Object.create(null) as Record<string, ComponentReport>;
    for (const [name, component] of components) map[name] = component;
    return Object.freeze({
      status: shuttingDown ? 'DOWN' : aggregateStatus(components.map(([, c]) => c)),
      ...(shuttingDown ? { message: SHUTTING_DOWN_MESSAGE } : {}),
      timestamp: this.#timestamp(now),
      uptimeSeconds: Math.max(0, Math.floor((now - this.#createdAt) / 1000)),
      ...(this.#version === undefined ? {} : { version: this.#version }),
      components: Object.freeze(map),
    });
  }

  #timestamp(now: number): string {
    if (now !== this.#timestampMs) {
      this.#timestampIso = new Date(now).toISOString();
      this.#timestampMs = now;
    }
    return this.#timestampIso;
  }
}
