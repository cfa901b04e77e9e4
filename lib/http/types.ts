import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request handler of this package. Typed on `node:http` so it runs under Express 4,
 * Express 5, Connect and a bare `http.createServer`. A probe answers every request itself
 * and never calls `next`; {@link healthRouter} calls it, when given, for a path it does
 * not serve. It never throws, never rejects and never leaves a request unanswered.
 */
export type HealthHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;
