import * as z from 'zod';
import { parseOptions } from '../options.js';
import type { Health } from '../runner/health.js';
import { timersSchema } from '../timers.js';
import { NODE_TIMERS, type ShutdownTimers } from './timers.js';

/** The shutdown defaults, in one place (the README quotes them and a test holds it to that). */
export const SHUTDOWN_DEFAULTS = Object.freeze({
  signals: Object.freeze(['SIGTERM', 'SIGINT'] as const),
  /** Long enough for a load balancer checking every 1 s with `fall 3` to see the 503. */
  drainDelayMs: 5_000,
  /** Kubernetes' default `terminationGracePeriodSeconds` is 30 s. */
  timeoutMs: 30_000,
  exit: true,
});

/**
 * The signals a shutdown may be bound to. SIGKILL and SIGSTOP cannot be caught, SIGUSR1
 * starts Node's inspector and the fault signals (SIGSEGV, ...) must not be swallowed.
 */
export const SHUTDOWN_SIGNALS = Object.freeze([
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR2',
  'SIGBREAK',
] as const);

/** A signal {@link gracefulShutdown} can listen to: one of {@link SHUTDOWN_SIGNALS}. */
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** What every {@link ShutdownHook} is called with. */
export interface ShutdownHookContext {
  /**
   * Aborted at the hard deadline (`drainDelayMs + timeoutMs` after the shutdown began)
   * or by a second signal. Pass it on to what accepts one: the sequence stops waiting for
   * the hook then, but only the hook can stop its own work.
   */
  readonly signal: AbortSignal;
}

/**
 * A cleanup step run after the server has closed, e.g. `() => pool.end()`. May return a
 * promise; a throw or rejection is reported in {@link ShutdownResult.errors} and makes the
 * exit code 1, and the next hook still runs.
 */
export type ShutdownHook = (context: ShutdownHookContext) => unknown;

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const isFunction = (value: unknown): boolean => typeof value === 'function';
/** Whether `value` is an object with a function under each of `keys`. */
const hasMethods =
  (...keys: string[]) =>
  (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    keys.every((key) => isFunction((value as Record<string, unknown>)[key]));
// Structural, not `instanceof`: an app may load this package twice (ESM and a bundle).
const isHealth = hasMethods('markShuttingDown', 'close');
const delayMs = z.number().int().min(0).max(MAX_TIMER_MS);
const hook = z.custom<ShutdownHook>(isFunction, { message: 'expected a function' });

/**
 * Schema of {@link GracefulShutdownOptions}; the single source of the options' types.
 * Built on first use (`z.lazy`): apps that never call the factory do not pay for it.
 */
export const shutdownOptionsSchema = z.lazy(() =>
  z.strictObject({
    health: z.custom<Health>(isHealth, { message: 'expected a Health from createHealth()' }),
    signals: z
      .array(
        z.enum(SHUTDOWN_SIGNALS, {
          error: `expected one of ${SHUTDOWN_SIGNALS.map((s) => `'${s}'`).join(', ')}`,
        }),
      )
      .max(SHUTDOWN_SIGNALS.length)
      .readonly()
      .optional(),
    drainDelayMs: delayMs.optional(),
    timeoutMs: delayMs.optional(),
    onShutdown: z.union([hook, z.array(hook).max(100).readonly()]).optional(),
    exit: z.boolean().optional(),
    timers: timersSchema.optional(),
  }),
);

/**
 * Options of {@link gracefulShutdown}.
 *
 * - `health` (required): the runner from `createHealth()`; its readiness and startup
 *   answer 503 `"shutting down"` from the first moment of the shutdown.
 * - `signals`: the process signals that start the shutdown; a second one during the
 *   shutdown forces the hard stop. `[]` listens to none (call `shutdown()` yourself).
 *   Defaults to `['SIGTERM', 'SIGINT']`.
 * - `drainDelayMs`: how long the server keeps accepting after the readiness flip, so load
 *   balancers and endpoint controllers notice the 503 and stop sending, in milliseconds,
 *   0 to 2^31-1. Size it above the balancer's detection time (HAProxy:
 *   `(fall + 1) * inter`). Defaults to `5000`.
 * - `timeoutMs`: hard bound, counted from the end of the drain, on the requests still in
 *   flight and the `onShutdown` hooks together, in milliseconds, 0 to 2^31-1; the
 *   connections still open then are cut and the exit code is 1. Defaults to `30000`.
 * - `onShutdown`: a {@link ShutdownHook} or an array of them (at most 100), run in order
 *   once the server has closed, each bounded by the time left until the hard deadline.
 *   Defaults to none.
 * - `exit`: call `process.exit()` at the end, with 0 after a clean shutdown and 1 when the
 *   hard deadline was hit, a second signal forced the stop or a hook failed. `false` leaves
 *   the process running (tests, or apps that exit themselves). Defaults to `true`.
 * - `timers`: `{ setTimeout, clearTimeout }` for the drain delay and the deadline.
 *   Defaults to the global timers. For tests.
 */
export type GracefulShutdownOptions = z.input<typeof shutdownOptionsSchema>;

/** {@link GracefulShutdownOptions} with every default applied, computed once. */
export interface ResolvedShutdownOptions {
  readonly health: Health;
  readonly signals: readonly ShutdownSignal[];
  readonly drainDelayMs: number;
  readonly timeoutMs: number;
  readonly hooks: readonly ShutdownHook[];
  readonly exit: boolean;
  readonly timers: ShutdownTimers;
}

/** Validates and resolves {@link GracefulShutdownOptions}; throws {@link HealthOptionsError}. */
export function resolveShutdownOptions(where: string, input: unknown): ResolvedShutdownOptions {
  const options = parseOptions(where, shutdownOptionsSchema, input ?? {});
  const hooks = options.onShutdown ?? [];
  return {
    health: options.health,
    signals: [...new Set(options.signals ?? SHUTDOWN_DEFAULTS.signals)],
    drainDelayMs: options.drainDelayMs ?? SHUTDOWN_DEFAULTS.drainDelayMs,
    timeoutMs: options.timeoutMs ?? SHUTDOWN_DEFAULTS.timeoutMs,
    hooks: typeof hooks === 'function' ? [hooks] : hooks,
    exit: options.exit ?? SHUTDOWN_DEFAULTS.exit,
    timers: options.timers ?? NODE_TIMERS,
  };
}
