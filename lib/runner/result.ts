import * as z from 'zod';
import { snapshotDetails } from './snapshot.js';
import type { CheckResult } from './types.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Schema of a {@link CheckResult} object returned by a check. */
export const checkResultSchema = z.strictObject({
  status: z.enum(['UP', 'DEGRADED', 'DOWN']),
  message: z.string().optional(),
  details: z
    .custom<Record<string, unknown>>(isPlainObject, { message: 'expected a plain object' })
    .optional(),
});

/** A check's return value, validated: either a result or the reason it is invalid. */
export type NormalizedResult =
  | { readonly valid: true; readonly result: CheckResult }
  | { readonly valid: false; readonly problem: string };

const UP: NormalizedResult = { valid: true, result: { status: 'UP' } };
const DOWN: NormalizedResult = { valid: true, result: { status: 'DOWN' } };
const SHAPE =
  "return nothing, a boolean or { status: 'UP' | 'DEGRADED' | 'DOWN', message?, details? }";

/**
 * Turns whatever a check returned into a {@link CheckResult}, or says why it cannot.
 * Never throws, whatever the value (a `Proxy` whose traps throw included).
 *
 * A value is read as a result only when it is shaped like one: an object with a string
 * `status`. Anything else that settled is UP (`false` is DOWN), so a check may return
 * what its driver resolved to (`() => pool.query('SELECT 1')`). `details` are snapshot
 * (see {@link snapshotDetails}).
 */
export function normalizeResult(value: unknown): NormalizedResult {
  if (value === false) return DOWN;
  if (typeof value !== 'object' || value === null) return UP;
  let parsed: ReturnType<typeof checkResultSchema.safeParse>;
  try {
    if (typeof (value as { status?: unknown }).status !== 'string') return UP;
    parsed = checkResultSchema.safeParse(value);
  } catch {
    return { valid: false, problem: `invalid check result: it could not be read; ${SHAPE}` };
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    return {
      valid: false,
      problem: `invalid check result: ${where}${issue?.message ?? 'unknown shape'}; ${SHAPE}`,
    };
  }
  const { details, ...rest } = parsed.data;
  if (details === undefined) return { valid: true, result: rest };
  const snapshot = snapshotDetails(details);
  if (!snapshot.ok) return { valid: false, problem: snapshot.problem };
  return { valid: true, result: { ...rest, details: snapshot.details } };
}
