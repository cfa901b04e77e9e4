import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import * as z from 'zod';
import { HealthOptionsError } from './errors.js';
import { calledAsHandler, IGNORED } from './http/misuse.js';
import { parseOptions } from './options.js';
import { healthRouter, routerOptionsSchema } from './router.js';
import type { Health } from './runner/health.js';
import type { HealthOptions } from './runner/options.js';

/** The prefix of {@link withHealth} when none is given. */
export const DEFAULT_HEALTH_PREFIX = '/health';

// One or more `/segment`s: no trailing slash, no empty segment, no query or fragment.
const PREFIX = /^(?:\/[^/?#\s]+)+$/;

const withHealthOptionsSchema = routerOptionsSchema.extend({
  prefix: z
    .string()
    .regex(PREFIX, {
      error: "expected a path such as '/health': a leading '/', no trailing '/', no '?' or '#'",
    })
    .optional(),
});

/**
 * Options of {@link withHealth}: every {@link HealthRouterOptions} option, passed to
 * {@link healthRouter} as is, and `prefix`, the path the probes are served under, matched
 * exactly (case-sensitive) and on a path-segment boundary. Defaults to `'/health'`.
 */
export type WithHealthOptions = z.input<typeof withHealthOptionsSchema>;

/**
 * What {@link withHealth} hands every other request to: an Express 4 or 5 app, a Connect
 * app, or any `node:http` request listener. It is called as `app(req, res)`, exactly as
 * `http.createServer(app)` would call it.
 */
export type HealthFastPathApp = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The probe fast path: a `node:http` request listener that answers the health paths
 * itself, with {@link healthRouter}, and hands every other request to `app` untouched.
 *
 * Probes then skip the app's middleware chain (authentication, body parsers, rate
 * limiters, request logging): they are neither blocked nor slowed by it and cost what a
 * bare `node:http` handler costs. This is explicit composition: nothing wraps or replaces
 * the server's own listeners.
 *
 * A request is a probe when its path is `prefix` itself or starts with `prefix/`, with any
 * query string: `/health`, `/health/ready`, `/health?verbose`. `/healthz`,
 * `/health-admin`, `/Health` and absolute-form URLs (`http://host/health`) are not: they
 * go to `app`. For a probe, `req.url` is rewritten to the part after the prefix (`/ready`,
 * `/?verbose`) while the router dispatches, as `app.use(prefix, router)` would, and
 * restored to the original before the listener returns, so a logger that reads `req.url`
 * when the response finishes sees the full path. A path under the prefix that the router
 * does not serve (`/health/custom`) goes to `app` as well, with its URL restored, so the
 * app's own routes and 404 handle it. Every other request reaches `app` with its method,
 * URL, headers and body stream as they arrived.
 *
 * @param app - see {@link HealthFastPathApp}.
 * @param healthOrOptions - a {@link Health}, or {@link HealthOptions} to build one from.
 * @param options - see {@link WithHealthOptions}.
 * @returns a request listener for `http.createServer()` (or `https`, `http2` in
 *   compatibility mode).
 * @throws {HealthOptionsError} at construction, when `app` is not a function or an option
 *   is invalid. Passed uncalled as a listener (`http.createServer(withHealth)`), it has
 *   the request answered 500 instead.
 * @example
 * const app = express();
 * app.use(authenticate, express.json());
 * http.createServer(withHealth(app, health)).listen(3000);
 * // GET /health/ready is answered before `authenticate`; GET /api/... goes to `app`.
 */
export function withHealth(
  app: HealthFastPathApp,
  healthOrOptions: Health | HealthOptions,
  options: WithHealthOptions = {},
): RequestListener {
  // eslint-disable-next-line prefer-rest-params -- a server calling it passes (req, res)
  if (calledAsHandler(arguments, 'withHealth()', 'http.createServer(withHealth(app, health))')) {
    return IGNORED;
  }
  if (typeof app !== 'function') {
    throw new HealthOptionsError(
      `withHealth(): expected an app or a request listener (req, res) as the first argument, got ${(app as unknown) === null ? 'null' : typeof app}.`,
      '',
    );
  }
  const { prefix = DEFAULT_HEALTH_PREFIX, ...routerOptions } = parseOptions(
    'withHealth()',
    withHealthOptionsSchema,
    options,
  );
  const router = healthRouter(healthOrOptions, routerOptions);
  const length = prefix.length;

  return function healthFastPath(req, res) {
    const url = req.url;
    if (url === undefined || !url.startsWith(prefix)) return void app(req, res);
    const next = url.charCodeAt(length);
    // NaN: the URL is the prefix itself; 47 '/' and 63 '?': a segment boundary.
    if (next === 47) req.url = url.slice(length);
    else if (next === 63) req.url = `/${url.slice(length)}`;
    else if (Number.isNaN(next)) req.url = '/';
    else return void app(req, res);
    try {
      // A path the router does not serve is the app's, under its own URL.
      router(req, res, () => {
        req.url = url;
        app(req, res);
      });
    } finally {
      req.url = url;
    }
  };
}
