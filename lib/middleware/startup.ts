import { probeBody } from '../format/components.js';
import { verboseText, VERBOSE_CONTENT_TYPE } from '../format/verbose.js';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { resolveHealth, resolveProbeOptions, type ProbeOptions } from '../http/probe-options.js';
import { isAnswer, parseProbeRequest, type ProbeRequest } from '../http/request.js';
import {
  fixedAnswer,
  isReadMethod,
  send,
  sendAsync,
  sendMethodNotAllowed,
  type Answer,
} from '../http/send.js';
import { detailsShown } from '../http/show-details.js';
import { withCors } from '../http/cors.js';
import type { HealthHandler } from '../http/types.js';
import { SHUTTING_DOWN_MESSAGE, type Health } from '../runner/health.js';

/**
 * Startup probe, for a Kubernetes `startupProbe`: answers the readiness body with the
 * DOWN status code until the first run in which no critical check is DOWN (or until
 * `health.markStarted()`), then 200 `{"status":"UP"}` for good without running checks
 * again: the latch never resets. While shutting down it answers DOWN `"shutting down"`.
 * `?verbose` answers text lines ending in `startupz check passed|failed`. GET and HEAD only.
 *
 * A critical check that is DEGRADED counts as started: readiness already answers 200 then,
 * and a startup probe that never passes would have the kubelet restart a serving pod.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link ProbeOptions} (`format` does not apply: always the component JSON).
 * @throws {HealthOptionsError} at construction, for an invalid option, or a first argument
 *   that is not a {@link Health} (a plain object is not one). Called by a framework as a
 *   handler (`app.get('/startup', startup)`), it has the request answered 500 instead.
 * @example
 * app.get('/startup', startup(health));
 */
export function startup(health: Health, options: ProbeOptions = {}): HealthHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'startup()', "app.get('/startup', startup(health))")) {
    return IGNORED;
  }
  const runner = resolveHealth('startup()', health);
  const settings = resolveProbeOptions('startup()', options);
  const { UP, DOWN } = settings.statusCodes;
  const started = fixedAnswer(UP, { status: 'UP' });
  const stopping = fixedAnswer(DOWN, { status: 'DOWN', message: SHUTTING_DOWN_MESSAGE });
  const text = (statusCode: number, body: string): Answer => ({
    statusCode,
    body,
    contentType: VERBOSE_CONTENT_TYPE,
  });
  const startedText = text(UP, '[+]started ok\nstartupz check passed\n');
  const stoppingText = text(DOWN, '[-]shutdown failed: reason withheld\nstartupz check failed\n');

  const answer = async (req: Parameters<HealthHandler>[0], request: ProbeRequest) => {
    if (runner.shuttingDown) return request.verbose ? stoppingText : stopping;
    if (runner.started) return request.verbose ? startedText : started;
    // Asked while the checks run; a verbose answer shows no details, so it needs none.
    const details = request.verbose ? undefined : detailsShown(settings.showDetails, req);
    const report = await runner.run();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- run() sets the latch
    if (runner.started) return request.verbose ? startedText : started;
    if (request.verbose) {
      return text(DOWN, verboseText('startupz', report, false, runner.checkNames, []));
    }
    const show = (await details) === true;
    return {
      statusCode: DOWN,
      body: JSON.stringify(probeBody({ ...report, status: 'DOWN' }, show)),
    };
  };

  return withCors(settings.cors, function startupProbe(req, res) {
    if (!isReadMethod(req)) return sendMethodNotAllowed(req, res);
    const request = parseProbeRequest(req);
    if (isAnswer(request)) return send(req, res, request);
    sendAsync(req, res, () => answer(req, request), runner.logger);
  });
}
