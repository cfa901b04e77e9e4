import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What {@link gracefulShutdown} needs of a server: `http.Server` and `https.Server`
 * (Node 18.2 and later) have all of it.
 */
export interface ShutdownServer {
  close(callback?: (error?: Error) => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
  prependListener(
    event: 'request',
    listener: (req: IncomingMessage, res: ServerResponse) => void,
  ): unknown;
  removeListener(
    event: 'request',
    listener: (req: IncomingMessage, res: ServerResponse) => void,
  ): unknown;
}

/** Keep-alive handling of one server through its shutdown; see {@link trackResponses}. */
export interface ResponseTracker {
  /** Responses started and not yet finished or aborted. */
  readonly inFlight: number;
  /** From now on every response not yet started carries `Connection: close`. */
  drain(): void;
  /** The listener is closed: a connection whose response ends is closed once idle. */
  closing(): void;
  /** Removes the request listener. */
  dispose(): void;
}

/**
 * Tracks the responses in flight on `server` so a shutdown can end keep-alive without
 * resetting a request. A client that reuses a keep-alive socket at the moment the server
 * closes it gets ECONNRESET; so while draining, every response says `Connection: close`
 * (Node then ends the socket after it, and clients and proxies open their next request
 * elsewhere), and a socket is only ever closed when no request is in flight on it.
 *
 * Node does neither by itself: after `server.close()` a response that ends leaves its
 * keep-alive socket open until `keepAliveTimeout`, holding the close callback back.
 */
export function trackResponses(server: ShutdownServer): ResponseTracker {
  const responses = new Set<ServerResponse>();
  let draining = false;
  let closed = false;
  let sweep: NodeJS.Immediate | undefined;
  const closeIdle = () => {
    sweep = undefined;
    server.closeIdleConnections();
  };
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) sayClose(res);
    responses.add(res);
    res.once('close', () => {
      responses.delete(res);
      // After 'close' the socket is detached and idle; sweep once per event-loop turn.
      if (closed) sweep ??= setImmediate(closeIdle);
    });
  };
  server.prependListener('request', onRequest);
  return {
    get inFlight() {
      return responses.size;
    },
    drain() {
      draining = true;
      for (const res of responses) sayClose(res);
    },
    closing() {
      closed = true;
    },
    dispose() {
      server.removeListener('request', onRequest);
      if (sweep !== undefined) clearImmediate(sweep);
      sweep = undefined;
      closed = false;
    },
  };
}

function sayClose(res: ServerResponse): void {
  // Once the headers are out the socket stays keep-alive; closing() handles that one.
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
