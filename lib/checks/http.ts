import * as z from 'zod';
import { takeBasicCredentials } from '../basic-auth.js';
import { HealthOptionsError } from '../errors.js';
import { ownRecord, parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import { elapsedMs } from './probe.js';
import { redactUrl } from '../mask-secrets.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const statusCode = z.number().int().min(100).max(599);

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const httpSchema = z.lazy(() =>
  checkTuningSchema.extend({
    method: z.enum(['GET', 'HEAD']).optional(),
    expectedStatus: z.union([statusCode, z.array(statusCode).min(1)]).optional(),
    followRedirects: z.boolean().optional(),
    headers: ownRecord(z.string(), z.string()).optional(),
    expectBody: z
      .custom<(body: string) => boolean>((value) => typeof value === 'function', {
        message: 'expected a function',
      })
      .optional(),
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(16 * 1024 * 1024)
      .optional(),
  }),
);

/**
 * Options of {@link http}.
 *
 * - `method`: `'GET'` or `'HEAD'`. Defaults to `'GET'`.
 * - `expectedStatus`: the status code, or list of codes, that means UP. Defaults to any
 *   `2xx`.
 * - `followRedirects`: whether to follow redirects; when `false` a `3xx` is the answer
 *   judged (DOWN unless expected). Defaults to `false`.
 * - `headers`: request headers, e.g. `{ authorization: 'Bearer …' }`. Defaults to none.
 * - `expectBody`: called with the body as text (up to `maxBodyBytes`); returning `false`
 *   makes the check DOWN. Defaults to none: the body is not read.
 * - `maxBodyBytes`: how much of the body `expectBody` sees, in bytes, 1 to 16 MiB.
 *   Defaults to `65536`.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type HttpOptions = z.input<typeof httpSchema>;

const DEFAULT_MAX_BODY_BYTES = 65_536;

/**
 * Checks an HTTP upstream with Node's `fetch`: one request, the check's `AbortSignal`
 * wired into it, so a timeout closes the connection and the body stream.
 *
 * A user and password in `url` are sent as `Authorization: Basic` (unless `headers` has
 * an `authorization`), since `fetch` refuses URLs with credentials. Messages and details
 * show the URL without its credentials and query string.
 *
 * Details: `url` (without credentials and query), `statusCode`, `latencyMs` (until the
 * headers arrive, or the body was read for `expectBody`, in milliseconds).
 *
 * @param url - an `http:` or `https:` URL, as a string or a `URL`.
 * @param options - see {@link HttpOptions}.
 * @throws {HealthOptionsError} when `url` is not an http(s) URL or an option is invalid.
 * @example
 * createHealth({
 *   checks: { payments: checks.http('http://payments:8080/health/ready', { timeoutMs: 500 }) },
 * });
 */
export function http(url: string | URL, options: HttpOptions = {}): CheckDefinition {
  const {
    method = 'GET',
    expectedStatus,
    followRedirects = false,
    headers = {},
    expectBody,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    ...tuning
  } = parseOptions('checks.http()', httpSchema, options);
  const target = parseUrl(url);
  const shownUrl = redactUrl(target);
  const requestHeaders = requestHeadersOf(headers);
  const authorization = takeBasicCredentials(target);
  if (authorization !== undefined && !requestHeaders.has('authorization')) {
    requestHeaders.set('authorization', authorization);
  }
  const requestUrl = target.href;
  const accepted = expectedStatus === undefined ? undefined : [expectedStatus].flat();
  const expected = accepted === undefined ? '2xx' : accepted.join(' or ');
  return {
    ...pickTuning(tuning),
    check: async function httpCheck({ signal }): Promise<CheckResult> {
      const startedAt = performance.now();
      let response: Response;
      try {
        response = await fetch(requestUrl, {
          method,
          headers: requestHeaders,
          redirect: followRedirects ? 'follow' : 'manual',
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: 'DOWN', message: `${method} ${shownUrl} failed: ${describeError(error)}` };
      }
      let body = '';
      try {
        if (expectBody === undefined) await response.body?.cancel();
        else body = await readText(response, maxBodyBytes);
      } catch (error) {
        if (signal.aborted) throw error;
        return {
          status: 'DOWN',
          message: `${method} ${shownUrl}: reading the body failed: ${describeError(error)}`,
        };
      }
      const details = {
        url: shownUrl,
        statusCode: response.status,
        latencyMs: elapsedMs(startedAt),
      };
      const statusOk =
        accepted === undefined
          ? response.status >= 200 && response.status < 300
          : accepted.includes(response.status);
      if (!statusOk) {
        return {
          status: 'DOWN',
          message: `${method} ${shownUrl} answered ${response.status}, expected ${expected}`,
          details,
        };
      }
      if (expectBody !== undefined && !expectBody(body)) {
        return {
          status: 'DOWN',
          message: `${method} ${shownUrl} answered a body that expectBody rejected`,
          details,
        };
      }
      return { status: 'UP', details };
    },
  };
}

/**
 * The `headers` option as `Headers`. Names and values are checked by `Headers` itself (a
 * name with a space, a value with a newline); what it refuses is an option error, which
 * names the header but never quotes its value (it may be a token).
 */
function requestHeadersOf(headers: Readonly<Record<string, string>>): Headers {
  const checked = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    try {
      checked.append(name, value);
    } catch (error) {
      const nameValid = isHeaderName(name);
      throw new HealthOptionsError(
        `checks.http(): invalid option \`headers\`: ${
          nameValid
            ? `the value of ${JSON.stringify(name)} is not a valid header value (no newlines or other control characters)`
            : `${JSON.stringify(name)} is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~ only)`
        }.`,
        'headers',
        { cause: error },
      );
    }
  }
  return checked;
}

function isHeaderName(name: string): boolean {
  try {
    new Headers().append(name, '');
    return true;
  } catch {
    return false;
  }
}

// The message never quotes the URL: it may hold credentials.
function parseUrl(url: string | URL): URL {
  const text = url instanceof URL ? url.href : url;
  const parsed = typeof text === 'string' && URL.canParse(text) ? new URL(text) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new HealthOptionsError(
      'checks.http(): expected an http: or https: URL (a string or a URL) as the first argument.',
      '',
    );
  }
  return parsed;
}

/** The body as text, at most `maxBytes` of it; the rest is cancelled, not downloaded. */
async function readText(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      const chunk = value.subarray(0, maxBytes - bytes);
      bytes += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
      if (bytes >= maxBytes) return text + decoder.decode();
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
