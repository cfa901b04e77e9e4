import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request handler of this package. Typed on `node:http` so it runs under Express 4,
 * Express 5, Connect and a bare `http.createServer`. `next` is accepted for the
 * middleware signature and never called: every handler answers the request itself.
 * It never throws, never rejects and never leaves a request unanswered.
 */
export type HealthHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;
