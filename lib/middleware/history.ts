import * as z from 'zod';
import { historyBody } from '../format/history.js';
import { corsSchema, resolveCors, withCors } from '../http/cors.js';
import { guarded, type ContractHandler, type RequestView } from '../http/exchange.js';
import { nodeHandler } from '../http/node.js';
import { resolveHealth } from '../http/probe-options.js';
import {
  fixedAnswer,
  isReadMethod,
  METHOD_NOT_ALLOWED,
  NOT_FOUND,
  preparedAnswer,
  type Answer,
} from '../http/send.js';
import { detailsShown, showDetailsSchema } from '../http/show-details.js';
import type { HealthHandler } from '../http/types.js';
import { parseOptions } from '../options.js';
import type { Health } from '../runner/health.js';

/** Schema of {@link HistoryHandlerOptions}. */
export const historyOptionsSchema = z.strictObject({
  showDetails: showDetailsSchema.optional(),
  cors: corsSchema.optional(),
});

/**
 * Options of {@link history}.
 *
 * - `showDetails`: who sees the transitions' messages, as for the other routes (see
 *   `ShowDetails`). Defaults to `'always'`. Statuses, times, durations, uptime and
 *   flapping are always sent.
 * - `cors`: which other origins' pages may read the answer (see `CorsOption`). Defaults
 *   to `false`.
 */
export type HistoryHandlerOptions = z.input<typeof historyOptionsSchema>;

/** The longest `?check=` accepted, in characters. */
const MAX_NAME_LENGTH = 200;

/** What `GET /health/history` answers when the runner keeps no history (`history: false`). */
export const HISTORY_OFF = fixedAnswer(404, { error: 'history is off' });

/** The 400 answered for a bad `check` parameter. */
export const BAD_CHECK = fixedAnswer(400, {
  error: `invalid query parameter check: expected one check name of 1 to ${MAX_NAME_LENGTH} characters`,
  parameter: 'check',
});

/** `?check=` of `req`: `undefined` for every check, `null` when invalid. */
function checkParameter(req: RequestView): string | undefined | null {
  const url = req.url;
  const start = url.indexOf('?');
  if (start === -1) return undefined;
  const names = new URLSearchParams(url.slice(start + 1)).getAll('check');
  if (names.length === 0) return undefined;
  const name = names[0] ?? '';
  return names.length > 1 || name === '' || name.length > MAX_NAME_LENGTH ? null : name;
}

/**
 * The history of every check as JSON: `GET /health/history`, body {@link historyBodySchema}
 * (each check's last runs as columns, its status transitions, time-weighted uptime over
 * 5 min, 1 h and since start, and whether it is flapping; the same for the service's
 * aggregate status). `?check=<name>` gives one check's (404 `{"error":"not found"}` for
 * a name that is no check; a repeated or empty `check` is 400 `{"error","parameter"}`);
 * other parameters are ignored. Without details (`showDetails`), no messages. When the
 * runner keeps no history (`createHealth({ history: false })`): 404
 * `{"error":"history is off"}`. Always 200 otherwise, whatever the status: this is a
 * record, not a probe. `Cache-Control: no-store`; GET and HEAD only (405 otherwise).
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link HistoryHandlerOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * app.get('/health/history', history(health, { showDetails: 'never' }));
 * // curl 'http://localhost:3000/health/history?check=database'
 */
export function history(health: Health, options: HistoryHandlerOptions = {}): HealthHandler {
  return nodeHandler('healthHistory', historyContract(health, options));
}

/** The framework-free {@link history}: the contract every adapter serves. */
export function historyContract(
  health: Health,
  options: HistoryHandlerOptions = {},
): ContractHandler {
  const runner = resolveHealth('history()', health);
  const parsed = parseOptions('history()', historyOptionsSchema, options);
  const policy = parsed.showDetails ?? 'always';
  const answer = async (req: RequestView, check: string | undefined): Promise<Answer> => {
    const snapshot = runner.history(check === undefined ? {} : { check });
    if (snapshot === undefined) return runner.history() === undefined ? HISTORY_OFF : NOT_FOUND;
    const shown = await detailsShown(policy, req.native);
    return preparedAnswer(200, JSON.stringify(historyBody(snapshot, shown)));
  };
  return withCors(resolveCors(parsed.cors), function healthHistory(req) {
    if (!isReadMethod(req)) return METHOD_NOT_ALLOWED;
    const check = checkParameter(req);
    if (check === null) return BAD_CHECK;
    return guarded(req, () => answer(req, check), runner.logger);
  });
}
