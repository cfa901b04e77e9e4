import * as z from 'zod';
import {
  bodyOf,
  headersOf,
  isStreamAnswer,
  type Reply,
  type RequestView,
  type StreamAnswer,
  type StreamSink,
} from './http/exchange.js';
import { DEFAULT_HEALTH_PREFIX, stripPrefix } from './http/prefix.js';
import { calledAsFetchHandler } from './http/misuse.js';
import { INTERNAL_ERROR, NOT_FOUND } from './http/send.js';
import type { ShowDetails } from './http/show-details.js';
import { parseOptions } from './options.js';
import { routerContract } from './router.js';
import type { Health } from './runner/health.js';
import type { HealthOptions } from './runner/options.js';
import type { StreamStats } from './stream/hub.js';
import { withHealthOptionsSchema, type WithHealthOptions } from './with-health.js';

const fetchOptionsSchema = withHealthOptionsSchema.extend({
  fallback: z
    .custom<(request: Request) => Response | Promise<Response>>(
      (value) => typeof value === 'function',
      { message: 'expected a function (request) => Response, such as app.fetch' },
    )
    .optional(),
});

/**
 * Options of {@link fetchHandler}: every {@link WithHealthOptions} option (`prefix`,
 * defaulting to `'/health'`, and the router's), with `showDetails` deciding from the
 * `Request`, and `fallback`, what answers every request that is not a health path (a
 * path outside `prefix`, or one under it that the router does not serve): the app's own
 * `fetch`, e.g. Hono's `app.fetch`. Defaults to answering 404 `{"error":"not found"}`.
 */
export type FetchHandlerOptions = Omit<WithHealthOptions, 'showDetails'> & {
  readonly showDetails?: ShowDetails<Request>;
  readonly fallback?: (request: Request) => Response | Promise<Response>;
};

/** What {@link fetchHandler} returns: a Fetch API handler, with the counts of its stream. */
export interface FetchHealthHandler {
  (request: Request): Promise<Response>;
  /** See {@link StreamStats}: the streams open on `<prefix>/stream` now. */
  readonly stats: () => StreamStats;
}

/** A Fetch `Request` as the contract sees it. */
class FetchRequestView implements RequestView {
  readonly method: string;
  readonly url: string;
  readonly native: Request;

  constructor(request: Request, url: string) {
    this.method = request.method;
    this.url = url;
    this.native = request;
  }

  header(name: string): string | undefined {
    return this.native.headers.get(name) ?? undefined;
  }
}

/** The path and query of an absolute request URL: `http://h:1/a?b` gives `/a?b`. */
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start === -1 ? '/' : url.slice(start);
}

// Header objects of answers built once are frozen: their Fetch form is built once too.
const fetchHeaders = new WeakMap<object, Record<string, string>>();

function toFetchHeaders(
  headers: Readonly<Record<string, string | number>>,
): Record<string, string> {
  let converted = fetchHeaders.get(headers);
  if (converted === undefined) {
    converted = {};
    for (const [name, value] of Object.entries(headers)) converted[name] = String(value);
    if (Object.isFrozen(headers)) fetchHeaders.set(headers, converted);
  }
  return converted;
}

const encoder = new TextEncoder();
/** Bytes a stream's body queue holds before its sink reports it full. */
const STREAM_HIGH_WATER_BYTES = 16 * 1024;

/**
 * A `ReadableStream` sink: events are queued for the server to read; a queue past
 * {@link STREAM_HIGH_WATER_BYTES} is a full buffer (the reader's `pull` is the drain).
 * The body ends when the request's signal aborts or the reader cancels.
 */
function streamResponse(request: Request, reply: StreamAnswer): Response {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let drain: (() => void) | undefined;
  const closeListeners: (() => void)[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    request.signal.removeEventListener('abort', onAbort);
    for (const listener of closeListeners) listener();
  };
  const onAbort = () => {
    try {
      controller.close();
    } catch {
      // Already closed or errored by the reader.
    }
    finish();
  };
  const sink: StreamSink = {
    get open() {
      return !closed;
    },
    write: (chunk) => {
      if (closed) return false;
      controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      return (controller.desiredSize ?? 0) > 0;
    },
    onDrain: (listener) => {
      drain = listener;
    },
    onClose: (listener) => {
      closeListeners.push(listener);
    },
    end: (chunk) => {
      if (closed) return;
      if (chunk !== undefined) controller.enqueue(chunk);
      controller.close();
      finish();
    },
    destroy: () => {
      if (closed) return;
      controller.error(new Error('health-probes: stream client dropped'));
      finish();
    },
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        const listener = drain;
        drain = undefined;
        listener?.();
      },
      cancel: finish,
    },
    { highWaterMark: STREAM_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );
  const response = new Response(body, {
    status: reply.statusCode,
    headers: toFetchHeaders(reply.headers),
  });
  if (request.signal.aborted) onAbort();
  else {
    request.signal.addEventListener('abort', onAbort, { once: true });
    reply.start(sink);
  }
  return response;
}

