import { hasMethod } from './probe.js';
import { describeError } from './redact.js';

type Listener = (value: unknown) => void;
interface Emitter {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

/** The connection state of an `ioredis` or node-redis client, as `checks.redis` reads it. */
export interface RedisStateLike {
  /** `ioredis`: `'ready'` once commands go straight to the server. */
  readonly status?: string;
  /** node-redis: `true` once connected and ready. */
  readonly isReady?: boolean;
}

/** Why the client cannot take a command now, or `undefined` when it can. */
export function notReady(client: RedisStateLike): string | undefined {
  const { status, isReady } = client;
  // ioredis' 'wait' is lazyConnect before the first command: a PING connects it.
  if (typeof status === 'string' && status !== 'ready' && status !== 'wait') return status;
  if (isReady === false) {
    return (client as { isOpen?: unknown }).isOpen === false ? 'closed' : 'connecting';
  }
  return undefined;
}

// Events after which a first connect is over, one way or the other.
const SETTLING = ['ready', 'error', 'reconnecting', 'end', 'close'] as const;

/**
 * Follows a Redis client's events for `checks.redis`: its latest `error` (to quote it), and
 * whether it is still in its first connect (never ready, never reconnecting), the one
 * state worth waiting for.
 */
export class RedisWatch {
  lastError: string | undefined;
  readonly #client: RedisStateLike;
  readonly #emitter: Emitter | undefined;
  #settled: boolean;
  readonly #remember: Listener = (error) => {
    this.lastError = describeError(error);
  };
  readonly #settle: Listener = () => {
    this.#settled = true;
  };

  constructor(client: RedisStateLike) {
    this.#client = client;
    this.#emitter =
      hasMethod(client, 'on') && hasMethod(client, 'off') ? (client as Emitter) : undefined;
    this.#settled = notReady(client) === undefined;
    this.#emitter?.on('error', this.#remember);
    for (const event of SETTLING) this.#emitter?.on(event, this.#settle);
  }

  /** `true` while the client is connecting for the first time and can tell when it is done. */
  get firstConnect(): boolean {
    const state = notReady(this.#client);
    return (
      !this.#settled &&
      this.#emitter !== undefined &&
      (state === 'connecting' || state === 'connect')
    );
  }

  /** Resolves at the next event that ends the first connect, or when `signal` aborts. */
  settled(signal: AbortSignal): Promise<void> {
    const emitter = this.#emitter;
    if (emitter === undefined || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        for (const event of SETTLING) emitter.off(event, done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      for (const event of SETTLING) emitter.on(event, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Removes every listener this added. */
  close(): void {
    this.#emitter?.off('error', this.#remember);
    for (const event of SETTLING) this.#emitter?.off(event, this.#settle);
  }
}
