import { fixedAnswer, isReadMethod, send, sendMethodNotAllowed } from '../http/send.js';
import type { HealthHandler } from '../http/types.js';

const ALIVE = fixedAnswer(200, { status: 'UP' });

/**
 * Liveness probe: answers 200 `{"status":"UP"}` as long as the process can answer at all.
 *
 * It runs no dependency check, on purpose: a liveness failure makes the kubelet restart
 * the container, and a database blip must not restart every pod. It also stays 200 while
 * shutting down, so a draining instance is not killed early. GET and HEAD only (405 else).
 *
 * @returns a {@link HealthHandler} answering from a body serialised once.
 * @example
 * app.get('/live', liveness());
 */
export function liveness(): HealthHandler {
  return function livenessProbe(req, res) {
    if (isReadMethod(req)) send(req, res, ALIVE);
    else sendMethodNotAllowed(req, res);
  };
}
