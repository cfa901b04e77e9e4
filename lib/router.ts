import { resolveProbeOptions, type ProbeOptions } from './http/probe-options.js';
import { isReadMethod, NOT_FOUND, send, sendMethodNotAllowed } from './http/send.js';
import type { HealthHandler } from './http/types.js';
import { detailed } from './middleware/detailed.js';
import { liveness } from './middleware/liveness.js';
import { readiness } from './middleware/readiness.js';
import { startup } from './middleware/startup.js';
import { Health } from './runner/health.js';
import type { HealthOptions } from './runner/options.js';

/**
 * Options of {@link healthRouter}: the {@link ProbeOptions} shared by every route.
 */
export type HealthRouterOptions = ProbeOptions;

/**
 * Mounts every probe under one path:
 *
 * | path       | handler                      |
 * |------------|------------------------------|
 * | `/`        | {@link detailed}             |
 * | `/live`    | {@link liveness}             |
 * | `/ready`   | {@link readiness}            |
 * | `/startup` | {@link startup}              |
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
  resolveProbeOptions('healthRouter()', options);
  const health = healthOrOptions instanceof Health ? healthOrOptions : new Health(healthOrOptions);
  const routes = new Map<string, HealthHandler>([
    ['/', detailed(health, options)],
    ['/live', liveness()],
    ['/ready', readiness(health, options)],
    ['/startup', startup(health, options)],
  ]);
  return function healthRoutes(req, res) {
    const handler = routes.get(routePath(req.url));
    if (handler === undefined) send(req, res, NOT_FOUND);
    else if (isReadMethod(req)) handler(req, res);
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
