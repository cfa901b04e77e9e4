import { stripUrls } from '../mask-secrets.js';

/**
 * `text` with every URL in it stripped of its userinfo (up to the last `@` of the
 * authority), query string and fragment, so a driver error quoting a connection string
 * (`postgres://app:secret@db/app?sslpassword=x`) reads `postgres://db/app`. Linear in the
 * text, of which at most the first 65,536 characters are read (see `stripUrls`).
 */
export function redactUrls(text: string): string {
  return stripUrls(text);
}

/**
 * One line saying why a driver call failed, for a component message: the error's message,
 * or the first inner error of an `AggregateError` (Node's dual-stack connect to
 * `localhost`), or the `cause` of `fetch`'s bare `'fetch failed'`; then `code`, then the
 * name as a last resort; `'unknown error'` for anything else, or for a value whose
 * properties cannot be read (a throwing getter or `Proxy` trap). URLs are passed through
 * {@link redactUrls}; stacks never appear. Never throws.
 */
export function describeError(error: unknown): string {
  let text: string;
  try {
    text = errorText(error, 0);
  } catch {
    text = 'unknown error';
  }
  return redactUrls(text);
}

function errorText(error: unknown, depth: number): string {
  if (typeof error === 'string') return error;
  if (!(error instanceof Error)) return 'unknown error';
  if (depth < 3) {
    if (error instanceof AggregateError && error.errors.length > 0) {
      return errorText(error.errors[0], depth + 1);
    }
    if (error.message === 'fetch failed' && error.cause !== undefined) {
      return errorText(error.cause, depth + 1);
    }
  }
  if (typeof error.message === 'string' && error.message !== '') return error.message;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  return typeof error.name === 'string' ? error.name : 'unknown error';
}
