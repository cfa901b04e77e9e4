import { HealthOptionsError } from '../errors.js';
import { trackResponses, type ShutdownServer } from './connections.js';
import { runHooks, warn } from './hooks.js';
import {
  resolveShutdownOptions,
  type GracefulShutdownOptions,
  type ShutdownSignal,
} from './options.js';
import { aborted, wait } from './timers.js';

/**
 * Where a {@link GracefulShutdown} is: `'serving'` (not started), `'draining'` (readiness
 * answers 503, the server still accepts), `'closing'` (the listener is closed, requests in
 * flight finish, then the hooks run) and `'stopped'`.
 */
export type ShutdownPhase = 'serving' | 'draining' | 'closing' | 'stopped';

/** How a shutdown ended; what `shutdown()` resolves to. */
export interface ShutdownResult {
  /** `0` after a clean shutdown; `1` when `timedOut`, `forced` or a hook failed. */
  readonly exitCode: 0 | 1;
  /** The signal that started the shutdown, `undefined` when `shutdown()` did. */
  readonly signal: ShutdownSignal | undefined;
  /**
   * The hard stop happened: the deadline passed (connections still open were cut, or a
   * hook was abandoned) or a second signal brought it forward.
   */
  readonly timedOut: boolean;
  /** A second signal forced the hard stop before the sequence ended. */
  readonly forced: boolean;
  /** What the `onShutdown` hooks threw or rejected with, in their order. */
  readonly errors: readonly unknown[];
}

/** The handle {@link gracefulShutdown} returns. */
export interface GracefulShutdown {
  /**
   * Starts the shutdown (as the first signal would) and resolves with its
   * {@link ShutdownResult} when it has ended; never rejects. Calling it again, or after a
   * signal, returns the same promise. With `exit: true` the process exits right after the
   * promise settles.
   */
  shutdown(): Promise<ShutdownResult>;
  /** The current {@link ShutdownPhase}. */
  readonly phase: ShutdownPhase;
}

/**
 * Shuts `server` down without dropping a request. On the first of `signals` (or a call to
 * `shutdown()`):
 *
 * 1. `health.markShuttingDown()`: readiness and startup answer 503 `"shutting down"` at
 *    once, liveness stays 200, streams end; every response says `Connection: close`.
 * 2. After `drainDelayMs` the server stops accepting (`server.close()`) and its idle
 *    keep-alive connections are closed; a connection with a request in flight is closed
 *    right after its response.
 * 3. When they are all closed, or at the hard deadline (`timeoutMs` after step 2, which
 *    then cuts the rest with `closeAllConnections()`), the `onShutdown` hooks run in order,
 *    each bounded by the time left until that deadline.
 * 4. `health.close()`, the listeners this function added are removed, and the process
 *    exits (see `exit`).
 *
 * A second signal during the shutdown does not restart it: it forces the hard stop at
 * once (connections cut, hooks started with an aborted signal and not awaited, exit code
 * 1), as a second Ctrl-C does in most servers. The first signal to arrive during a
 * shutdown begun by `shutdown()` changes nothing.
 *
 * Connections upgraded to WebSocket are not HTTP requests to Node: close them on the
 * health `'shutdown'` event, or they hold step 3 until the deadline.
 *
 * @param server - an `http.Server` or `https.Server`, e.g. what `app.listen()` returns.
 * @param options - see {@link GracefulShutdownOptions}; `health` is required.
 * @returns a {@link GracefulShutdown}.
 * @throws {HealthOptionsError} at construction, for a missing `health`, an invalid option
 *   or something that is not a server.
 * @example
 * const server = app.listen(3000);
 * gracefulShutdown(server, {
 *   health,
 *   drainDelayMs: 5_000,
 *   onShutdown: () => pool.end(),
 * });
 */
export function gracefulShutdown(
  server: ShutdownServer,
  options: GracefulShutdownOptions,
): GracefulShutdown {
  assertServer(server);
  const settings = resolveShutdownOptions('gracefulShutdown()', options);
  const { timers } = settings;
  const tracker = trackResponses(server);
  const forced = new AbortController();
  let phase: ShutdownPhase = 'serving';
  let result: Promise<ShutdownResult> | undefined;

  const start = (signal: ShutdownSignal | undefined) => {
    result ??= run(signal).then((outcome) => {
      if (settings.exit) setImmediate(() => process.exit(outcome.exitCode));
      return outcome;
    });
    return result;
  };
  // Only a second *signal* forces the hard stop: a drain begun by shutdown() is not cut
  // short by the orchestrator's first SIGTERM.
  let signalled = false;
  const listeners = settings.signals.map((signal) => {
    const listener = () => {
      if (signalled) forced.abort();
      signalled = true;
      void start(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });

  async function run(signal: ShutdownSignal | undefined): Promise<ShutdownResult> {
    const deadline = new AbortController();
    const onForced = () => deadline.abort();
    forced.signal.addEventListener('abort', onForced, { once: true });
    let timer: unknown;
    const errors: unknown[] = [];
    // Each step runs whatever the one before it threw: a 'shutdown' listener, a server
    // or a hook that throws (any value) never skips the drain, `server.close()` or the
    // hooks after it, and the sequence always reaches 'stopped'.
    const step = (action: () => void) => {
      try {
        action();
      } catch (error) {
        errors.push(error);
      }
    };
    phase = 'draining';
    step(() => settings.health.markShuttingDown());
    step(() => tracker.drain());
    await wait(timers, settings.drainDelayMs, forced.signal);

    phase = 'closing';
    if (!deadline.signal.aborted) {
      timer = timers.setTimeout(() => deadline.abort(), settings.timeoutMs);
    }
    step(() => tracker.closing());
    const closed = new Promise<void>((resolve) => {
      try {
        server.close(() => resolve());
      } catch (error) {
        // A close() that threw will not call back.
        errors.push(error);
        resolve();
      }
    });
    step(() => server.closeIdleConnections());
    await Promise.race([closed, aborted(deadline.signal)]);
    const cut = deadline.signal.aborted;
    if (cut) step(() => server.closeAllConnections());
    errors.push(...(await runHooks(settings.hooks, deadline.signal)));

    if (timer !== undefined) timers.clearTimeout(timer);
    forced.signal.removeEventListener('abort', onForced);
    step(() => settings.health.close());
    for (const [name, listener] of listeners) process.removeListener(name, listener);
    step(() => tracker.dispose());
    phase = 'stopped';
    if (cut) {
      warn(
        forced.signal.aborted
          ? 'a second signal forced the shutdown; open connections were closed'
          : `requests still in flight ${settings.timeoutMs} ms after the drain; their connections were closed`,
      );
    }
    const timedOut = deadline.signal.aborted;
    return {
      exitCode: timedOut || errors.length > 0 ? 1 : 0,
      signal,
      timedOut,
      forced: forced.signal.aborted,
      errors,
    };
  }

  return {
    shutdown: () => start(undefined),
    get phase() {
      return phase;
    },
  };
}

function assertServer(server: unknown): asserts server is ShutdownServer {
  const candidate = server as Partial<Record<keyof ShutdownServer, unknown>> | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.close === 'function' &&
    typeof candidate.closeIdleConnections === 'function' &&
    typeof candidate.closeAllConnections === 'function' &&
    typeof candidate.prependListener === 'function'
  ) {
    return;
  }
  const hint =
    typeof server === 'function'
      ? ': pass the server that app.listen() returns, not the app'
      : `, got ${server === null ? 'null' : typeof server}`;
  throw new HealthOptionsError(
    `gracefulShutdown(): expected an http.Server or https.Server${hint}.`,
    '',
  );
}
