import type { IncomingMessage } from 'node:http';
import * as z from 'zod';

/**
 * Who sees messages and details, like Spring Boot's `show-details`:
 *
 * - `'always'` (the default): everyone.
 * - `'never'`: nobody; responses carry the overall and per-component status only.
 * - a function `(req) => boolean | Promise<boolean>`: decided per request, e.g. from an
 *   authenticated session or a source address. A function that throws or rejects denies.
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

/** Resolves the policy for one request; never rejects. */
export async function detailsShown(policy: ShowDetails, req: IncomingMessage): Promise<boolean> {
  if (policy === 'always') return true;
  if (policy === 'never') return false;
  try {
    // Only a real `true` allows: a JS caller's truthy string or object must not.
    const allowed: unknown = await policy(req);
    return allowed === true;
  } catch {
    return false;
  }
}
