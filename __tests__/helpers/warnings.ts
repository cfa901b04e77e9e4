import { vi } from 'vitest';

/** Process warnings captured instead of printed; see {@link captureWarnings}. */
export interface CapturedWarnings {
  /** The message of each warning, in order. */
  readonly messages: string[];
  /** Puts the real `process.emitWarning` back. */
  readonly restore: () => void;
}

/**
 * Captures what `process.emitWarning` is given until `restore()`, without printing it: a
 * test that causes a warning on purpose asserts it instead, so a passing run prints no
 * `Warning: health-probes` line and an unexpected warning still shows.
 */
export function captureWarnings(): CapturedWarnings {
  const messages: string[] = [];
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error) => {
    messages.push(typeof warning === 'string' ? warning : warning.message);
  });
  return { messages, restore: () => spy.mockRestore() };
}
