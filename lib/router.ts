import type { IncomingMessage } from 'node:http';
import type * as z from 'zod';
import { resolveCors, withCors } from './http/cors.js';
import { calledAsHandler, IGNORED } from './http/misuse.js';
import { probeOptionsSchema } from './http/probe-options.js';
import { isReadMethod, NOT_FOUND, send, sendMethodNotAllowed } from './http/send.js';
import type { HealthHandler } from './http/types.js';
import { dashboard, dashboardOptionsSchema } from './middleware/dashboard.js';
import { detailed } from './middleware/detailed.js';
import { liveness } from './middleware/liveness.js';
import { readiness } from './middleware/readiness.js';
import { sseStream } from './middleware/sse-stream.js';
import { startup } from './middleware/startup.js';
import { parseOptions } from './options.js';
import { Health } from './runner/health.js';
import type { HealthOptions } from './runner/options.js';
import { streamOptionsSchema } from './stream/options.js';

/** Schema of {@link HealthRouterOptions}. */
export const routerOptionsSchema = probeOptionsSchema.extend({
  stream: streamOptionsSchema.optional(),
  dashboard: dashboardOptionsSchema.optional(),
});

/**
 * Options of {@link healthRouter}: the {@link ProbeOptions} shared by every route, and
 * `stream`, the {@link StreamOptions} of the `/stream` route, and `dashboard`, the
 * {@link DashboardOptions} of `/dashboard` (`title`, `instance`). The stream inherits the
 * router's `format`, `showDetails` (`'never'` when it is a function), `healthJson` and
 * `cors` unless `stream` sets them; `/live` takes the router's `cors` too.
 */
export type HealthRouterOptions = z.input<typeof routerOptionsSchema>;

/**
 * Mounts every probe under one path:
 *
 * | path       | handler                      |
 * |------------|------------------------------|
 * | `/`        | {@link detailed}             |
 * | `/live`    | {@link liveness}             |
 * | `/ready`   | {@link readiness}            |
 * | `/ready/<name>` | {@link readiness} of that one check |
 * | `/startup` | {@link startup}              |
 * | `/stream`, `/$stream` | {@link sseStream} |
 * | `/dashboard` | {@link dashboard}          |
 *
 * Paths are matched after the mount point (`req.url` as Express and Connect rewrite it),
 * with the query string ignored and trailing slashes tolerated (`/ready/?x=1` is
 * `/ready`). `HEAD` answers like `GET` with no body; other methods get 405 with
 * `Allow: GET, HEAD`.
 *
 * A path it does not serve goes to `next()` when the framework passes one (Express 4 and
 * 5, Connect), so the app's later routes, its own 404 and its error handlers see it:
 * `app.get('/health/custom', ...)` after `app.use('/health', healthRouter(health))` is
 * reached. Mounted at the root of an app (`app.use(healthRouter(health))`, no path), `/`
 * is not served either: the app's home page stays the app's, and the detailed report is
 * served only under a path. Without a `next` (a bare
 * `http.createServer(healthRouter(health))` listener, serving the paths from the root,
 * `/` included) such a path answers 404 `{"error":"not found"}`.
 *
 * @param healthOrOptions - a {@link Health}, or {@link HealthOptions} to build one from.
 * @param options - see {@link HealthRouterOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option. Called by a
 *   framework as a handler (`app.use(healthRouter)`, `http.createServer(healthRouter)`),
 *   it has the request answered 500 instead.
 * @example
 * app.use('/health', healthRouter(health));
 */
export function healthRouter(
  healthOrOptions: Health | HealthOptions,
  options: HealthRouterOptions = {},
): HealthHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'healthRouter()', "app.use('/health', healthRouter(health))")) {
    return IGNORED;
  }
  parseOptions('healthRouter()', routerOptionsSchema, options);
  const { stream: streamOptions, dashboard: dashboardOptions, ...probeOptions } = options;
  const health = healthOrOptions instanceof Health ? healthOrOptions : new Health(healthOrOptions);
  // The stream speaks the router's format; a per-request details policy cannot apply to
  // events framed once for every client, so such a stream shows no details.
  const { format, showDetails, healthJson, cors } = probeOptions;
  const stream = sseStream(health, {
    ...(format === undefined ? {} : { format }),
    ...(showDetails === undefined
      ? {}
      : { showDetails: showDetails === 'always' ? 'always' : 'never' }),
    ...(healthJson === undefined ? {} : { healthJson }),
    ...(cors === undefined ? {} : { cors }),
    ...streamOptions,
  });
  const routes = new Map<string, HealthHandler>([
    ['/', detailed(health, probeOptions)],
    ['/live', withCors(resolveCors(cors), liveness())],
    ['/ready', readiness(health, probeOptions)],
    ['/startup', startup(health, probeOptions)],
    ['/stream', stream],
    ['/$stream', stream],
    ['/%24stream', stream],
    ['/dashboard', dashboard(health, dashboardOptions)],
  ]);
  // `/ready/<name>` for each check the runner has now (checks registered later included):
  // exact names only, so no path trick reaches anything else. Built on first use, dropped
  // once the check is gone, so the map stays as small as the set of checks.
  const perCheck = new Map<string, HealthHandler>();
  const checkRoute = (path: string): HealthHandler | undefined => {
    if (!path.startsWith('/ready/')) return undefined;
    const name = path.slice('/ready/'.length);
    if (!health.checkNames.includes(name)) {
      perCheck.delete(name);
      return undefined;
    }
    let handler = perCheck.get(name);
    if (handler === undefined) {
      handler = readiness(health, { ...probeOptions, check: name });
      perCheck.set(name, handler);
    }
    return handler;
  };
  return function healthRoutes(req, res, next) {
    const path = routePath(req.url);
    const handler = routes.get(path) ?? checkRoute(path);
    if (handler !== undefined && (next === undefined || path !== '/' || !atAppRoot(req))) {
      // OPTIONS reaches the handler: a CORS preflight is answered there, anything else 405.
      if (isReadMethod(req) || req.method === 'OPTIONS') handler(req, res);
      else sendMethodNotAllowed(req, res);
    } else if (typeof next === 'function') next();
    else send(req, res, NOT_FOUND);
  };
}

/**
 * Whether the router is mounted at the root of an app: Express and Connect keep the URL
 * as received in `req.originalUrl` and strip a mount path from `req.url`, so the two are
 * the same only when there is no mount path.
 */
function atAppRoot(req: IncomingMessage): boolean {
  return (req as { originalUrl?: unknown }).originalUrl === req.url;
}

/** `req.url` without its query string and trailing slashes; `''` becomes `/`. */
function routePath(url: string | undefined): string {
  let end = url === undefined ? 0 : url.indexOf('?');
  if (end === -1) end = url?.length ?? 0;
  while (end > 1 && url?.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const path = url?.slice(0, end) ?? '';
  return path === '' ? '/' : path;
}
