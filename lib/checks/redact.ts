// Any absolute URL in a message: scheme, optional userinfo, host, then up to a space or quote.
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^/\s'"]*@)?([^\s'"]*)/gi;

/**
 * A URL as the checks show it in messages and details: scheme, host, port and path. The
 * userinfo (`user:password@`), the query string (where tokens travel) and the fragment
 * are left out, e.g. `https://api.example.com/health`.
 */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * `text` with every URL in it stripped of its userinfo and query string, so a driver
 * error quoting a connection string (`postgres://app:secret@db/app?sslpassword=x`)
 * reads `postgres://db/app`.
 */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (_match, scheme: string, rest: string) => {
    const end = rest.search(/[?#]/);
    if (end === -1) return `${scheme}${rest}`;
    // Punctuation after the URL belongs to the sentence, not to the query.
    const trailing = /[),.;:!]*$/.exec(rest.slice(end))?.[0] ?? '';
    return `${scheme}${rest.slice(0, end)}${trailing}`;
  });
}

/**
 * One line saying why a driver call failed, for a component message: the error's message,
 * or the first inner error of an `AggregateError` (Node's dual-stack connect to
 * `localhost`), or the `cause` of `fetch`'s bare `'fetch failed'`; then `code`, then the
 * name as a last resort. URLs are passed through {@link redactUrls}; stacks never appear.
 */
export function describeError(error: unknown): string {
  return redactUrls(errorText(error, 0));
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
  if (error.message !== '') return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
