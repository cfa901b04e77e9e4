// Masking of secrets in free text (error messages, check messages). Every function here is
// a hand-written scan, linear in its input, and reads at most MAX_SCANNED_CHARS of it:
// a message of any size, however it is made (`a.a.a…`, `a://a://…`, `=====`), costs
// at most one pass over a bounded prefix. No regular expression runs over the text.

/**
 * Most characters of a message that are scanned: the rest is cut before anything else
 * runs. Well above the largest `maxMessageLength` (10,000), so a cut is never seen in a
 * message that was not already going to be shortened.
 */
export const MAX_SCANNED_CHARS = 65_536;

/** Longest URL scheme recognised (`postgresql`, `mongodb+srv`, `amqps`...). */
const MAX_SCHEME = 32;
/** Longest `key` of a `key=value` pair that is looked at. */
const MAX_KEY = 64;
/** Longest user name shown beside a masked password; a longer one is masked too (a token). */
const MAX_SHOWN_USER = 24;

const MASK = '***';

// Keys whose values are secrets, in `key=value` pairs of plain text (libpq's `password=`,
// ODBC's `Pwd=`) and of URL queries (`?token=`, `&X-Amz-Signature=`). Tested on a key of
// at most MAX_KEY characters, lower-cased.
const SECRET_KEY =
  /password|passwd|pwd|secret|token|signature|credential|api[-_]?key|access[-_]?key|private[-_]?key|session[-_]?id|^(?:key|pass|sig|auth|authorization)$/;

/**
 * `text` cut to `maxChars` characters (default {@link MAX_SCANNED_CHARS}), marked with
 * `…` when cut. A URL that the cut splits is dropped whole: half of `user:password@host`
 * would no longer be recognised as one.
 */
export function boundText(text: string, maxChars = MAX_SCANNED_CHARS): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  let start = cut.length;
  while (start > 0 && !isSpace(cut.charCodeAt(start - 1))) start--;
  const tail = cut.slice(start);
  return `${tail.includes('://') ? cut.slice(0, start) : cut}…`;
}

/**
 * `text` with its secrets masked as `***`, for a message shown to people:
 *
 * - the userinfo of every URL, up to the last `@` of its authority (a password may hold an
 *   unencoded `@` or `/`): `postgres://app:***@db/x`; the user name is kept beside a
 *   masked password unless it is longer than 24 characters, and a user part alone is
 *   masked whole, since it is most often a token (`https://***@github.com`);
 * - the values of `key=value` pairs whose key names a secret (`password`, `pwd`, `secret`,
 *   `token`, `signature`, `key`, `api_key`, `auth`, ...), in plain text
 *   (`host=db password=*** dbname=x`) and in URL queries (`?token=***&page=2`).
 *
 * Errs on the side of masking: a URL whose path holds an `@` after a `:` may lose more
 * than its userinfo. Reads at most {@link MAX_SCANNED_CHARS} characters.
 */
export function maskSecrets(text: string): string {
  return maskPairs(rewriteUrls(boundText(text), 'mask'));
}

/**
 * `text` with every URL in it reduced to scheme, host, port and path, as
 * {@link redactUrl} shows a `URL`: userinfo (up to the last `@` of the authority), query
 * and fragment dropped, so `postgres://app:secret@db/app?sslpassword=x` reads
 * `postgres://db/app`. Punctuation after a URL is kept. Reads at most
 * {@link MAX_SCANNED_CHARS} characters.
 */
export function stripUrls(text: string): string {
  return rewriteUrls(boundText(text), 'strip');
}

