import { request, type IncomingHttpHeaders } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { HealthReport } from '../../lib/index.js';

/** One `health` event as a client saw it. */
export interface ReceivedEvent extends EventSourceMessage {
  /** The parsed `data`. */
  readonly report: HealthReport;
  /** `performance.now()` when it was parsed. */
  readonly at: number;
}

/** What a real SSE client (eventsource-parser over a real socket) received. */
export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: ReceivedEvent[];
  readonly comments: string[];
  /** `retry`, `event`, `comment`, in the order they came. */
  readonly order: string[];
  readonly retryMs: number | undefined;
  /** Settles when the response ended or the socket closed. */
  readonly ended: Promise<void>;
  readonly isEnded: boolean;
  /** Resolves once `condition()` holds (checked on everything received), or rejects after `timeoutMs`. */
  until(condition: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): void;
}

/** Opens `url` and parses the stream with eventsource-parser@3; resolves on the headers. */
export async function openStream(url: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } });
    req.once('error', reject);
    req.once('response', (res) => {
      const events: ReceivedEvent[] = [];
      const comments: string[] = [];
      const order: string[] = [];
      const waiters = new Set<() => void>();
      let retryMs: number | undefined;
      let isEnded = false;
      const notify = () => {
        for (const waiter of waiters) waiter();
      };
      const parser = createParser({
        onEvent(message) {
          order.push('event');
          events.push({
            ...message,
            report: JSON.parse(message.data) as HealthReport,
            at: performance.now(),
          });
          notify();
        },
        onComment(comment) {
          order.push('comment');
          comments.push(comment);
          notify();
        },
        onRetry(ms) {
          order.push('retry');
          retryMs = ms;
          notify();
        },
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      const ended = new Promise<void>((done) => {
        const finish = () => {
          isEnded = true;
          notify();
          done();
        };
        res.once('end', finish);
        res.once('close', finish);
        res.once('error', finish);
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        order,
        get retryMs() {
          return retryMs;
        },
        ended,
        get isEnded() {
          return isEnded;
        },
        until(condition, timeoutMs = 5000, what = 'condition') {
          return new Promise<void>((done, fail) => {
            const check = () => {
              if (!condition()) return;
              clearTimeout(timer);
              waiters.delete(check);
              done();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(
                  `${what} not met within ${timeoutMs} ms (${events.length} events: ${events.map((e) => e.report.status).join(',')})`,
                ),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.end();
  });
}

/** Polls `condition` every 10 ms until it holds; rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Timers that count the ones pending, to prove a stream leaves none behind. */
export interface CountingTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Timers set and neither fired nor cleared. */
  readonly pending: number;
  /** Timers set in total. */
  readonly created: number;
}

export function countingTimers(): CountingTimers {
  const live = new Set<NodeJS.Timeout>();
  let created = 0;
  return {
    setTimeout(callback, delayMs) {
      created++;
      const handle = setTimeout(() => {
        live.delete(handle);
        callback();
      }, delayMs).unref();
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout(handle as NodeJS.Timeout);
      live.delete(handle as NodeJS.Timeout);
    },
    get pending() {
      return live.size;
    },
    get created() {
      return created;
    },
  };
}

/** Counts of `process.getActiveResourcesInfo()` by type. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
