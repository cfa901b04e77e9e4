/**
 * The paced prober of scenario 8, a process of its own (started pinned to the load CPU):
 * requests at a fixed rate on each of several URLs, interleaved, each sent on schedule
 * whether or not the previous ones were answered (an open loop, as many kubelets probing
 * one pod would), each timed from its send to the end of its body with
 * `performance.now()`. Prints one JSON {@link PacerResult} on stdout.
 *
 * Settings in the environment: `PACER_URLS` (comma-separated), `PACER_RATE` (requests per
 * second per URL), `PACER_SECONDS`, `PACER_TIMEOUT_MS` (per request). Only node:http, no
 * import of the harness: compiled alone.
 */
import { Agent, get } from 'node:http';

/** What the prober saw on one URL. */
export interface PacedPath {
  readonly url: string;
  /**
   * Latency of every request, in ms, by its place in the schedule (`null`: no answer), so
   * the k-th request of each URL, sent 1 / (rate * URLs) s apart, can be compared.
   */
  readonly latenciesMs: (number | null)[];
  /** Answers per status code. */
  readonly statuses: Record<string, number>;
  /** Requests that failed or passed the timeout. */
  readonly errors: number;
}

export interface PacerResult {
  readonly paths: readonly PacedPath[];
  /** Requests sent more than 5 ms after their scheduled time: the prober fell behind. */
  readonly lateSends: number;
  readonly seconds: number;
}

const SOCKETS_PER_URL = 512;

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new TypeError(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const urls = setting('PACER_URLS').split(',');
  const rate = Number(setting('PACER_RATE'));
  const seconds = Number(setting('PACER_SECONDS'));
  const timeoutMs = Number(setting('PACER_TIMEOUT_MS'));
  // One agent per URL: a path whose answers are slow never holds the other's sockets.
  const targets = urls.map((url): PacedPath & { agent: Agent; errors: number } => ({
    url,
    agent: new Agent({ keepAlive: true, maxSockets: SOCKETS_PER_URL }),
    latenciesMs: [],
    statuses: {},
    errors: 0,
  }));
  const spacingMs = 1000 / rate / urls.length;
  const total = Math.floor(rate * seconds) * urls.length;
  const pending = new Set<Promise<void>>();
  let lateSends = 0;
  const send = (target: (typeof targets)[number]) => {
    const slot = target.latenciesMs.push(null) - 1;
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      const request = get(target.url, { agent: target.agent }, (response) => {
        response.resume();
        response.on('end', () => {
          target.latenciesMs[slot] = performance.now() - started;
          const code = `${response.statusCode ?? 0}`;
          target.statuses[code] = (target.statuses[code] ?? 0) + 1;
          resolve();
        });
        response.on('error', () => {
          target.errors++;
          resolve();
        });
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        target.errors++;
        resolve();
      });
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const origin = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = origin + sent * spacingMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Catch up on every request that fell due meanwhile, each on its own schedule slot.
    while (sent < total && origin + sent * spacingMs <= performance.now()) {
      if (performance.now() - (origin + sent * spacingMs) > 5) lateSends++;
      const target = targets[sent % targets.length];
      if (target !== undefined) send(target);
      sent++;
    }
  }
  await Promise.all(pending);
  for (const { agent } of targets) agent.destroy();
  const result: PacerResult = {
    paths: targets.map(({ url, latenciesMs, statuses, errors }) => ({
      url,
      latenciesMs,
      statuses,
      errors,
    })),
    lateSends,
    seconds,
  };
  process.stdout.write(JSON.stringify(result));
}

await main();
