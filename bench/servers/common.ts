/**
 * What every benchmark server shares: the checks of each scenario, the counter of check
 * executions, and the link to the runner (an IPC channel). No side effect on import.
 *
 * Libraries that only the benchmark installs are loaded with {@link load} and typed
 * structurally, so the root `tsc` checks these files without `bench/node_modules`.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which checks a server registers, set by the runner in `BENCH_CHECKS`. */
export const CHECK_KINDS = ['instant', 'slow', 'hang', 'throw-sync', 'throw-async'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** In the error of the throwing check: a response that contains it leaks a secret. */
export const SECRET = 'sk_live_bench_7d3f9a1c5e2b';
/** How long the slow check takes, in milliseconds. */
export const SLOW_CHECK_MS = 50;
/** health-probes' `timeoutMs` in the never-settling scenario, in milliseconds. */
export const HANG_TIMEOUT_MS = 200;
/** health-probes' `cacheTtlMs` in every scenario, in milliseconds (its default). */
export const CACHE_TTL_MS = 1000;

/** A check as the existing libraries take it: a function returning a promise. */
export type BenchCheck = () => Promise<void>;

/** Messages from a server to the runner. */
export type ServerMessage =
  | { type: 'ready'; port: number }
  | {
      type: 'stats';
      executions: number;
      rssBytes: number;
      heapUsedBytes: number;
      maxRssBytes: number;
      cpuMicros: number;
    };

/** Requests from the runner: `stats` reads the figures as they are, `stats-gc` after a full GC. */
export type RunnerMessage = 'stats' | 'stats-gc';

let executions = 0;

/** The kind of checks this server was started with. */
export function checkKind(): CheckKind {
  const kind = process.env.BENCH_CHECKS ?? 'instant';
  if (!(CHECK_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`BENCH_CHECKS must be one of ${CHECK_KINDS.join(', ')}, got ${kind}`);
  }
  return kind as CheckKind;
}

/** Whether this process should use Express 5 rather than 4 (`BENCH_EXPRESS=5`). */
export function useExpress5(): boolean {
  return process.env.BENCH_EXPRESS === '5';
}

/**
 * The checks of this server's scenario, each counting its executions:
 * `instant`: three checks that resolve at once; `slow`: one that resolves after
 * {@link SLOW_CHECK_MS}; `hang`: one that never settles; `throw-sync` / `throw-async`: one
 * that throws (or rejects with) an error whose message holds {@link SECRET}.
 */
export function benchChecks(kind: CheckKind = checkKind()): Record<string, BenchCheck> {
  const failure = () => new Error(`connect ECONNREFUSED postgres://app:${SECRET}@db:5432/app`);
  const count =
    <T>(run: () => T) =>
    () => {
      executions++;
      return run();
    };
  switch (kind) {
    case 'instant': {
      const ok = count(() => Promise.resolve());
      return { database: ok, cache: ok, queue: ok };
    }
    case 'slow':
      return { database: delayCheck(SLOW_CHECK_MS) };
    case 'hang':
      return { database: count(() => new Promise<void>(() => undefined)) };
    case 'throw-sync':
      return {
        database: count((): Promise<void> => {
          throw failure();
        }),
      };
    case 'throw-async':
      return { database: count(() => Promise.reject(failure())) };
  }
}

/** A check that resolves after `ms` milliseconds, counting its executions. */
export function delayCheck(ms: number): BenchCheck {
  return () => {
    executions++;
    return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
  };
}

/** Imports a package installed under `bench/node_modules`, typed as `T`. */
export async function load<T>(specifier: string): Promise<T> {
  return (await import(specifier)) as T;
}

/** The built health-probes package (`dist/` of the repository), as the runner points to it. */
export async function loadHealthProbes(): Promise<typeof import('health-probes')> {
  return load(distUrl('index.js'));
}

function distUrl(file: string): string {
  const dist = process.env.HEALTH_PROBES_DIST;
  return new URL(file, dist ?? new URL('../../dist/', import.meta.url)).href;
}

/** Starts `listener` (or an already built server) on 127.0.0.1 and tells the runner. */
export async function serve(listener: RequestListener | Server): Promise<Server> {
  const server = typeof listener === 'function' ? createServer(listener) : listener;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  announce((server.address() as AddressInfo).port);
  return server;
}

/**
 * Tells the runner this server answers on `port`, and answers its `stats` requests with
 * the check executions so far, the resident set size and the CPU time used. Without a runner (started by
 * hand), prints the port.
 */
export function announce(port: number): void {
  const send = process.send?.bind(process);
  if (send === undefined) {
    console.log(`listening on http://127.0.0.1:${port}`);
    return;
  }
  process.on('message', (message: unknown) => {
    if (message !== 'stats' && message !== ('stats-gc' satisfies RunnerMessage)) return;
    // The runner starts every server with --expose-gc; two passes also collect what the
    // first one only made unreachable (weak references, finalizers).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (message === 'stats-gc' && gc !== undefined) {
      gc();
      gc();
    }
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    send({
      type: 'stats',
      executions,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      cpuMicros: cpu.user + cpu.system,
    } satisfies ServerMessage);
  });
  send({ type: 'ready', port } satisfies ServerMessage);
}
