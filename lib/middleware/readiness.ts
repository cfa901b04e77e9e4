import { probeBody } from '../format/components.js';
import { resolveHealth, resolveProbeOptions, type ProbeOptions } from '../http/probe-options.js';
import { isReadMethod, sendAsync, sendMethodNotAllowed } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import type { Health } from '../runner/health.js';
import type { Check } from '../runner/types.js';

/**
 * Readiness probe: runs the checks (through the runner's cache and single-flight) and
 * answers `{"status","components":{name:{"status","message"}}}` with 200 when the
 * aggregate is UP or DEGRADED, 503 when it is DOWN or the runner is shutting down
 * (`"message":"shutting down"`). GET and HEAD only (405 otherwise).
 *
 * @param healthOrChecks - a {@link Health}, or a map of checks from which a runner of its
 *   own is built with the default options.
 * @param options - see {@link ProbeOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option or check.
 * @example
 * app.get('/ready', readiness(health));
 */
export function readiness(
  healthOrChecks: Health | Record<string, Check>,
  options: ProbeOptions = {},
): HealthHandler {
  const health = resolveHealth('readiness()', healthOrChecks);
  const { statusCodes } = resolveProbeOptions('readiness()', options);
  const answer = async () => {
    const report = await health.run();
    return { statusCode: statusCodes[report.status], body: JSON.stringify(probeBody(report)) };
  };
  return function readinessProbe(req, res) {
    if (isReadMethod(req)) sendAsync(req, res, answer, health.logger);
    else sendMethodNotAllowed(req, res);
  };
}
