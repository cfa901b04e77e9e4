import type { IncomingMessage, ServerResponse } from 'node:http';

/** Content type of every JSON body this package sends. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A response worked out in advance or per request: status code and serialised body. */
export interface Answer {
  readonly statusCode: number;
  readonly body: string | Buffer;
  /** Defaults to {@link JSON_CONTENT_TYPE}. */
  readonly contentType?: string;
  /** The headers {@link send} writes, when worked out in advance (see {@link preparedAnswer}). */
  readonly headers?: Readonly<Record<string, string | number>>;
  /**
   * The body as the string it was made from, when it was: sent as a string, Node writes it
   * in one write with the head, where a `Buffer` takes a `writev` of two.
   */
  readonly text?: string;
}

function headersOf(body: Buffer, contentType: string): Record<string, string | number> {
  return {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': body.length,
  };
}

/**
 * An answer sent many times (a fixed one, or the last readiness body): encoded, with its
 * headers worked out once, so that sending it allocates nothing.
 */
export function preparedAnswer(
  statusCode: number,
  body: string | Buffer,
  contentType = JSON_CONTENT_TYPE,
  extraHeaders: Readonly<Record<string, string>> = {},
): Answer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers = Object.freeze({ ...headersOf(bytes, contentType), ...extraHeaders });
  const text = typeof body === 'string' ? body : undefined;
  return Object.freeze({
    statusCode,
    body: bytes,
    contentType,
    headers,
    ...(text === undefined ? {} : { text }),
  });
}

/**
 * Sends `answer` (JSON unless it says otherwise) with `Cache-Control: no-store` (a cached
 * probe answer is a wrong one; see nestjs/terminus#2328) and `X-Content-Type-Options:
 * nosniff`. A `HEAD` request gets the same status and headers and no body. Does nothing
 * when a response was already started.
 */
export function send(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  if (res.headersSent) return;
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  res.writeHead(
    answer.statusCode,
    answer.headers ?? headersOf(body, answer.contentType ?? JSON_CONTENT_TYPE),
  );
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** A fixed JSON answer, serialised once. */
export function fixedAnswer(statusCode: number, body: unknown): Answer {
  return preparedAnswer(statusCode, JSON.stringify(body));
}

/** What a failure inside this library answers: never a stack, never a message. */
export const INTERNAL_ERROR = fixedAnswer(500, { status: 'DOWN', error: 'internal error' });
/** What the router answers for a path it does not serve. */
export const NOT_FOUND = fixedAnswer(404, { error: 'not found' });
/**
 * What a handler answers for a method other than GET and HEAD, with `Allow: GET, HEAD`
 * (RFC 9110 §15.5.6 requires the header).
 */
export const METHOD_NOT_ALLOWED = preparedAnswer(
  405,
  JSON.stringify({ error: 'method not allowed' }),
  JSON_CONTENT_TYPE,
  { Allow: 'GET, HEAD' },
);

/** Whether the request is a GET or a HEAD, the only methods the probes answer. */
export function isReadMethod(req: { readonly method?: string | undefined }): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

/** Answers {@link METHOD_NOT_ALLOWED}. */
export function sendMethodNotAllowed(req: IncomingMessage, res: ServerResponse): void {
  send(req, res, METHOD_NOT_ALLOWED);
}
