import * as z from 'zod';
import type { CheckResult } from './types.js';

/** Schema of a {@link CheckResult} object returned by a check. */
export const checkResultSchema = z.strictObject({
  status: z.enum(['UP', 'DEGRADED', 'DOWN']),
  message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A check's return value, validated: either a result or the reason it is invalid. */
export type NormalizedResult =
  | { readonly valid: true; readonly result: CheckResult }
  | { readonly valid: false; readonly problem: string };

const UP: NormalizedResult = { valid: true, result: { status: 'UP' } };
const DOWN: NormalizedResult = { valid: true, result: { status: 'DOWN' } };

/** Turns whatever a check returned into a {@link CheckResult}, or says why it cannot. */
export function normalizeResult(value: unknown): NormalizedResult {
  if (value === false) return DOWN;
  if (typeof value !== 'object' || value === null) return UP;
  const parsed = checkResultSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    return {
      valid: false,
      problem: `invalid check result: ${where}${issue?.message ?? 'unknown shape'}; return nothing, a boolean or { status: 'UP' | 'DEGRADED' | 'DOWN', message?, details? }`,
    };
  }
  if (parsed.data.details !== undefined && !isSerializable(parsed.data.details)) {
    return { valid: false, problem: 'invalid check result: details are not JSON-serialisable' };
  }
  return { valid: true, result: parsed.data };
}

function isSerializable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
