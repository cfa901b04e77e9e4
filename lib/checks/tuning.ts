import type * as z from 'zod';
import { checkTuningSchema } from '../runner/options.js';

/**
 * Tuning every built-in check accepts and passes on to its definition: `critical`
 * (defaults to `true`), `timeoutMs`, `cacheTtlMs` and the behaviour over time
 * (`intervalMs`, `initialDelayMs`, `staleWhileRevalidateMs`, `failureThreshold`,
 * `successThreshold`, `backoff`, `degradedAfterMs`), which default to the runner's.
 */
export type CheckTuning = z.input<typeof checkTuningSchema>;

const TUNING_KEYS = Object.keys(checkTuningSchema.shape) as (keyof CheckTuning)[];

/** The tuning fields of `options` that are set, without the check-specific ones. */
export function pickTuning(options: CheckTuning): CheckTuning {
  const tuning: Record<string, unknown> = {};
  for (const key of TUNING_KEYS) {
    if (options[key] !== undefined) tuning[key] = options[key];
  }
  return tuning;
}
