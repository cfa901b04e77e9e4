import type { IncomingMessage } from 'node:http';
import pTimeout from 'p-timeout';
import * as z from 'zod';
import { HEALTH_DEFAULTS } from '../runner/options.js';

/**
 * Who sees messages and details, like Spring Boot's `show-details`:
 *
 * - `'always'` (the default): everyone.
 * - `'never'`: nobody; responses carry the overall and per-component status only.
 * - a function `(req) => boolean | Promise<boolean>`: decided per request, e.g. from an
 *   authenticated session or a source address. A function that throws or rejects denies,
 *   as does one whose promise has not settled after {@link SHOW_DETAILS_TIMEOUT_MS}.
 *
 * The probes themselves never need credentials: status codes and statuses are always sent.
 */
export type ShowDetails =
  'always' | 'never' | ((req: IncomingMessage) => boolean | Promise<boolean>);

/** Schema of {@link ShowDetails}. */
export const showDetailsSchema = z.union([
  z.literal('always'),
  z.literal('never'),
  z.custom<(req: IncomingMessage) => boolean | Promise<boolean>>(
    (value) => typeof value === 'function',
    { message: "expected 'always', 'never' or a function (req) => boolean" },
  ),
]);

/**
 * How long a `showDetails` function's promise may take, in milliseconds, before the
 * request is answered without details: the default `timeoutMs` of a check (800), which a
 * probe's checks also stay within, below the kubelet's default 1 s probe timeout. The
 * handlers ask while the checks run, so the two waits overlap.
 */
export const SHOW_DETAILS_TIMEOUT_MS = HEALTH_DEFAULTS.timeoutMs;

const deny = () => false;

/**
 * Resolves the policy for one request; never rejects, and settles within `timeoutMs`
 * (denying then). A function that answers synchronously costs no timer.
 */
export function detailsShown(
  policy: ShowDetails,
  req: IncomingMessage,
  timeoutMs: number = SHOW_DETAILS_TIMEOUT_MS,
): Promise<boolean> {
  if (policy === 'always') return Promise.resolve(true);
  if (policy === 'never') return Promise.resolve(false);
  try {
    const decision: unknown = policy(req);
    // Only a real `true` allows: a JS caller's truthy string or object must not.
    if (!isThenable(decision)) return Promise.resolve(decision === true);
    return pTimeout(Promise.resolve(decision), { milliseconds: timeoutMs, fallback: deny }).then(
      (allowed: unknown) => allowed === true,
      deny,
    );
  } catch {
    return Promise.resolve(false);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
