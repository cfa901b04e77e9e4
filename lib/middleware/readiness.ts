import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { probeBody } from '../format/components.js';
import { calledAsHandler, IGNORED } from '../http/misuse.js';
import {
  probeOptionsSchema,
  resolveHealthOrChecks,
  resolveParsedProbeOptions,
} from '../http/probe-options.js';
import { detailsFor, render } from '../http/render.js';
import { isAnswer, isPlain, parseProbeRequest, type ProbeRequest } from '../http/request.js';
import {
  fixedAnswer,
  isReadMethod,
  preparedAnswer,
  send,
  sendAsync,
  sendMethodNotAllowed,
  type Answer,
} from '../http/send.js';
import { withCors } from '../http/cors.js';
import type { HealthHandler } from '../http/types.js';
import { parseOptions } from '../options.js';
import { freshReport, type Health } from '../runner/health.js';
import type { Check, HealthReport } from '../runner/types.js';
import type { HealthStatus } from '../status.js';

const readinessOptionsSchema = probeOptionsSchema.extend({ check: z.string().optional() });

/**
 * Options of {@link readiness}: the {@link ProbeOptions}, and `check`, the name of one check
 * to answer for alone (`/ready/<name>`): its own status decides the code, so a DOWN
 * non-critical check answers 503 there. Defaults to all checks.
 */
export type ReadinessOptions = z.input<typeof readinessOptionsSchema>;

/**
 * Readiness probe: runs the checks (through the runner's cache and single-flight) and
 * answers `{"status","components":{name:{"status","message"}}}` with 200 when the
 * aggregate is UP or DEGRADED, 503 when it is DOWN or the runner is shutting down
 * (`"message":"shutting down"`). GET and HEAD only (405 otherwise).
 *
 * Per request, as kube-apiserver's `/readyz` does: `?verbose` answers text lines
 * (`[+]database ok` ... `readyz check passed`); `?exclude=<name>` (repeatable) leaves a
 * check out, without running it; `?format=health+json|servicekit|components` or
 * `Accept: application/health+json` picks the body. A bad `format` or `exclude` answers
 * 400 `{"error","parameter"}`, as does excluding the one check a `check` probe answers for.
 *
 * @param healthOrChecks - a {@link Health}, or a map of checks from which a runner of its
 *   own is built with the default options.
 * @param options - see {@link ReadinessOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option or check, a
 *   `check` that is not one of the runner's, or a first argument that is neither a
 *   {@link Health} nor a map of checks. Called by a framework as a handler
 *   (`app.get('/ready', readiness)`), it has the request answered 500 instead.
 * @example
 * app.get('/ready', readiness(health));
 * app.get('/ready/database', readiness(health, { check: 'database' }));
 */
export function readiness(
  healthOrChecks: Health | Record<string, Check>,
  options: ReadinessOptions = {},
): HealthHandler {
  // eslint-disable-next-line prefer-rest-params -- a framework calling it passes (req, res, next)
  if (calledAsHandler(arguments, 'readiness()', "app.get('/ready', readiness(health))")) {
    return IGNORED;
  }
  const health = resolveHealthOrChecks('readiness()', healthOrChecks);
  const { check, ...probeOptions } = parseOptions('readiness()', readinessOptionsSchema, options);
  const settings = resolveParsedProbeOptions(probeOptions);
  if (check !== undefined && !health.checkNames.includes(check)) {
    throw new HealthOptionsError(
      `readiness(): option \`check\` names no check: ${JSON.stringify(check)} is not one of ${health.checkNames.join(', ') || 'none'}.`,
      'check',
    );
  }
  // All checks are read per request: checks registered at run time count too.
  const single = check === undefined ? undefined : [check];
  // The one check asked for was unregistered since: nothing to answer for.
  const gone =
    check === undefined
      ? undefined
      : fixedAnswer(404, { error: `no check named ${JSON.stringify(check)} any more` });
  // Excluding the one check asked for would leave nothing to answer for: a 200 then
  // would say a DOWN critical check is ready.
  const excludesItself =
    check === undefined
      ? undefined
      : fixedAnswer(400, {
          error: `query parameter \`exclude\` names ${JSON.stringify(check)}, the one check this probe answers for`,
          parameter: 'exclude',
        });

  const answer = async (req: Parameters<HealthHandler>[0], request: ProbeRequest) => {
    const names = single ?? health.checkNames;
    if (gone !== undefined && !health.checkNames.includes(check as string)) return gone;
    const kept = names.filter((name) => !request.exclude.includes(name));
    const partial = check !== undefined || kept.length < names.length;
    const unmatched = request.exclude.filter((name) => !names.includes(name));
    const target = { compact: true, probe: 'readyz', names, unmatched } as const;
    const details = detailsFor(req, request, settings, target);
    const report = await health.run(partial ? { only: kept } : {});
    const status = check === undefined ? report.status : singleStatus(report, check);
    const shown = status === report.status ? report : { ...report, status };
    return render(request, shown, settings.statusCodes[status], settings, target, details);
  };

  // The probe's common case, a plain request for all checks, answers from the last body
  // serialised while the cached results are the same objects: no work per request.
  const memoizable =
    check === undefined &&
    typeof settings.showDetails === 'string' &&
    settings.format === 'components';
  // The runner hands out the same report while its results are fresh: nothing to compare.
  let last:
    { report: HealthReport; readonly key: readonly unknown[]; readonly answer: Answer } | undefined;
  const plainAnswer = (report: HealthReport): Answer => {
    if (last?.report === report) return last.answer;
    const key = [report.status, report.message, ...Object.values(report.components)];
    if (last !== undefined && sameItems(last.key, key)) {
      last.report = report;
      return last.answer;
    }
    const body = JSON.stringify(probeBody(report, settings.showDetails === 'always'));
    const statusCode = settings.statusCodes[report.status];
    last = { report, key, answer: preparedAnswer(statusCode, body) };
    return last.answer;
  };

  // With every result cached, answer without a promise; a throw (only a broken injected
  // clock) takes the asynchronous path, which answers 500 and logs it.
  const cachedAnswer = (): Answer | undefined => {
    try {
      const report = health[freshReport]();
      return report === undefined ? undefined : plainAnswer(report);
    } catch {
      return undefined;
    }
  };

  return withCors(settings.cors, function readinessProbe(req, res) {
    if (!isReadMethod(req)) return sendMethodNotAllowed(req, res);
    const request = parseProbeRequest(req);
    if (isAnswer(request)) return send(req, res, request);
    if (excludesItself !== undefined && request.exclude.includes(check ?? '')) {
      return send(req, res, excludesItself);
    }
    if (memoizable && isPlain(request)) {
      const answered = cachedAnswer();
      if (answered !== undefined) return send(req, res, answered);
      return sendAsync(req, res, () => health.run().then(plainAnswer), health.logger);
    }
    sendAsync(req, res, () => answer(req, request), health.logger);
  });
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function singleStatus(report: HealthReport, name: string): HealthStatus {
  if (report.message !== undefined) return 'DOWN';
  return report.components[name]?.status ?? 'UP';
}