/**
 * A URL as the checks and the CLI show it: scheme, host, port and path. The userinfo
 * (`user:password@`), the query string (where tokens travel) and the fragment are left
 * out, e.g. `https://api.example.com/health`.
 */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function rewriteUrls(text: string, mode: 'mask' | 'strip'): string {
  let out = '';
  let copied = 0;
  let from = 0;
  // The token (up to a space or a quote) around the current `://`, and its last `@`:
  // found once per token, however many `://` it holds.
  let tokenEnd = -1;
  let lastAt = -1;
  for (;;) {
    const separator = text.indexOf('://', from);
    if (separator === -1) break;
    const start = schemeStart(text, separator);
    const authority = separator + 3;
    if (start === separator) {
      from = authority;
      continue;
    }
    if (separator >= tokenEnd) {
      tokenEnd = authority;
      lastAt = -1;
      while (tokenEnd < text.length && !isTokenEnd(text.charCodeAt(tokenEnd))) {
        if (text.charCodeAt(tokenEnd) === AT) lastAt = tokenEnd;
        tokenEnd++;
      }
    }
    const at = userinfoEnd(text, authority, lastAt);
    if (mode === 'mask') {
      if (at === -1) {
        from = authority;
        continue;
      }
      out += text.slice(copied, authority) + maskedUserinfo(text.slice(authority, at));
      copied = at;
      from = at + 1;
      continue;
    }
    const host = at === -1 ? authority : at + 1;
    let end = host;
    while (end < tokenEnd && !isQueryStart(text.charCodeAt(end))) end++;
    // Punctuation after the URL belongs to the sentence, not to the query.
    let trailing = tokenEnd;
    while (trailing > end && isTrailingPunctuation(text.charCodeAt(trailing - 1))) trailing--;
    out += text.slice(copied, authority) + text.slice(host, end) + text.slice(trailing, tokenEnd);
    copied = tokenEnd;
    from = tokenEnd;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where the scheme before the `://` at `separator` starts; `separator` when there is none. */
function schemeStart(text: string, separator: number): number {
  let start = separator;
  while (start > 0 && separator - start < MAX_SCHEME && isSchemeChar(text.charCodeAt(start - 1)))
    start--;
  while (start < separator && !isLetter(text.charCodeAt(start))) start++;
  return start;
}

/**
 * The index of the `@` that ends the userinfo of the authority starting at `authority`,
 * or -1. `lastAt` is the last `@` of the token. A `/`, `?` or `#` before it ends the
 * authority, unless a `:` came first: then it is read as part of a password
 * (`amqp://svc:Ab/cd99@mq`), and otherwise the userinfo ends at the last `@` before it.
 */
function userinfoEnd(text: string, authority: number, lastAt: number): number {
  if (lastAt < authority) return -1;
  let colon = false;
  let at = -1;
  for (let i = authority; i < lastAt; i++) {
    const code = text.charCodeAt(i);
    if (code === COLON) colon = true;
    else if (code === AT) at = i;
    else if (code === SLASH || isQueryStart(code)) return colon ? lastAt : at;
  }
  return lastAt;
}

function maskedUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  if (colon === -1 || colon > MAX_SHOWN_USER) return MASK;
  return `${userinfo.slice(0, colon + 1)}${MASK}`;
}

/** Masks the values of `key=value` pairs whose key names a secret. */
function maskPairs(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const equals = text.indexOf('=', from);
    if (equals === -1) break;
    from = equals + 1;
    let keyEnd = equals;
    while (keyEnd > copied && equals - keyEnd < 4 && text.charCodeAt(keyEnd - 1) === SPACE)
      keyEnd--;
    let keyStart = keyEnd;
    while (
      keyStart > copied &&
      keyEnd - keyStart < MAX_KEY &&
      isKeyChar(text.charCodeAt(keyStart - 1))
    )
      keyStart--;
    if (keyStart === keyEnd || !SECRET_KEY.test(text.slice(keyStart, keyEnd).toLowerCase()))
      continue;
    let valueStart = equals + 1;
    while (
      valueStart < text.length &&
      valueStart - equals <= 4 &&
      text.charCodeAt(valueStart) === SPACE
    )
      valueStart++;
    const end = valueEnd(text, valueStart);
    if (end === valueStart) continue;
    out += `${text.slice(copied, valueStart)}${MASK}`;
    copied = end;
    from = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The end of the value starting at `start`: a quoted one runs to its closing quote. */
function valueEnd(text: string, start: number): number {
  const quote = text.charCodeAt(start);
  if (quote === SINGLE_QUOTE || quote === DOUBLE_QUOTE) {
    // An unclosed quote masks the rest of the text: its end cannot be known.
    for (let i = start + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === BACKSLASH) i++;
      else if (code === quote) return i + 1;
    }
    return text.length;
  }
  let end = start;
  while (end < text.length && !isValueEnd(text.charCodeAt(end))) end++;
  return end;
}

const SPACE = 0x20;
const AT = 0x40;
const COLON = 0x3a;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;

function isSpace(code: number): boolean {
  return code <= SPACE || code === 0x85 || code === 0xa0 || code === 0x2028 || code === 0x2029;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isSchemeChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x2b || code === 0x2d || code === 0x2e;
}

function isKeyChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === 0x2d || code === 0x2e;
}

/** What ends a URL in text: a space, a quote, a backtick or an angle bracket. */
function isTokenEnd(code: number): boolean {
  return (
    isSpace(code) ||
    code === SINGLE_QUOTE ||
    code === DOUBLE_QUOTE ||
    code === 0x60 ||
    code === 0x3c ||
    code === 0x3e
  );
}

function isQueryStart(code: number): boolean {
  return code === 0x3f || code === 0x23;
}

function isTrailingPunctuation(code: number): boolean {
  // ) , . ; : !
  return (
    code === 0x29 ||
    code === 0x2c ||
    code === 0x2e ||
    code === 0x3b ||
    code === COLON ||
    code === 0x21
  );
}

/** What ends an unquoted value: a space, a quote, `&`, `;`, `,` or a closing bracket. */
function isValueEnd(code: number): boolean {
  return (
    isTokenEnd(code) ||
    code === 0x26 ||
    code === 0x3b ||
    code === 0x2c ||
    code === 0x29 ||
    code === 0x5d ||
    code === 0x7d
  );
}
