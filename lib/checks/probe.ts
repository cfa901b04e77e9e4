import { HealthOptionsError } from '../errors.js';

/** Milliseconds since `startedAt` (a `performance.now()` reading), at 0.1 ms resolution. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts, so a
 * check stops waiting at its timeout instead of running on in the background. The abort
 * listener is removed either way. The work behind `promise` is not stopped: the caller
 * cleans it up (and a late rejection of `promise` is handled here).
 */
export function untilAborted<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject: (reason: Error) => void) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * The one probe a check may leave unanswered on a connection it does not own (a pg
 * `Client`, a Redis client, an AMQP connection, a pool's connect in progress): drivers
 * cannot cancel a command already on the wire, and closing the application's connection
 * would break its own traffic. While a probe is outstanding the check reports DOWN at once
 * instead of queueing another, so a wedged connection never piles up probes.
 */
export class OutstandingProbe {
  #since: number | undefined;

  /** How long the probe in flight has waited, in whole milliseconds; `undefined` when none. */
  get ageMs(): number | undefined {
    return this.#since === undefined ? undefined : Math.round(performance.now() - this.#since);
  }

  /** Marks `promise` as the probe in flight until it settles, and returns it. */
  track<T>(promise: PromiseLike<T>): PromiseLike<T> {
    const since = performance.now();
    this.#since = since;
    const clear = () => {
      if (this.#since === since) this.#since = undefined;
    };
    Promise.resolve(promise).then(clear, clear);
    return promise;
  }
}

/**
 * Throws a {@link HealthOptionsError} naming the factory when its first argument is not
 * the driver object it needs (checked by shape, never by `instanceof`).
 */
export function requireShape(where: string, expected: string, valid: boolean): void {
  if (!valid) {
    throw new HealthOptionsError(`${where}: expected ${expected} as the first argument.`, '');
  }
}

/** Whether `value` is an object (or function) with a method `name`. */
export function hasMethod(value: unknown, name: string): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Record<string, unknown>)[name] === 'function'
  );
}

/** Whether `value` is a thenable (what a promise-style driver method returns). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return hasMethod(value, 'then');
}

/** Calls `fn` and returns its result as a promise; a synchronous throw becomes a rejection. */
export async function attempt<T>(fn: () => PromiseLike<T> | T): Promise<T> {
  return await fn();
}
