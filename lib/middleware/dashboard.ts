import { createHash } from 'node:crypto';
import * as z from 'zod';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { resolveHealth } from '../http/probe-options.js';
import { isReadMethod, sendMethodNotAllowed } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import { parseOptions } from '../options.js';
import type { Health } from '../runner/health.js';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE, dashboardPage } from '../dashboard/page.js';

/** The dashboard's defaults. */
export const DASHBOARD_DEFAULTS = Object.freeze({
  title: 'Service health',
  /** Relative to the dashboard's path: `/health/dashboard` reads `/health/stream`. */
  streamUrl: 'stream',
});

// A path (with an optional query) or an absolute http(s) URL; never `javascript:` and co.
const isStreamUrl = (value: string) =>
  !/^[a-z][a-z0-9+.-]*:/i.test(value) || /^https?:\/\//i.test(value);

/** Schema of {@link DashboardOptions}. */
export const dashboardOptionsSchema = z.strictObject({
  title: z.string().min(1).max(200).optional(),
  streamUrl: z
    .string()
    .min(1)
    .max(2000)
    .refine(isStreamUrl, { message: 'expected a path or an http(s) URL' })
    .optional(),
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
 *   {@link healthRouter}.
 */
export type DashboardOptions = z.input<typeof dashboardOptionsSchema>;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * A status dashboard: one self-contained HTML page (no CDN, works offline) that follows
 * the {@link sseStream} with `EventSource` and shows the overall status in colour (UP
 * green, DEGRADED amber, DOWN red, all WCAG AA contrast), a table of components (status,
 * message, duration, last check), the time of the last event and a "connection lost,
 * retrying" state. Readable at phone width. Check messages are inserted as text, never
 * as HTML.
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
  resolveHealth('dashboard()', health);
  const parsed = parseOptions('dashboard()', dashboardOptionsSchema, options);
  const streamUrl = parsed.streamUrl ?? DASHBOARD_DEFAULTS.streamUrl;
  const streamOrigin = /^https?:\/\//i.test(streamUrl) ? ` ${new URL(streamUrl).origin}` : '';
  const body = Buffer.from(
    dashboardPage({ title: parsed.title ?? DASHBOARD_DEFAULTS.title, streamUrl }),
  );
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
  return function healthDashboard(req, res) {
    if (!isReadMethod(req)) return sendMethodNotAllowed(req, res);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
