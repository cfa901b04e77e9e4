import { probeBody } from '../format/components.js';
import { resolveHealth, resolveProbeOptions, type ProbeOptions } from '../http/probe-options.js';
import { fixedAnswer, isReadMethod, sendAsync, sendMethodNotAllowed } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import { SHUTTING_DOWN_MESSAGE, type Health } from '../runner/health.js';

/**
 * Startup probe, for a Kubernetes `startupProbe`: answers the readiness body with the
 * DOWN status code until the first run in which no critical check is DOWN (or until
 * `health.markStarted()`), then 200 `{"status":"UP"}` for good without running checks
 * again: the latch never resets. While shutting down it answers DOWN `"shutting down"`.
 * GET and HEAD only (405 otherwise).
 *
 * A critical check that is DEGRADED counts as started: readiness already answers 200 then,
 * and a startup probe that never passes would have the kubelet restart a serving pod.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link ProbeOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * app.get('/startup', startup(health));
 */
export function startup(health: Health, options: ProbeOptions = {}): HealthHandler {
  const runner = resolveHealth('startup()', health);
  const { statusCodes } = resolveProbeOptions('startup()', options);
  const started = fixedAnswer(statusCodes.UP, { status: 'UP' });
  const stopping = fixedAnswer(statusCodes.DOWN, {
    status: 'DOWN',
    message: SHUTTING_DOWN_MESSAGE,
  });
  const answer = async () => {
    if (runner.shuttingDown) return stopping;
    if (runner.started) return started;
    const report = await runner.run();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- run() sets the latch
    if (runner.started) return started;
    return {
      statusCode: statusCodes.DOWN,
      body: JSON.stringify(probeBody({ ...report, status: 'DOWN' })),
    };
  };
  return function startupProbe(req, res) {
    if (isReadMethod(req)) sendAsync(req, res, answer, runner.logger);
    else sendMethodNotAllowed(req, res);
  };
}
