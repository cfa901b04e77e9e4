import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  bodyOf,
  headersOf,
  isStreamAnswer,
  type ContractHandler,
  type Reply,
  type RequestView,
  type StreamSink,
} from './exchange.js';
import type { HealthHandler } from './types.js';

/**
 * The `node:http` adapter of the HTTP contract (Express 4 and 5, Connect, a bare
 * `http.createServer`, `http2` in compatibility mode): it translates the request into a
 * {@link RequestView} and writes the contract's {@link Reply} to the `ServerResponse`.
 */

/** A `node:http` request as the contract sees it. */
class NodeRequestView implements RequestView {
  readonly method: string;
  readonly url: string;
  readonly native: IncomingMessage;
  readonly atAppRoot: boolean;

  constructor(req: IncomingMessage, atAppRoot: boolean) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '';
    this.native = req;
    this.atAppRoot = atAppRoot;
  }

  header(name: string): string | undefined {
    const value = this.native.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/**
 * The view of `req`. `hasNext`: the framework passed a `next`, so an app of its own is
 * behind the router; with `req.originalUrl` equal to `req.url` (Express and Connect strip
 * a mount path from `req.url` only) it is mounted at the app's root.
 */
export function nodeRequest(req: IncomingMessage, hasNext = false): RequestView {
  const atAppRoot = hasNext && (req as { originalUrl?: unknown }).originalUrl === req.url;
  return new NodeRequestView(req, atAppRoot);
}

/** A writable the stream sink writes to: a `ServerResponse`, or a Koa body `PassThrough`. */
export interface NodeWritable {
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array): unknown;
  destroy(): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/** A {@link StreamSink} over a Node writable, with its own backpressure (`drain`). */
export function nodeSink(out: NodeWritable): StreamSink {
  return {
    get open() {
      return !out.destroyed && !out.writableEnded;
    },
    write: (chunk) => out.write(chunk),
    onDrain: (listener) => void out.once('drain', listener),
    onClose: (listener) => void out.once('close', listener),
    end: (chunk) => {
      if (chunk === undefined) out.end();
      else out.end(chunk);
    },
    destroy: () => void out.destroy(),
  };
}

/**
 * `headers` with their `Vary` added to the one an earlier middleware set (`current`), as
 * `Vary` is a list: the earlier value is kept, not replaced. Any adapter's translation.
 * `name` is how `headers` spells it: `'Vary'` (the contract's answers) or `'vary'` (the
 * lower-cased headers the Fastify adapter prepares).
 */
export function withEarlierVary<T extends Readonly<Record<string, string | number>>>(
  headers: T,
  current: string | number | readonly string[] | undefined,
  name: 'Vary' | 'vary' = 'Vary',
): T {
  const added = headers[name];
  if (typeof added !== 'string' || current === undefined) return headers;
  const text = Array.isArray(current) ? current.join(', ') : String(current);
  if (text === '') return headers;
  const listed = new RegExp(`(^|,)\\s*(${added}|\\*)\\s*(,|$)`, 'i');
  return { ...headers, [name]: listed.test(text) ? text : `${text}, ${added}` };
}

/**
 * Writes `reply` to `res`: its status and headers, then its body (none for `HEAD`) or
 * its stream. Does nothing when a response was already started.
 */
export function writeReply(
  view: RequestView,
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
): void {
  if (res.headersSent) return;
  const headers = withEarlierVary(
    isStreamAnswer(reply) ? reply.headers : headersOf(reply),
    res.getHeader('Vary'),
  );
  res.writeHead(reply.statusCode, headers);
  if (isStreamAnswer(reply)) {
    // Each event goes out at once, not held back by Nagle's algorithm.
    req.socket.setNoDelay(true);
    reply.start(nodeSink(res));
    return;
  }
  const body = bodyOf(view, reply);
  if (body === undefined) res.end();
  else res.end(body);
}

/** Writes what `contract` answers for `req` to `res`. */
export function serveNode(
  contract: ContractHandler,
  req: IncomingMessage,
  res: ServerResponse,
  view: RequestView = nodeRequest(req),
): void {
  const reply = contract(view);
  if (!(reply instanceof Promise)) return writeReply(view, req, res, reply);
  reply.then(
    (answer) => writeReply(view, req, res, answer),
    // Unreachable: the contract's promises never reject; never leave the request hanging.
    () => res.destroy(),
  );
}

/** `contract` as a `node:http` {@link HealthHandler} named `name` (as stack traces show it). */
export function nodeHandler(name: string, contract: ContractHandler): HealthHandler {
  const named = {
    [name](req: IncomingMessage, res: ServerResponse): void {
      serveNode(contract, req, res);
    },
  };
  return named[name] as HealthHandler;
}
