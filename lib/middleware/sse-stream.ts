import { withCors } from '../http/cors.js';
import type { ContractHandler, StreamAnswer } from '../http/exchange.js';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { nodeHandler } from '../http/node.js';
import { resolveHealth } from '../http/probe-options.js';
import { fixedAnswer, isReadMethod, METHOD_NOT_ALLOWED, type Answer } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import type { Health } from '../runner/health.js';
import { retryFrame } from '../stream/frame.js';
import { StreamHub, type StreamStats } from '../stream/hub.js';
import { resolveStreamOptions, type StreamOptions } from '../stream/options.js';
import { parseStreamQuery } from '../stream/query.js';

const STREAM_HEADERS = Object.freeze({
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: compression() and other transforming proxies leave the stream alone.
  'Cache-Control': 'no-cache, no-transform',
  // NGINX passes the events on at once instead of filling its proxy buffer first.
  'X-Accel-Buffering': 'no',
  // A keep-alive socket whose stream ended after server.close() would stay open until
  // keepAliveTimeout; closing it lets shutdown finish. EventSource reconnects anyway.
  Connection: 'close',
});

/** A stream handler, with the counts of what it holds. */
export interface SseStreamHandler extends HealthHandler {
  /** See {@link StreamStats}. */
  stats(): StreamStats;
}

/**
 * Server-Sent Events stream of the detailed health report, compatible with servicekit's
 * `GET /health/$stream?poll_interval=2.0`.
 *
 * - Query: `poll_interval`, seconds between reports, a decimal from 0.1 to 300, default
 *   1.0; `changes=1` (or `true`) sends a report only when the aggregate or a component
 *   status changed, `changes=0` sends every one; `format=components|health+json|servicekit`
 *   picks the body, as on the JSON routes (default: the `format` option); `history=1`
 *   adds `history` events (below). Anything else,
 *   or any of them repeated, answers 400 `{"error","parameter"}`.
 * - Answer: 200 even when DOWN (an `EventSource` gives up on other codes), headers sent at
 *   once: `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache,
 *   no-transform`, `X-Accel-Buffering: no`, `Connection: close`.
 * - Body: `retry: <retryMs>`, then one event at once and one per interval, each
 *   `id: <n>`, `event: health`, `data: <the report as one line of JSON>`; a `: ping`
 *   comment every `heartbeatMs`. Ids number the reports this handler framed: strictly
 *   increasing on a connection, with gaps for reports a client did not need. Browsers
 *   listen with `addEventListener('health', ...)`. In the `servicekit` format the events
 *   have no `event:` line, as servicekit sends them: browsers read them with `onmessage`.
 *   A report whose `details` cannot be serialised (a BigInt, a cycle) is sent without them.
 * - With `?history=1` (and a runner that keeps history): an `event: history` (no `id:`)
 *   after the first report, `{"kind":"full", ...}` with the body of `GET /health/history`,
 *   then after each poll where a check ran `{"kind":"delta", ...}` holding only the new
 *   runs and transitions per check that ran (see `historyEventSchema`). A client whose
 *   buffer is full is skipped; its next delta holds all it missed. Messages follow
 *   `showDetails`.
 * - One shared poll per interval feeds every client, through the runner's cache: checks
 *   run at most once per TTL however many clients connect. A client that stops reading
 *   keeps only the newest report and is dropped after `maxBlockedMs`.
 * - Past `maxClients` open streams: 503 `{"error"}`. On `health.markShuttingDown()` or
 *   `health.close()` every stream gets a final DOWN `shutting down` event and ends, so
 *   `server.close()` can complete.
 *
 * GET and HEAD only (405 otherwise); HEAD gets the headers and no body. With `cors`, the
 * allowed origins get `Access-Control-Allow-Origin` and a preflight is answered.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link StreamOptions}.
 * @returns a handler with a `stats()` method ({@link StreamStats}).
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * app.get('/health/stream', sseStream(health, { heartbeatMs: 20_000 }));
 * // curl -N 'http://localhost:3000/health/stream?poll_interval=2.0&changes=1'
 */
export function sseStream(health: Health, options: StreamOptions = {}): SseStreamHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'sseStream()', "app.get('/stream', sseStream(health))"))
    return IGNORED;
  const stream = streamContract(health, options);
  return Object.assign(nodeHandler('healthStream', stream.handle), { stats: stream.stats });
}

/** The framework-free {@link sseStream}: what every adapter serves, and what it holds. */
export interface StreamContract {
  /** Answers a stream request: a {@link StreamAnswer}, or a 400, 405 or 503. */
  readonly handle: ContractHandler;
  /** See {@link StreamStats}. */
  readonly stats: () => StreamStats;
  /** Ends every open stream with a last event (a server's own shutdown). */
  readonly endAll: () => void;
}

/** The framework-free {@link sseStream}. */
export function streamContract(health: Health, options: StreamOptions = {}): StreamContract {
  const runner = resolveHealth('sseStream()', health);
  const settings = resolveStreamOptions('sseStream()', options);
  const hub = new StreamHub(runner, settings);
  const retry = Buffer.from(retryFrame(settings.retryMs));
  const tooMany = fixedAnswer(503, {
    error: `too many stream clients (maxClients ${settings.maxClients})`,
  });
  const head: Answer = Object.freeze({
    statusCode: 200,
    body: Buffer.alloc(0),
    headers: STREAM_HEADERS,
  });
  const handle = withCors(settings.cors, function healthStream(req) {
    if (!isReadMethod(req)) return METHOD_NOT_ALLOWED;
    const query = parseStreamQuery(req.url);
    if ('error' in query) return query.error;
    if (hub.clientCount >= settings.maxClients) return tooMany;
    if (req.method === 'HEAD') return head;
    const onlyChanges = query.onlyChanges ?? settings.onlyChanges;
    const format = query.format ?? settings.format;
    const answer: StreamAnswer = {
      statusCode: 200,
      headers: STREAM_HEADERS,
      start: (sink) => {
        sink.write(retry);
        hub.join(sink, query.pollIntervalMs, onlyChanges, format, query.history);
      },
    };
    return answer;
  });
  return { handle, stats: () => hub.stats(), endAll: () => hub.endAll() };
}
