import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import * as z from 'zod';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { resolveHealth } from '../http/probe-options.js';
import type { ContractHandler } from '../http/exchange.js';
import { nodeHandler } from '../http/node.js';
import { isReadMethod, METHOD_NOT_ALLOWED, type Answer } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import { parseOptions } from '../options.js';
import type { Health } from '../runner/health.js';
import { dashboardPage } from '../dashboard/page.js';
import { DASHBOARD_SCRIPT } from '../dashboard/script.js';
import { DASHBOARD_STYLE } from '../dashboard/style.js';

/** The dashboard's defaults (`instance` defaults to the host name, read at construction). */
export const DASHBOARD_DEFAULTS = Object.freeze({
  title: 'Service health',
  /** Relative to the dashboard's path: `/health/dashboard` reads `/health/stream`. */
  streamUrl: 'stream',
});

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
const HTTP_URL = /^https?:\/\//i;
// A path (with an optional query) or an absolute http(s) URL; never `javascript:` and co.
const isStreamUrl = (value: string) => !ABSOLUTE.test(value) || HTTP_URL.test(value);
// What the page's EventSource would throw on: checked here, at construction.
const isParsable = (value: string) => URL.canParse(value, 'http://localhost/health/dashboard');

/** Schema of {@link DashboardOptions}. */
export const dashboardOptionsSchema = z.strictObject({
  title: z.string().min(1).max(200).optional(),
  streamUrl: z
    .string()
    .min(1)
    .max(2000)
    .refine(isStreamUrl, { message: 'expected a path or an http(s) URL' })
    .refine(isParsable, { message: 'not a valid URL (check the host and brackets)' })
    .optional(),
  instance: z.string().min(1).max(200).optional(),
});

/**
 * Options of {@link dashboard}.
 *
 * - `title`: the page heading and tab title, 1 to 200 characters. Defaults to
 *   `'Service health'`.
 * - `streamUrl`: where the page's `EventSource` connects: a path relative to the
 *   dashboard's own path (trailing slashes ignored, so it works under any mount prefix),
 *   an absolute path, or an http(s) URL (whose origin the CSP then allows). A query is
 *   passed on, e.g. `'stream?poll_interval=5'`. Defaults to `'stream'`, the route of
 *   {@link healthRouter}. The page asks the stream for `format=components` unless the
 *   query names a format; it also reads the servicekit and IETF bodies, so it can follow
 *   a servicekit service's `/health/$stream`.
 * - `instance`: which instance this is, shown beside the title and in the tab title, 1 to
 *   200 characters. Defaults to the host name (`os.hostname()`); the version shown is the
 *   runner's `version`.
 */
export type DashboardOptions = z.input<typeof dashboardOptionsSchema>;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** `url` with `format=components` added, unless its query names a format already. */
function withFormat(url: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const query = base.indexOf('?');
  if (query !== -1 && new URLSearchParams(base.slice(query + 1)).has('format')) return url;
  const separator = query === -1 ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}format=components${hash === -1 ? '' : url.slice(hash)}`;
}

/**
 * A status dashboard: one self-contained HTML page (no CDN, works offline) that follows
 * the {@link sseStream} with `EventSource` and shows the overall status in colour (UP
 * green, DEGRADED amber, DOWN red, all WCAG AA contrast) with the reason when not UP, the
 * instance and version, a table of components (status, message, duration, last check),
 * the time of the last event. When the connection is lost the last status is shown as
 * stale (grey, "unknown since 12:01:03"), not as current; a deliberate shutdown (the
 * stream's final `shutting down` event) shows as "stopped", not as an outage. The page adds
 * `history=1` to the stream URL (unless it names `history`): when the runner keeps history,
 * it draws the service's status strip and per check a status strip over the last hour
 * (DOWN red, a tooltip with each segment's time span and message), a latency sparkline (one
 * point per run), uptime over 5 min and 1 h and a flapping badge, in inline SVG. Readable at
 * phone width and with 50 checks. Check messages are inserted as text, never as HTML.
 *
 * Served with a strict `Content-Security-Policy` (`default-src 'none'`, the inline script
 * and style allowed by their SHA-256 hashes, `connect-src 'self'`), `X-Content-Type-Options:
 * nosniff`, `Referrer-Policy: no-referrer` and `Cache-Control: no-store`. The page is built
 * once. GET and HEAD only (405 otherwise).
 *
 * @param health - the runner from {@link createHealth} (checked, so `app.use(dashboard)`
 *   without the call is caught; the page itself reads the stream).
 * @param options - see {@link DashboardOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * app.get('/health/stream', sseStream(health));
 * app.get('/health/dashboard', dashboard(health, { title: 'Orders API' }));
 */
export function dashboard(health: Health, options: DashboardOptions = {}): HealthHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'dashboard()', "app.get('/dashboard', dashboard(health))"))
    return IGNORED;
  return nodeHandler('healthDashboard', dashboardContract(health, options));
}

/** The framework-free {@link dashboard}: the contract every adapter serves. */
export function dashboardContract(health: Health, options: DashboardOptions = {}): ContractHandler {
  resolveHealth('dashboard()', health);
  const parsed = parseOptions('dashboard()', dashboardOptionsSchema, options);
  const streamUrl = withFormat(parsed.streamUrl ?? DASHBOARD_DEFAULTS.streamUrl);
  const streamOrigin = HTTP_URL.test(streamUrl) ? ` ${new URL(streamUrl).origin}` : '';
  const title = parsed.title ?? DASHBOARD_DEFAULTS.title;
  const instance = parsed.instance ?? hostname();
  const body = Buffer.from(dashboardPage({ title, instance, streamUrl }));
  const headers = Object.freeze({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'Content-Security-Policy': [
      "default-src 'none'",
      `script-src ${sha256(DASHBOARD_SCRIPT)}`,
      `style-src ${sha256(DASHBOARD_STYLE)}`,
      `connect-src 'self'${streamOrigin}`,
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  const page: Answer = Object.freeze({ statusCode: 200, body, headers });
  return function healthDashboard(req) {
    return isReadMethod(req) ? page : METHOD_NOT_ALLOWED;
  };
}
