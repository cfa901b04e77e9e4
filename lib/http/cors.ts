import * as z from 'zod';
import {
  headersOf,
  isStreamAnswer,
  mapReply,
  type ContractHandler,
  type RequestView,
} from './exchange.js';

/** An origin as browsers send it: `scheme://host[:port]`, lower case, no path; or `'null'`. */
const isOrigin = (value: string): boolean => {
  if (value === 'null') return true;
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) return false;
  return new URL(value).origin === value;
};

const origin = z.string().max(300).refine(isOrigin, {
  message:
    "expected an origin such as 'https://grafana.example.com' (scheme, host and port as the browser sends them: lower case, no path, no trailing slash) or 'null'",
});

/**
 * Schema of the `cors` option: `false` (the default: no CORS header), `'*'` (any origin),
 * one origin, or a list of 1 to 100 origins.
 */
export const corsSchema = z.union([
  z.literal(false),
  z.literal('*'),
  origin,
  z.array(origin).min(1).max(100),
]);

/**
 * Which other origins' pages may read the answers, in a browser (the `cors` option of
 * the probes, the router and the stream):
 *
 * - `false` (the default): no `Access-Control-*` header; only pages of the same origin
 *   can read the answers.
 * - `'*'`: `Access-Control-Allow-Origin: *`, any page can read them.
 * - an origin or a list of origins (`'https://grafana.example.com'`, `'null'`): the
 *   request's `Origin` is echoed back when it is one of them, with `Vary: Origin`.
 *   `'null'` is what a page opened from a `file://` URL (and a sandboxed iframe) sends:
 *   any site can make a sandboxed iframe, so `'null'` is as open as `'*'`.
 *
 * Never with credentials (no `Access-Control-Allow-Credentials`): cookies are not sent.
 * A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 with
 * `Access-Control-Allow-Methods: GET, HEAD` and `Access-Control-Allow-Headers:
 * Last-Event-ID` (what an `EventSource` sends when it reconnects). CORS only decides what
 * browsers let pages read: it does not keep anyone else from the endpoints.
 */
export type CorsOption = z.input<typeof corsSchema>;

/** A resolved {@link CorsOption}; `undefined` when CORS is off. */
export interface CorsPolicy {
  /** `'*'` was given. */
  readonly any: boolean;
  /** The origins echoed back, when not `any`. */
  readonly origins: ReadonlySet<string>;
}

/** Resolves an already validated {@link CorsOption}; `undefined` (off) for `false` or none. */
export function resolveCors(
  option: z.output<typeof corsSchema> | undefined,
): CorsPolicy | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === '*') return Object.freeze({ any: true, origins: new Set<string>() });
  return Object.freeze({
    any: false,
    origins: new Set(typeof option === 'string' ? [option] : option),
  });
}

const PREFLIGHT_HEADERS = Object.freeze({
  'Access-Control-Allow-Methods': 'GET, HEAD',
  'Access-Control-Allow-Headers': 'Last-Event-ID',
  // Ten minutes: Chromium caps it at two hours, Firefox at a day.
  'Access-Control-Max-Age': '600',
  Allow: 'GET, HEAD',
  'Content-Length': '0',
});

const REFUSED_PREFLIGHT_HEADERS = Object.freeze({ Allow: 'GET, HEAD', 'Content-Length': '0' });

/**
 * The CORS headers of `policy` for `request`, and whether its origin is allowed. A list
 * of origins always sends `Vary: Origin` (the node adapter keeps a `Vary` an earlier
 * middleware set), even when refused: a shared cache must not hand the answer to another.
 */
function corsHeaders(
  policy: CorsPolicy,
  request: RequestView,
): { readonly headers: Record<string, string>; readonly allowed: boolean } {
  if (policy.any) return { headers: { 'Access-Control-Allow-Origin': '*' }, allowed: true };
  const requestOrigin = request.header('origin');
  const allowed = requestOrigin !== undefined && policy.origins.has(requestOrigin);
  return {
    headers: allowed
      ? { Vary: 'Origin', 'Access-Control-Allow-Origin': requestOrigin }
      : { Vary: 'Origin' },
    allowed,
  };
}

/**
 * `handler` with the CORS headers of `policy` added to every answer (stream, 400 and 405
 * included), and a preflight (`OPTIONS` with `Access-Control-Request-Method`) answered
 * 204; `handler` itself when CORS is off, so a handler without `cors` costs nothing more.
 */
export function withCors(
  policy: CorsPolicy | undefined,
  handler: ContractHandler,
): ContractHandler {
  if (policy === undefined) return handler;
  return function withCorsHeaders(request) {
    const { headers, allowed } = corsHeaders(policy, request);
    if (
      request.method === 'OPTIONS' &&
      request.header('access-control-request-method') !== undefined
    ) {
      // A refused origin gets no Access-Control-Allow-* header: the browser then fails the request.
      return {
        statusCode: 204,
        body: '',
        headers: { ...headers, ...(allowed ? PREFLIGHT_HEADERS : REFUSED_PREFLIGHT_HEADERS) },
      };
    }
    return mapReply(handler(request), (reply) =>
      isStreamAnswer(reply)
        ? {
            statusCode: reply.statusCode,
            headers: { ...headers, ...reply.headers },
            start: reply.start,
          }
        : { ...reply, headers: { ...headers, ...headersOf(reply) } },
    );
  };
}
