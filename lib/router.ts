import type * as z from 'zod';
import { resolveCors, withCors } from './http/cors.js';
import { probeOptionsSchema } from './http/probe-options.js';
import { isReadMethod, NOT_FOUND, send, sendMethodNotAllowed } from './http/send.js';
import type { HealthHandler } from './http/types.js';
import { dashboard, dashboardOptionsSchema } from './middleware/dashboard.js';
import { detailed } from './middleware/detailed.js';
import { history } from './middleware/history.js';
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
 * | `/history` | {@link history}              |
 *
 * Paths are matched after the mount point (`req.url` as Express and Connect rewrite it),
 * with the query string ignored and trailing slashes tolerated (`/ready/?x=1` is
 * `/ready`). `HEAD` answers like `GET` with no body; other methods get 405 with
 * `Allow: GET, HEAD`; unknown paths get 404 `{"error":"not found"}`. Also works as a bare
 * `http.createServer(healthRouter(health))` listener, serving the paths from the root.
 *
 * @param healthOrOptions - a {@link Health}, or {@link HealthOptions} to build one from.
 * @param options - see {@link HealthRouterOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * app.use('/health', healthRouter(health));
 */
export function healthRouter(
  healthOrOptions: Health | HealthOptions,
  options: HealthRouterOptions = {},
): HealthHandler {
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
    ['/history', history(health, { showDetails, cors })],
  ]);
  // `/ready/<name>` for each check: exact names only, so no path trick reaches anything else.
  for (const name of health.checkNames) {
    routes.set(`/ready/${name}`, readiness(health, { ...probeOptions, check: name }));
  }
  return function healthRoutes(req, res) {
    const handler = routes.get(routePath(req.url));
    if (handler === undefined) send(req, res, NOT_FOUND);
    // OPTIONS reaches the handler: a CORS preflight is answered there, anything else 405.
    else if (isReadMethod(req) || req.method === 'OPTIONS') handler(req, res);
    else sendMethodNotAllowed(req, res);
  };
}

/** `req.url` without its query string and trailing slashes; `''` becomes `/`. */
function routePath(url: string | undefined): string {
  let end = url === undefined ? 0 : url.indexOf('?');
  if (end === -1) end = url?.length ?? 0;
  while (end > 1 && url?.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const path = url?.slice(0, end) ?? '';
  return path === '' ? '/' : path;
}
