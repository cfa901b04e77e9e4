import { HealthOptionsError } from '../errors.js';
import { INTERNAL_ERROR, send } from './send.js';

/** The factories already reported by a warning: one line per factory and process. */
const warned = new Set<string>();

/** A request as `node:http`, Express, Connect and `http2` compatibility mode pass it. */
function isRequest(value: unknown): value is Parameters<typeof send>[0] {
  if (typeof value !== 'object' || value === null) return false;
  const { method, headers } = value as { method?: unknown; headers?: unknown };
  return typeof method === 'string' && typeof headers === 'object' && headers !== null;
}

function isResponse(value: unknown): value is Parameters<typeof send>[1] {
  if (typeof value !== 'object' || value === null) return false;
  const { writeHead, end } = value as { writeHead?: unknown; end?: unknown };
  return typeof writeHead === 'function' && typeof end === 'function';
}

/**
 * Whether a factory of this package is being called by a framework as a request handler,
 * because the app passed the factory itself instead of what it returns:
 * `app.get('/live', liveness)`, `app.use(metrics)`, `http.createServer(healthRouter)`.
 * helmet detects `app.use(helmet)` the same way. The call is recognised by its arguments,
 * `(req, res)` or `(req, res, next)`: a request (a `method` string and a `headers` object)
 * and a response (`writeHead` and `end` functions), which no valid call passes.
 *
 * When it is such a call, the request is dealt with here and `true` returned; the factory
 * then returns {@link IGNORED} at once:
 *
 * - with a `next` function (Express 4 and 5, Connect): `next(error)`, a
 *   {@link HealthOptionsError} whose message names the fix, e.g.
 *   `liveness() must be called: app.get('/live', liveness())`. The framework's error
 *   handling answers 500 and logs it (Express's and Connect's final handler print it
 *   unless `NODE_ENV` is `test`), and an app's own error handler receives it. Answering
 *   here would take that away (the framework destroys the socket of an error it gets
 *   after the headers were sent).
 * - without one (a bare `http.createServer` listener): answers
 *   `500 {"status":"DOWN","error":"internal error"}` and emits a process warning with the
 *   same message (code `ERR_HEALTH_OPTIONS`), once per factory and process. Throwing
 *   instead would crash the server on its first request.
 *
 * @param args - the factory's `arguments`.
 * @param where - the factory, as messages name it: `'liveness()'`.
 * @param usage - the correct call, e.g. `"app.get('/live', liveness())"`.
 */
export function calledAsHandler(args: ArrayLike<unknown>, where: string, usage: string): boolean {
  const req = args[0];
  const res = args[1];
  if (!isRequest(req) || !isResponse(res)) return false;
  const error = new HealthOptionsError(`${where} must be called: ${usage}`, '');
  const next = args[2];
  if (typeof next === 'function') {
    (next as (error: unknown) => void)(error);
    return true;
  }
  send(req, res, INTERNAL_ERROR);
  if (!warned.has(where)) {
    warned.add(where);
    process.emitWarning(`health-probes: ${error.message}`, { code: error.code });
  }
  return true;
}

/**
 * Whether {@link fetchHandler} is being called by a server as its `fetch` handler
 * (`serve({ fetch: fetchHandler })`, `Deno.serve(fetchHandler)`): its first argument is then
 * a `Request`. Emits the same process warning as {@link calledAsHandler} (code
 * `ERR_HEALTH_OPTIONS`, once per process); the caller answers 500.
 */
export function calledAsFetchHandler(first: unknown, where: string, usage: string): boolean {
  if (typeof Request === 'undefined' || !(first instanceof Request)) return false;
  if (!warned.has(where)) {
    warned.add(where);
    const error = new HealthOptionsError(`${where} must be called: ${usage}`, '');
    process.emitWarning(`health-probes: ${error.message}`, { code: error.code });
  }
  return true;
}

/**
 * What a factory returns from a call {@link calledAsHandler} dealt with: `undefined`,
 * which the framework that made the call ignores. Typed to fit any factory's result.
 */
export const IGNORED = undefined as never;
