/**
 * Load from a process of its own (the autocannon CLI, pinned to CPU 1), and a bounded
 * client for the scenarios where answering at all is the question.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Pinning } from './processes.js';

/** One autocannon run, reduced to what the report shows. */
export interface LoadResult {
  /** Responses per second over the measured duration. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** The slowest response, in ms. */
  readonly maxMs: number;
  /** Responses received (any status). */
  readonly responses: number;
  readonly non2xx: number;
  /** Responses per status code. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Socket errors and timeouts. */
  readonly errors: number;
  readonly durationS: number;
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number; p99_9: number; max: number };
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** How much load one run sends: for a time, or a number of requests. */
export type LoadAmount = { readonly seconds: number } | { readonly requests: number };

/** Longest a run by request count may take before it is stopped, in seconds. */
const MAX_AMOUNT_RUN_S = 300;

/** Runs autocannon against `url` with `connections`, pinned as `pin` says. */
export async function autocannon(
  url: string,
  amount: LoadAmount,
  connections: number,
  pin: Pinning,
): Promise<LoadResult> {
  const [command, ...prefix] = [...pin.load, process.execPath];
  const limit = 'seconds' in amount ? ['-d', `${amount.seconds}`] : ['-a', `${amount.requests}`];
  const args = [...prefix, autocannonBin, '-c', `${connections}`, ...limit, '-j', url];
  const seconds = 'seconds' in amount ? amount.seconds : MAX_AMOUNT_RUN_S;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2048)));
  // autocannon stops itself after its duration or amount; this only bounds a stuck run.
  const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(guard);
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr}`);
  const json = JSON.parse(stdout) as AutocannonJson;
  const responses = json['2xx'] + json.non2xx;
  return {
    requestsPerSecond: responses / json.duration,
    p50Ms: json.latency.p50,
    p99Ms: json.latency.p99,
    p999Ms: json.latency.p99_9,
    maxMs: json.latency.max,
    responses,
    non2xx: json.non2xx,
    statusCodes: Object.fromEntries(
      Object.entries(json.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
    errors: json.errors + json.timeouts,
    durationS: json.duration,
  };
}

/** What one request of the bounded client got. */
export interface ProbeOutcome {
  /** The status code, or why there was none. */
  readonly status: number | 'timeout' | 'error';
  /** From sending the request to the end of the body, in milliseconds. */
  readonly latencyMs: number;
  readonly body: string;
  readonly headers: string;
}

/** One GET with a client timeout of `timeoutMs`. */
export async function probe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
    return { status: response.status, latencyMs: performance.now() - started, body, headers };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return {
      status: timedOut ? 'timeout' : 'error',
      latencyMs: performance.now() - started,
      body: timedOut ? '' : String(error),
      headers: '',
    };
  }
}

/** `count` GETs, one every `spacingMs`, each with a client timeout of `timeoutMs`. */
export async function probeSeries(
  url: string,
  count: number,
  spacingMs: number,
  timeoutMs: number,
): Promise<ProbeOutcome[]> {
  const pending: Promise<ProbeOutcome>[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, spacingMs));
    pending.push(probe(url, timeoutMs));
  }
  return Promise.all(pending);
}

/** The `p`-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
