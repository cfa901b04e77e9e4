import type { IncomingMessage } from 'node:http';
import { fixedAnswer, type Answer } from './send.js';

/** The response formats, by the name `?format=` and the `format` option take. */
export const FORMATS = ['components', 'health+json', 'servicekit'] as const;

/** A response format: see {@link FORMATS}. */
export type FormatName = (typeof FORMATS)[number];

/** What a probe request asks for beyond the path. */
export interface ProbeRequest {
  /** `?format=` or `Accept: application/health+json`; `undefined`: the handler's default. */
  readonly format: FormatName | undefined;
  /** `?verbose` is present (its value is ignored, as kube-apiserver does). */
  readonly verbose: boolean;
  /** `?exclude=<name>`, repeatable. */
  readonly exclude: readonly string[];
}

const PLAIN: ProbeRequest = Object.freeze({ format: undefined, verbose: false, exclude: [] });
const MAX_EXCLUDES = 32;
const MAX_NAME_LENGTH = 64;

/**
 * The 400 for a bad query parameter: `{"error","parameter"}`, the shape of the stream's
 * 400 (`parameter` names the offending one, for a client to act on without parsing text).
 */
function badRequest(parameter: 'format' | 'exclude', message: string): Answer {
  return fixedAnswer(400, { error: message, parameter });
}

const REPEATED_FORMAT = badRequest('format', 'query parameter `format` may be given once');
const UNKNOWN_FORMAT = badRequest(
  'format',
  `query parameter \`format\` must be one of ${FORMATS.join(', ')}`,
);

const TOO_MANY_EXCLUDES = badRequest(
  'exclude',
  `query parameter \`exclude\` takes at most ${MAX_EXCLUDES} check names of at most ${MAX_NAME_LENGTH} characters`,
);

/**
 * Reads `format`, `verbose` and `exclude` from the query and `Accept`. Unknown parameters
 * are ignored (probes add cache busters); an invalid value of a known one is a 400 answer,
 * `{"error","parameter"}` (see {@link badRequest}).
 */
export function parseProbeRequest(req: IncomingMessage): ProbeRequest | Answer {
  const url = req.url ?? '';
  const queryStart = url.indexOf('?');
  const accept = req.headers.accept;
  const wantsHealthJson = accept !== undefined && accept.includes('application/health+json');
  if (queryStart === -1) return wantsHealthJson ? { ...PLAIN, format: 'health+json' } : PLAIN;

  const query = new URLSearchParams(url.slice(queryStart + 1));
  const formats = query.getAll('format');
  let format: FormatName | undefined = wantsHealthJson ? 'health+json' : undefined;
  if (formats.length > 1) return REPEATED_FORMAT;
  const requested = formats[0];
  if (requested !== undefined) {
    // `+` in a query string decodes to a space: accept `health+json` written either way.
    const name = requested === 'health json' ? 'health+json' : requested;
    if (!(FORMATS as readonly string[]).includes(name)) return UNKNOWN_FORMAT;
    format = name as FormatName;
  }
  const exclude = query.getAll('exclude');
  if (exclude.length > MAX_EXCLUDES || exclude.some((name) => name.length > MAX_NAME_LENGTH)) {
    return TOO_MANY_EXCLUDES;
  }
  return { format, verbose: query.has('verbose'), exclude };
}

/** Whether a request asks for nothing beyond the path: no format, verbose or exclude. */
export function isPlain(request: ProbeRequest): boolean {
  return request.format === undefined && !request.verbose && request.exclude.length === 0;
}

/** Whether a parsed request is really a ready-made answer (a 400). */
export function isAnswer(value: ProbeRequest | Answer): value is Answer {
  return 'statusCode' in value;
}
