import { INTERNAL_ERROR, isReadMethod, send, sendMethodNotAllowed } from '../http/send.js';
import { describe } from '../describe.js';
import type { HealthHandler } from '../http/types.js';
import type { HealthLogger } from '../runner/options.js';
import type { MetricsRegistry } from './prom-client.js';

/**
 * Serves `registry.metrics()` with the registry's `Content-Type` and
 * `Cache-Control: no-store`. GET and HEAD only (405 with `Allow: GET, HEAD` otherwise).
 * When collecting fails, answers 500 `{"status":"DOWN","error":"internal error"}` and
 * logs the reason to `logger`: the scraper never sees the error.
 */
export function metricsHandler(registry: MetricsRegistry, logger?: HealthLogger): HealthHandler {
  return function serveMetrics(req, res) {
    if (!isReadMethod(req)) return sendMethodNotAllowed(req, res);
    // The registry is the app's: a synchronous throw, a non-promise or a non-string
    // answer is a 500 like a rejection, never an exception in the server.
    (async () => registry.metrics())()
      .then((text: unknown) => {
        if (typeof text !== 'string') throw new TypeError('metrics() did not resolve to a string');
        if (res.headersSent) return;
        const body = Buffer.from(text);
        res.writeHead(200, {
          'Content-Type': registry.contentType,
          'Cache-Control': 'no-store',
          'Content-Length': body.length,
        });
        if (req.method === 'HEAD') res.end();
        else res.end(body);
      })
      .catch((error: unknown) => {
        send(req, res, INTERNAL_ERROR);
        try {
          logger?.error(
            { error: describe(error) },
            'health-probes: collecting metrics failed, answered 500',
          );
        } catch {
          // Nothing more can be done for a logger that throws.
        }
      });
  };
}
