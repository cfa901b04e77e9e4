import pTimeout from 'p-timeout';
import { describe } from '../describe.js';
import type { HealthStatus } from '../status.js';
import type { ResolvedCheck } from './check-options.js';
import type { CheckOutcome } from './events.js';
import { cleanMessage, WITHHELD_MESSAGE } from './messages.js';
import { normalizeResult } from './result.js';
import type { CheckFunction, CheckRunReport } from './types.js';

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
  /** Epoch milliseconds, for `checkedAt`. */
  readonly now: () => number;
  /** A clock that never jumps, for `durationMs`: `performance.now()` or the injected clock. */
  readonly monotonic: () => number;
}

/** A finished run: the report and how the run ended. */
export interface Execution {
  readonly component: CheckRunReport;
  readonly outcome: CheckOutcome;
}

/**
 * Runs one check once, bounded by its timeout. Never rejects: a throw, a rejection, a
 * timeout, an invalid result, or a thrown value that cannot even be read (a `Proxy`
 * whose traps throw) all become a DOWN report. A successful run slower than the check's
 * `degradedAfterMs` is DEGRADED.
 */
export async function executeCheck(
  check: ResolvedCheck,
  settings: ExecuteSettings,
): Promise<Execution> {
  const controller = new AbortController();
  const timeout = new CheckTimeoutError(check.timeoutMs);
  const startedAt = settings.monotonic();
  let status: HealthStatus;
  let message: string | undefined;
  let details: Readonly<Record<string, unknown>> | undefined;
  let timedOut = false;
  try {
    const value = await pTimeout(invoke(check.check, controller.signal), {
      milliseconds: check.timeoutMs,
      message: timeout,
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
    // Compared by identity: `instanceof` on a thrown Proxy may itself throw.
    if (error === timeout) {
      timedOut = true;
      controller.abort(timeout);
      message = timeout.message;
    } else {
      message = settings.exposeErrors ? describe(error, 'check failed') : WITHHELD_MESSAGE;
    }
  }
  const durationMs = Math.max(0, Math.round((settings.monotonic() - startedAt) * 10) / 10);
  if (
    status === 'UP' &&
    check.degradedAfterMs !== undefined &&
    durationMs > check.degradedAfterMs
  ) {
    status = 'DEGRADED';
    message = `slow: ${Math.round(durationMs)} ms (degraded after ${check.degradedAfterMs} ms)`;
  }
  const text = message === undefined ? '' : cleanMessage(message, settings.maxMessageLength);
  const component: CheckRunReport = Object.freeze({
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

/** A run that could not even be made (a fault of this library): DOWN, never a rejection. */
export function faultedRun(check: ResolvedCheck, error: unknown, now: number): Execution {
  return {
    component: Object.freeze({
      status: 'DOWN',
      message: `check could not run: ${describe(error)}`.slice(0, 300),
      critical: check.critical,
      durationMs: 0,
      checkedAt: new Date(now).toISOString(),
    }),
    outcome: 'failure',
  };
}

// An async wrapper turns a synchronous throw into a rejection.
async function invoke(check: CheckFunction, signal: AbortSignal): Promise<unknown> {
  return check({ signal });
}
