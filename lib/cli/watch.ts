import type { EventSourceParser, ParserConfig } from 'eventsource-parser';
import { describe } from '../describe.js';
import { maskSecrets } from '../mask-secrets.js';
import {
  parseCommandArgs,
  parseCount,
  parseDuration,
  parseHttpUrl,
  type Command,
  type HttpTarget,
  UsageError,
} from './args.js';
import { dim, formatDuration, paint, printable, type Output } from './output.js';
import { statusLine } from './status-line.js';

/** Defaults and bounds of `health-probes watch`. */
export const WATCH_DEFAULTS = Object.freeze({
  /** Reconnect when nothing (not even a heartbeat) arrived for this long: 3 heartbeats of 15 s. */
  idleTimeout: '45s',
  /** First reconnection delay until the server sends `retry:`, in milliseconds. */
  retryMs: 1000,
  /** Bounds of the reconnection delay, in milliseconds: `retry:` is clamped, backoff capped. */
  minRetryMs: 100,
  maxRetryMs: 30_000,
  /** Most characters of one event (the parser's buffer), so a broken stream cannot grow memory. */
  maxEventChars: 1024 * 1024,
});

/**
 * `health-probes watch <url> [--max-retries n] [--idle-timeout 45s]`: follows the SSE
 * stream of `healthRouter` (`/health/stream`) and prints one line per status change of the
 * service or of a component, e.g. `2026-01-01T12:00:00.000Z DOWN db=DOWN("timeout") cache=UP`,
 * coloured on a terminal. Connection news goes to standard error.
 *
 * When the stream ends or fails it reconnects after the server's `retry:` delay (1 s until
 * one is sent, clamped to 100 ms..30 s), doubling on each failed attempt up to 30 s; a
 * stream that delivered an event resets the count. It gives up (exit 1) after
 * `--max-retries` failed attempts in a row (default: never), and at once when the first
 * connection answers a 4xx or something that is not an event stream. Runs until killed.
 */
export const watch: Command = {
  name: 'watch',
  usage: `health-probes watch <url> [--max-retries n] [--idle-timeout ${WATCH_DEFAULTS.idleTimeout}]`,
  summary: 'follow a health SSE stream, one line per status change',
  async run(args, output) {
    const { values, positionals, help } = parseCommandArgs(
      args,
      ['max-retries', 'idle-timeout'],
      ['<url>'],
    );
    if (help) {
      output.out(`Usage: ${watch.usage}`);
      return 0;
    }
    const url = parseHttpUrl(positionals[0] ?? '');
    const maxRetries =
      values['max-retries'] === undefined
        ? Infinity
        : parseCount('max-retries', values['max-retries']);
    const idleTimeoutMs = parseDuration(
      'idle-timeout',
      values['idle-timeout'] ?? WATCH_DEFAULTS.idleTimeout,
    );
    // Loaded here so the other commands start without it.
    const { createParser } = await import('eventsource-parser');
    const state: WatchState = {
      url,
      idleTimeoutMs,
      retryMs: WATCH_DEFAULTS.retryMs,
      connected: false,
      signature: undefined,
      output,
      createParser,
    };
    let failures = 0;
    for (;;) {
      const session = await follow(state);
      if (session.usage === true) {
        throw new UsageError(`${session.reason}: ${url.shown} can never be requested`);
      }
      if (session.fatal === true) {
        output.err(`${paint(output, 'ERR')} ${session.reason} ${url.shown}`);
        return 1;
      }
      failures = session.received ? 1 : failures + 1;
      if (failures > maxRetries) {
        output.err(
          `${paint(output, 'ERR')} ${session.reason}; giving up after ${failures} ${failures === 1 ? 'attempt' : 'attempts'}`,
        );
        return 1;
      }
      const delayMs = Math.min(state.retryMs * 2 ** (failures - 1), WATCH_DEFAULTS.maxRetryMs);
      output.err(dim(output, `${session.reason}; reconnecting in ${formatDuration(delayMs)}`));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  },
};

interface WatchState {
  readonly url: HttpTarget;
  readonly idleTimeoutMs: number;
  readonly output: Output;
  readonly createParser: (config: ParserConfig) => EventSourceParser;
  /** The reconnection delay, from the last `retry:`. */
  retryMs: number;
  /** Whether a connection ever succeeded: after that, no answer is fatal. */
  connected: boolean;
  /** The statuses last printed. */
  signature: string | undefined;
}

interface Session {
  /** Why the stream ended. */
  readonly reason: string;
  /** Whether at least one `health` event arrived. */
  readonly received: boolean;
  /** Whether to stop rather than reconnect. */
  readonly fatal?: boolean;
  /** Whether the request can never be made (a usage error, exit 2). */
  readonly usage?: boolean;
}

/** One connection: prints its events, resolves when it ends. Never rejects. */
async function follow(state: WatchState): Promise<Session> {
  const { output } = state;
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () =>
        controller.abort(new Error(`nothing received for ${formatDuration(state.idleTimeoutMs)}`)),
      state.idleTimeoutMs,
    );
  };
  let received = false;
  const parser = state.createParser({
    maxBufferSize: WATCH_DEFAULTS.maxEventChars,
    onRetry: (ms) => {
      state.retryMs = Math.min(Math.max(ms, WATCH_DEFAULTS.minRetryMs), WATCH_DEFAULTS.maxRetryMs);
    },
    onEvent: (event) => {
      // `health` from healthRouter; unnamed events from other servers of the same reports.
      if (event.event !== undefined && event.event !== 'health') return;
      received = true;
      const change = statusLine(event.data, output);
      if (change === undefined || change.signature === state.signature) return;
      state.signature = change.signature;
      output.out(change.line);
    },
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') controller.abort(new Error('event too large'));
    },
  });
  touch();
  try {
    const { authorization } = state.url;
    const response = await fetch(state.url.href, {
      headers: {
        Accept: 'text/event-stream',
        'Cache-Control': 'no-cache',
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      },
      signal: controller.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.startsWith('text/event-stream') || response.body === null) {
      await response.body?.cancel();
      const clientError = response.status >= 400 && response.status < 500;
      return {
        reason: response.ok
          ? `not an event stream (Content-Type ${printable(type, 80) || 'none'}): use the stream route, e.g. /health/stream`
          : `answered ${response.status}`,
        received,
        fatal:
          !state.connected &&
          (response.ok || (clientError && ![408, 429].includes(response.status))),
      };
    }
    output.err(
      dim(output, `${state.connected ? 'reconnected to' : 'connected to'} ${state.url.shown}`),
    );
    state.connected = true;
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      touch();
      parser.feed(decoder.decode(value, { stream: true }));
    }
    return { reason: 'stream ended', received };
  } catch (error) {
    const aborted = controller.signal.aborted;
    const reason = aborted ? (controller.signal.reason as unknown) : error;
    // fetch() refused to make the request at all (no network error behind it): retrying
    // cannot help.
    const refused = !aborted && error instanceof TypeError && error.cause === undefined;
    return { reason: reasonOf(reason), received, fatal: refused, usage: refused };
  } finally {
    clearTimeout(idle);
    controller.abort();
  }
}

/** One phrase for why a connection ended. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return printable(maskSecrets(describe(error)), 120);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return `connection failed (${printable(cause.code, 40)})`;
  if (error.message === 'terminated') return 'connection lost';
  return printable(maskSecrets(describe(cause instanceof Error ? cause : error)), 120);
}
