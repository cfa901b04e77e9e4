import type * as z from 'zod';
import type { checkTuningSchema } from '../runner/options.js';

/**
 * Tuning every built-in check accepts and passes on to its definition: `critical`
 * (defaults to `true`), `timeoutMs` and `cacheTtlMs` (default to the runner's).
 */
export type CheckTuning = z.input<typeof checkTuningSchema>;

/** The tuning fields of `options`, without the check-specific ones. */
export function pickTuning(options: CheckTuning): CheckTuning {
  const { critical, timeoutMs, cacheTtlMs } = options;
  return {
    ...(critical === undefined ? {} : { critical }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }),
  };
}
