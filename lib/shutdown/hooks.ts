import { describe } from '../describe.js';
import type { ShutdownHook } from './options.js';
import { aborted } from './timers.js';

/**
 * Runs the hooks in order, each until it settles or `deadline` aborts; never rejects.
 * Returns what the hooks that settled in time threw. Past the deadline a hook is still
 * called, so a synchronous release (`pool.end()`) happens, but nothing waits for it.
 */
export async function runHooks(
  hooks: readonly ShutdownHook[],
  deadline: AbortSignal,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  const late = (outcome: HookOutcome) => {
    if (outcome.failed)
      warn(`an onShutdown hook failed after the deadline: ${describe(outcome.error)}`);
  };
  for (const hook of hooks) {
    const settled = settle(hook, deadline);
    if (deadline.aborted) {
      void settled.then(late);
      continue;
    }
    const outcome = await Promise.race([settled, aborted(deadline).then(() => undefined)]);
    if (outcome === undefined) {
      warn('an onShutdown hook was still running at the deadline; it was abandoned');
      void settled.then(late);
    } else if (outcome.failed) {
      errors.push(outcome.error);
      warn(`an onShutdown hook failed: ${describe(outcome.error)}`);
    }
  }
  return errors;
}

type HookOutcome = { readonly failed: false } | { readonly failed: true; readonly error: unknown };

/** Calls `hook` now; resolves (never rejects) once what it returned has settled. */
function settle(hook: ShutdownHook, signal: AbortSignal): Promise<HookOutcome> {
  try {
    return Promise.resolve(hook({ signal })).then(
      (): HookOutcome => ({ failed: false }),
      (error: unknown): HookOutcome => ({ failed: true, error }),
    );
  } catch (error) {
    return Promise.resolve({ failed: true, error });
  }
}

/** Reports through `process.emitWarning`, as the runner does: visible, never thrown. */
export function warn(message: string): void {
  process.emitWarning(`health-probes: ${message}`);
}