/** The Fetch `Response` of `reply`. */
function toResponse(view: RequestView, request: Request, reply: Reply): Response {
  if (isStreamAnswer(reply)) return streamResponse(request, reply);
  const body = bodyOf(view, reply);
  // A 204 (a CORS preflight) and a HEAD answer have no body; their headers stay as they are.
  return new Response(
    body === undefined || body.length === 0
      ? null
      : typeof body === 'string'
        ? body
        : (body as Uint8Array<ArrayBuffer>),
    {
      status: reply.statusCode,
      headers: toFetchHeaders(headersOf(reply)),
    },
  );
}

/**
 * The whole HTTP contract of {@link healthRouter} (every route, status code, format,
 * `HEAD`, 405, `showDetails`, CORS, the stream and the dashboard) as a Fetch API handler,
 * `(request: Request) => Promise<Response>`, for Hono, Bun.serve, Deno.serve, Next.js
 * route handlers, Cloudflare-style `fetch` exports, or `@hono/node-server`. The probes are
 * served under `prefix` as {@link withHealth} serves them (`/health/ready`); every other
 * request goes to `fallback` (or gets 404 JSON). It uses no `node:http` type.
 *
 * The stream (`<prefix>/stream`) answers with a `ReadableStream` body that ends, and
 * releases its subscription, when the request's `signal` aborts (the client went away),
 * the reader cancels it, or the runner shuts down.
 *
 * @param healthOrOptions - a {@link Health}, or {@link HealthOptions} to build one from.
 * @param options - see {@link FetchHandlerOptions}.
 * @returns a {@link FetchHealthHandler}, with `stats()` of its stream.
 * @throws {HealthOptionsError} at construction, for an invalid option. Passed uncalled as a
 *   server's handler (`serve({ fetch: fetchHandler })`), it answers that request 500 and
 *   emits a process warning naming the fix instead.
 * @example
 * const app = new Hono();
 * app.get('/', (c) => c.text('home'));
 * serve({ fetch: fetchHandler(health, { fallback: app.fetch }), port: 3000 });
 * // Bun.serve({ fetch: fetchHandler(health) }); Deno.serve(fetchHandler(health));
 */
export function fetchHandler(
  healthOrOptions: Health | HealthOptions,
  options: FetchHandlerOptions = {},
): FetchHealthHandler {
  if (
    calledAsFetchHandler(
      healthOrOptions,
      'fetchHandler()',
      'serve({ fetch: fetchHandler(health) })',
    )
  ) {
    const request = healthOrOptions as unknown as Request;
    // Called as the server's handler: answer this request 500, as the node factories do.
    return Promise.resolve(
      toResponse(new FetchRequestView(request, ''), request, INTERNAL_ERROR),
    ) as never;
  }
  const {
    prefix = DEFAULT_HEALTH_PREFIX,
    fallback,
    ...routerOptions
  } = parseOptions('fetchHandler()', fetchOptionsSchema, options);
  const router = routerContract('fetchHandler()', healthOrOptions, routerOptions);
  const notFound = (request: Request): Promise<Response> =>
    fallback === undefined
      ? Promise.resolve(toResponse(new FetchRequestView(request, ''), request, NOT_FOUND))
      : Promise.resolve(fallback(request));
  const handler = (request: Request): Promise<Response> => {
    const url = pathAndQuery(request.url);
    const rest = url.startsWith(prefix) ? stripPrefix(url, prefix) : undefined;
    if (rest === undefined) return notFound(request);
    const view = new FetchRequestView(request, rest);
    const reply = router.route(view);
    if (reply === undefined) return notFound(request);
    if (reply instanceof Promise) return reply.then((answer) => toResponse(view, request, answer));
    return Promise.resolve(toResponse(view, request, reply));
  };
  return Object.assign(handler, { stats: router.stats });
}
