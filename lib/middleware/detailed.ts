import { resolveHealth, resolveProbeOptions, type ProbeOptions } from '../http/probe-options.js';
import { isReadMethod, sendAsync, sendMethodNotAllowed } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import type { Health } from '../runner/health.js';

/**
 * Detailed health, for people and dashboards: the whole {@link HealthReport}
 * (`status`, `timestamp`, `uptimeSeconds`, `version`, and per component `status`,
 * `message`, `critical`, `durationMs`, `checkedAt`, `details`), with the same status codes
 * as {@link readiness}. GET and HEAD only (405 otherwise).
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link ProbeOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * app.get('/health', detailed(health));
 */
export function detailed(health: Health, options: ProbeOptions = {}): HealthHandler {
  const runner = resolveHealth('detailed()', health);
  const { statusCodes } = resolveProbeOptions('detailed()', options);
  const answer = async () => {
    const report = await runner.run();
    return { statusCode: statusCodes[report.status], body: JSON.stringify(report) };
  };
  return function detailedHealth(req, res) {
    if (isReadMethod(req)) sendAsync(req, res, answer, runner.logger);
    else sendMethodNotAllowed(req, res);
  };
}
