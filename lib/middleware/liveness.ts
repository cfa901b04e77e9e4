import { verboseText, VERBOSE_CONTENT_TYPE } from '../format/verbose.js';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import { isAnswer, parseProbeRequest } from '../http/request.js';
import { fixedAnswer, isReadMethod, send, sendMethodNotAllowed } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';
import type { HealthReport } from '../runner/types.js';

const ALIVE = fixedAnswer(200, { status: 'UP' });
// kube-apiserver's one liveness check: the process answers.
const PING: HealthReport = {
  status: 'UP',
  timestamp: '',
  uptimeSeconds: 0,
  components: {
    ping: {
      status: 'UP',
      critical: true,
      durationMs: 0,
      checkedAt: '',
      consecutiveFailures: 0,
      stale: false,
    },
  },
};
const NOTHING: HealthReport = { ...PING, components: {} };

/**
 * Liveness probe: answers 200 `{"status":"UP"}` as long as the process can answer at all.
 *
 * It runs no dependency check, on purpose: a liveness failure makes the kubelet restart
 * the container, and a database blip must not restart every pod. It also stays 200 while
 * shutting down, so a draining instance is not killed early. `?verbose` answers
 * `[+]ping ok` and `livez check passed`, as kube-apiserver's `/livez?verbose` does.
 * GET and HEAD only (405 otherwise).
 *
 * @returns a {@link HealthHandler} answering from a body serialised once. Called by a
 *   framework as a handler (`app.get('/live', liveness)`, without the call), it has the
 *   request answered 500 and reports the fix instead (README: "Mistakes caught for you").
 * @example
 * app.get('/live', liveness());
 */
export function liveness(): HealthHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'liveness()', "app.get('/live', liveness())")) return IGNORED;
  return function livenessProbe(req, res) {
    if (!isReadMethod(req)) return sendMethodNotAllowed(req, res);
    if (req.url === undefined || !req.url.includes('?')) return send(req, res, ALIVE);
    const request = parseProbeRequest(req);
    if (isAnswer(request)) return send(req, res, request);
    if (!request.verbose) return send(req, res, ALIVE);
    const report = request.exclude.includes('ping') ? NOTHING : PING;
    const unmatched = request.exclude.filter((name) => name !== 'ping');
    const body = verboseText('livez', report, true, ['ping'], unmatched);
    send(req, res, { statusCode: 200, body, contentType: VERBOSE_CONTENT_TYPE });
  };
}
