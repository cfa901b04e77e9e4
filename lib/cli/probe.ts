import { parseCommandArgs, parseDuration, parseHttpUrl, type Command } from './args.js';
import { describe } from '../describe.js';
import { maskSecrets } from '../mask-secrets.js';
import { formatDuration, paint, printable, type Output } from './output.js';

/** Defaults of `health-probes probe`. */
export const PROBE_DEFAULTS = Object.freeze({
  /** Bound on the whole request, body included. */
  timeout: '2s',
  /** Most of the body read to find its `status`, in bytes. */
  maxBodyBytes: 64 * 1024,
});

/**
 * `health-probes probe <url> [--timeout 2s]`: one GET, for Docker `HEALTHCHECK` in images
 * without curl. Exits 0 on 2xx and 3xx (redirects are not followed), 1 on any other
 * status, a timeout or a connection error. Prints one line to standard output:
 * `200 UP http://...` (the status code and the body's `status`, `-` when it has none) or
 * `ERR <reason> http://...`.
 */
export const probe: Command = {
  name: 'probe',
  usage: `health-probes probe <url> [--timeout ${PROBE_DEFAULTS.timeout}]`,
  summary: 'GET <url>: exit 0 on 2xx/3xx, 1 otherwise (Docker HEALTHCHECK)',
  async run(args, output) {
    const { values, positionals, help } = parseCommandArgs(args, ['timeout'], ['<url>']);
    if (help) return usage(output);
    const url = parseHttpUrl(positionals[0] ?? '');
    const timeoutMs = parseDuration('timeout', values.timeout ?? PROBE_DEFAULTS.timeout);
    const target = url.shown;
    // A timer that holds the process: `fetch` leaves its promise pending, with nothing
    // else to keep the event loop alive, when the server closes the connection before
    // answering. `AbortSignal.timeout()` is unref'd, so the process would end on an
    // unsettled top-level await (exit 13) instead of reporting.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url.href, {
        redirect: 'manual',
        signal: controller.signal,
        headers: {
          Accept: 'application/json',
          ...(url.authorization === undefined ? {} : { Authorization: url.authorization }),
        },
      });
      const status = bodyStatus(await readStart(response, PROBE_DEFAULTS.maxBodyBytes));
      const ok = response.status >= 200 && response.status < 400;
      output.out(
        `${paint(output, ok ? 'UP' : 'DOWN', `${response.status}`)} ${paint(output, status)} ${target}`,
      );
      return ok ? 0 : 1;
    } catch (error) {
      const reason = controller.signal.aborted
        ? `timeout after ${formatDuration(timeoutMs)}`
        : reasonOf(error);
      output.out(`${paint(output, 'ERR')} ${reason} ${target}`);
      return 1;
    } finally {
      clearTimeout(timer);
    }
  },
};

function usage(output: Output): number {
  output.out(`Usage: ${probe.usage}`);
  return 0;
}

/** The first `maxBytes` of the body, as text; the rest is not read. */
async function readStart(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length >= maxBytes) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** The `status` string of a JSON body (any of the formats), or `-`. */
function bodyStatus(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    const status =
      typeof parsed === 'object' && parsed !== null
        ? (parsed as Record<string, unknown>).status
        : undefined;
    if (typeof status === 'string' && status !== '') return printable(status, 32);
  } catch {
    // Not JSON: there is no status to show.
  }
  return '-';
}

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection closed',
};

/** One phrase for why the request failed: the socket error's code, or the message. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : {};
  const code = typeof cause?.code === 'string' ? printable(cause.code, 40) : undefined;
  if (code !== undefined) {
    return Object.hasOwn(SOCKET_ERRORS, code) ? `${SOCKET_ERRORS[code]} (${code})` : code;
  }
  // fetch() wraps the real reason as `cause`.
  const reason = cause instanceof Error ? cause : error;
  return printable(maskSecrets(describe(reason)), 120);
}
