import pTimeout from 'p-timeout';
import type { HealthStatus } from '../status.js';
import { cleanMessage, errorMessage, WITHHELD_MESSAGE } from './messages.js';
import type { CheckOutcome } from './events.js';
import type { ResolvedCheck } from './options.js';
import { normalizeResult } from './result.js';
import type { CheckFunction, ComponentReport } from './types.js';

/**
 * The reason a check's `AbortSignal` is aborted with when its run passes `timeoutMs`.
 * `code` is `'ERR_HEALTH_CHECK_TIMEOUT'`.
 */
export class CheckTimeoutError extends Error {
  /** Stable machine-readable code: `'ERR_HEALTH_CHECK_TIMEOUT'`. */
  readonly code = 'ERR_HEALTH_CHECK_TIMEOUT';
  /** The bound that was passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'CheckTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** How the runner wants messages and times handled. */
export interface ExecuteSettings {
  readonly exposeErrors: boolean;
  readonly maxMessageLength: number;
  readonly now: () => number;
}

/** A finished run: the report and how the run ended. */
export interface Execution {
  readonly component: ComponentReport;
  readonly outcome: CheckOutcome;
}

/**
 * Runs one check once, bounded by its timeout. Never rejects: a throw, a rejection, a
 * timeout or an invalid result all become a DOWN report.
 */
export async function executeCheck(
  check: ResolvedCheck,
  settings: ExecuteSettings,
): Promise<Execution> {
  const controller = new AbortController();
  const startedAt = performance.now();
  let status: HealthStatus;
  let message: string | undefined;
  let details: Record<string, unknown> | undefined;
  let timedOut = false;
  try {
    const value = await pTimeout(invoke(check.check, controller.signal), {
      milliseconds: check.timeoutMs,
      message: new CheckTimeoutError(check.timeoutMs),
    });
    const normalized = normalizeResult(value);
    if (normalized.valid) {
      ({ status, message, details } = normalized.result);
    } else {
      status = 'DOWN';
      message = normalized.problem;
    }
  } catch (error) {
    status = 'DOWN';
    if (error instanceof CheckTimeoutError) {
      timedOut = true;
      controller.abort(error);
      message = error.message;
    } else {
      message = settings.exposeErrors ? errorMessage(error) : WITHHELD_MESSAGE;
    }
  }
  const durationMs = Math.round((performance.now() - startedAt) * 10) / 10;
  const text = message === undefined ? '' : cleanMessage(message, settings.maxMessageLength);
  const component: ComponentReport = Object.freeze({
    status,
    ...(text === '' ? {} : { message: text }),
    critical: check.critical,
    durationMs,
    checkedAt: new Date(settings.now()).toISOString(),
    ...(details === undefined ? {} : { details }),
  });
  const outcome = timedOut ? 'timeout' : status === 'DOWN' ? 'failure' : 'success';
  return { component, outcome };
}

// An async wrapper turns a synchronous throw into a rejection.
async function invoke(check: CheckFunction, signal: AbortSignal): Promise<unknown> {
  return check({ signal });
}
