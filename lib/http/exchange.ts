import type { HealthLogger } from '../runner/options.js';
import { describe } from '../describe.js';
import { INTERNAL_ERROR, JSON_CONTENT_TYPE, type Answer } from './send.js';

/**
 * A request as the HTTP contract sees it, whatever server or framework it came through:
 * `node:http` (Express, Connect), the Fetch API, Fastify or Koa. Each adapter builds one
 * per request; nothing in the contract reads anything else of the request.
 */
export interface RequestView {
  /** The method, upper case: `'GET'`. */
  readonly method: string;
  /** The path and query after the mount point: `/ready?verbose`. */
  readonly url: string;
  /** The value of a request header by its lower-case name; `undefined` when absent. */
  header(name: string): string | undefined;
  /**
   * The framework's own request object (`IncomingMessage`, `Request`, `FastifyRequest`,
   * Koa's `Context`), handed as is to a `showDetails` function and never read here.
   */
  readonly native: unknown;
  /**
   * The router is mounted at the root of an app that has routes of its own (Express and
   * Connect without a mount path): `/` is then the app's, not the detailed report.
   */
  readonly atAppRoot?: boolean;
}

/**
 * Where a stream answer writes its events: an open response body, with backpressure.
 * Each adapter implements it over its own response (a `ServerResponse`, a
 * `ReadableStream` controller, a hijacked Fastify reply, a Koa body stream).
 */
export interface StreamSink {
  /** Whether the body can still be written to. */
  readonly open: boolean;
  /** Writes `chunk`; `false` when the client's buffer is full: wait for {@link onDrain}. */
  write(chunk: Uint8Array | string): boolean;
  /** Calls `listener` once, when a full buffer has room again. */
  onDrain(listener: () => void): void;
  /** Calls `listener` once, when the body is finished: ended here or the client went away. */
  onClose(listener: () => void): void;
  /** Ends the body, after `chunk` when given. */
  end(chunk?: Uint8Array): void;
  /** Cuts the connection (or errors the body) at once. */
  destroy(): void;
}

/** A streamed answer: the status and headers, then a body fed through a {@link StreamSink}. */
export interface StreamAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Starts feeding `sink`, once the adapter has sent the status and headers. */
  readonly start: (sink: StreamSink) => void;
}

/** What a contract handler answers: a whole body ({@link Answer}) or a stream. */
export type Reply = Answer | StreamAnswer;

/**
 * A framework-free handler of the HTTP contract: a request in, the answer out. A cached
 * answer is returned synchronously; it never throws and its promise never rejects.
 */
export type ContractHandler = (request: RequestView) => Reply | Promise<Reply>;

/** Whether `reply` is a stream. */
export function isStreamAnswer(reply: Reply): reply is StreamAnswer {
  return 'start' in reply;
}

/** The headers to send with `answer`: its own, or the JSON defaults for its body. */
export function headersOf(answer: Answer): Readonly<Record<string, string | number>> {
  if (answer.headers !== undefined) return answer.headers;
  const body =
    typeof answer.body === 'string' ? Buffer.byteLength(answer.body) : answer.body.length;
  return {
    'Content-Type': answer.contentType ?? JSON_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': body,
  };
}

/**
 * The body to send with `answer`: none for `HEAD`, which gets the same headers. A string
 * when the answer has one (see {@link Answer.text}), else its bytes.
 */
export function bodyOf(request: RequestView, answer: Answer): string | Buffer | undefined {
  if (request.method === 'HEAD') return undefined;
  return typeof answer.body === 'string' ? answer.body : (answer.text ?? answer.body);
}

/**
 * What `produce` resolves to; a throw or rejection inside it (a bug of this library,
 * since checks cannot throw past the runner) is the 500 answer instead, logged to
 * `logger` when there is one: the client never sees the error. Never rejects.
 */
export function guarded(
  request: RequestView,
  produce: () => Promise<Reply>,
  logger?: HealthLogger,
): Promise<Reply> {
  let pending: Promise<Reply>;
  try {
    pending = produce();
  } catch (error) {
    pending = Promise.reject(error instanceof Error ? error : new Error(describe(error)));
  }
  return pending.catch((error: unknown) => {
    try {
      logger?.error(
        { error: describe(error), url: request.url },
        'health-probes: internal error, answered 500',
      );
    } catch {
      // Nothing more can be done for a logger that throws.
    }
    return INTERNAL_ERROR;
  });
}

/** `reply` passed through `map`, synchronously when it is not a promise. */
export function mapReply(
  reply: Reply | Promise<Reply>,
  map: (reply: Reply) => Reply,
): Reply | Promise<Reply> {
  return reply instanceof Promise ? reply.then(map) : map(reply);
}
