/** Text that replaces error messages when `exposeErrors` is `false`. */
export const WITHHELD_MESSAGE = 'check failed (reason withheld)';

const STACK_FRAME = /^\s*at\s/;
// The password in `scheme://user:password@host`, as driver errors quote connection strings.
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]*@/gi;

/**
 * One line of text for a component message: stack frames dropped, credentials in URLs
 * masked, whitespace folded, capped at `maxLength`.
 */
export function cleanMessage(text: string, maxLength: number): string {
  const line = text
    .split('\n')
    .filter((part) => !STACK_FRAME.test(part))
    .join(' ')
    .replace(URL_CREDENTIALS, '$1***@')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

/** The message of a thrown value, never its stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.message !== '') return error.message;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  if (typeof error === 'string') return error;
  return 'check failed';
}
