import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { resolveHealth, resolveProbeOptions, type ProbeOptions } from '../http/probe-options.js';
import { detailsFor, render } from '../http/render.js';
import { isAnswer, parseProbeRequest, type ProbeRequest } from '../http/request.js';
import { isReadMethod, send, sendAsync, sendMethodNotAllowed } from '../http/send.js';
import { withCors } from '../http/cors.js';
import type { HealthHandler } from '../http/types.js';
import type { Health } from '../runner/health.js';

/**
 * Detailed health, for people and dashboards: the whole {@link HealthReport}
 * (`status`, `timestamp`, `uptimeSeconds`, `version`, and per component `status`,
 * `message`, `critical`, `durationMs`, `checkedAt`, `details`), with the same status codes
 * as {@link readiness}. `?format=` or `Accept: application/health+json` picks another
 * body; `showDetails` decides who sees messages and details. GET and HEAD only.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link ProbeOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option, or a first argument
 *   that is not a {@link Health} (a plain object is not one). Called by a framework as a
 *   handler (`app.get('/health', detailed)`), it has the request answered 500 instead.
 * @example
 * app.get('/health', detailed(health, { showDetails: (req) => req.socket.remoteAddress === '127.0.0.1' }));
 */
export function detailed(health: Health, options: ProbeOptions = {}): HealthHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'detailed()', "app.get('/health', detailed(health))")) {
    return IGNORED;
  }
  const runner = resolveHealth('detailed()', health);
  const settings = resolveProbeOptions('detailed()', options);
  const target = { compact: false, probe: undefined, names: [], unmatched: [] };
  const answer = async (req: Parameters<HealthHandler>[0], request: ProbeRequest) => {
    const details = detailsFor(req, request, settings, target);
    const report = await runner.run();
    return render(request, report, settings.statusCodes[report.status], settings, target, details);
  };
  return withCors(settings.cors, function detailedHealth(req, res) {
    if (!isReadMethod(req)) return sendMethodNotAllowed(req, res);
    const request = parseProbeRequest(req);
    if (isAnswer(request)) return send(req, res, request);
    sendAsync(req, res, () => answer(req, request), runner.logger);
  });
}
