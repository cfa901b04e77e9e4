import { describe } from '../describe.js';
import { boundText, maskSecrets } from '../mask-secrets.js';

/** Text that replaces error messages when `exposeErrors` is `false`. */
export const WITHHELD_MESSAGE = 'check failed (reason withheld)';

// Anchored, one pass per line: linear.
const STACK_FRAME = /^\s*at\s/;

/**
 * One line of text for a component message: cut to the first `MAX_SCANNED_CHARS`
 * (65,536) characters before anything else runs, stack frames dropped, secrets masked
 * (see `maskSecrets`: URL userinfo, `password=` pairs, token-like query values),
 * whitespace folded, capped at `maxLength`. Linear in the bounded text: a message of any
 * size costs the same as one of 64 KiB.
 */
export function cleanMessage(text: string, maxLength: number): string {
  const line = maskSecrets(
    boundText(text)
      .split('\n')
      .filter((part) => !STACK_FRAME.test(part))
      .join(' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

/**
 * The message of a thrown value, never its stack: its `message` when that is a non-empty
 * string (read once, whole: cleaning bounds it), otherwise what `describe()` says, with
 * `'check failed'` for a value nothing can be read from. Never throws, whatever was thrown.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    try {
      const message = (error as { message?: unknown }).message;
      if (typeof message === 'string' && message !== '') return message;
    } catch {
      // A getter that throws: describe() reads what else there is.
    }
  }
  return describe(error, 'check failed');
}
