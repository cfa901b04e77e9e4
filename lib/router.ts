import type * as z from 'zod';
import { resolveCors, withCors } from './http/cors.js';
import type { ContractHandler, Reply, RequestView } from './http/exchange.js';
import { calledAsHandler, IGNORED } from './http/misuse.js';
import { nodeRequest, serveNode } from './http/node.js';
import { probeOptionsSchema } from './http/probe-options.js';
import { isReadMethod, METHOD_NOT_ALLOWED, NOT_FOUND, send } from './http/send.js';
import type { HealthHandler } from './http/types.js';
import { dashboardContract, dashboardOptionsSchema } from './middleware/dashboard.js';
import { detailedContract } from './middleware/detailed.js';
import { historyContract } from './middleware/history.js';
import { livenessContract } from './middleware/liveness.js';
import { readinessContract } from './middleware/readiness.js';
import { streamContract } from './middleware/sse-stream.js';
import { startupContract } from './middleware/startup.js';
import type { StreamStats } from './stream/hub.js';
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
 * | `/history` | {@link history}              |
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
  const router = routerContract('healthRouter()', healthOrOptions, options);
  const routes = function healthRoutes(req, res, next) {
    const view = nodeRequest(req, next !== undefined);
    const reply = router.route(view);
    if (reply !== undefined) serveNode(() => reply, req, res, view);
    else if (typeof next === 'function') next();
    else send(req, res, NOT_FOUND);
  } as HealthHandler;
  return routes;
}

/**
 * The framework-free {@link healthRouter}: what every adapter (`node:http`, Fetch,
 * Fastify, Koa) dispatches to. `route` answers a request (synchronously when cached), or
 * returns `undefined` for a path it does not serve: the adapter hands that one on, to
 * `next()`, the app, Fastify's not-found handler or Koa's `next()`.
 */
export interface RouterContract {
  readonly route: (request: RequestView) => Reply | Promise<Reply> | undefined;
  /** See {@link StreamStats}. */
  readonly stats: () => StreamStats;
  /** Ends every open stream with a last event (a server's own shutdown). */
  readonly endStreams: () => void;
  /** The runner it answers for. */
  readonly health: Health;
}

/** Builds the {@link RouterContract} of {@link healthRouter}; `where` names the factory in errors. */
export function routerContract(
  where: string,
  healthOrOptions: Health | HealthOptions,
  options: HealthRouterOptions = {},
): RouterContract {
  parseOptions(where, routerOptionsSchema, options);
  const { stream: streamOptions, dashboard: dashboardOptions, ...probeOptions } = options;
  const health = healthOrOptions instanceof Health ? healthOrOptions : new Health(healthOrOptions);
  // The stream speaks the router's format; a per-request details policy cannot apply to
  // events framed once for every client, so such a stream shows no details.
  const { format, showDetails, healthJson, cors } = probeOptions;
  const stream = streamContract(health, {
    ...(format === undefined ? {} : { format }),
    ...(showDetails === undefined
      ? {}
      : { showDetails: showDetails === 'always' ? 'always' : 'never' }),
    ...(healthJson === undefined ? {} : { healthJson }),
    ...(cors === undefined ? {} : { cors }),
    ...streamOptions,
  });
  const routes = new Map<string, ContractHandler>([
    ['/', detailedContract(health, probeOptions)],
    ['/live', withCors(resolveCors(cors), livenessContract())],
    ['/ready', readinessContract(health, probeOptions)],
    ['/startup', startupContract(health, probeOptions)],
    ['/stream', stream.handle],
    ['/$stream', stream.handle],
    ['/%24stream', stream.handle],
    ['/dashboard', dashboardContract(health, dashboardOptions)],
    ['/history', historyContract(health, { showDetails, cors })],
  ]);
  // `/ready/<name>` for each check the runner has now (checks registered later included):
  // exact names only, so no path trick reaches anything else. Built on first use, dropped
  // once the check is gone, so the map stays as small as the set of checks.
  const perCheck = new Map<string, ContractHandler>();
  const checkRoute = (path: string): ContractHandler | undefined => {
    if (!path.startsWith('/ready/')) return undefined;
    const name = path.slice('/ready/'.length);
    if (!health.checkNames.includes(name)) {
      perCheck.delete(name);
      return undefined;
    }
    let handler = perCheck.get(name);
    if (handler === undefined) {
      handler = readinessContract(health, { ...probeOptions, check: name });
      perCheck.set(name, handler);
    }
    return handler;
  };
  return {
    health,
    stats: stream.stats,
    endStreams: stream.endAll,
    route: (request) => {
      const path = routePath(request.url);
      const handler = routes.get(path) ?? checkRoute(path);
      // Mounted at the root of an app, `/` is the app's home page, not the report.
      if (handler === undefined || (path === '/' && request.atAppRoot === true)) return undefined;
      // OPTIONS reaches the handler: a CORS preflight is answered there, anything else 405.
      if (isReadMethod(request) || request.method === 'OPTIONS') return handler(request);
      return METHOD_NOT_ALLOWED;
    },
  };
}

/** A request URL without its query string and trailing slashes; `''` becomes `/`. */
function routePath(url: string): string {
  let end = url.indexOf('?');
  if (end === -1) end = url.length;
  while (end > 1 && url.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const path = url.slice(0, end);
  return path === '' ? '/' : path;
}
