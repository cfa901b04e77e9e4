import { FORMATS, type FormatName } from '../http/request.js';
import { fixedAnswer, type Answer } from '../http/send.js';
import { STREAM_DEFAULTS } from './options.js';

const { pollIntervalSeconds, minPollIntervalSeconds, maxPollIntervalSeconds } = STREAM_DEFAULTS;

/** A plain decimal, as Python formats any float in range (`2`, `2.0`, `0.25`, `.5`). */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const MAX_NUMBER_LENGTH = 20;

/** The 400 answered for a bad `poll_interval`; built once. */
export const BAD_POLL_INTERVAL = fixedAnswer(400, {
  error: `invalid query parameter poll_interval: expected one number of seconds from ${minPollIntervalSeconds} to ${maxPollIntervalSeconds}`,
  parameter: 'poll_interval',
});

/** The 400 answered for a bad `changes`; built once. */
export const BAD_CHANGES = fixedAnswer(400, {
  error: 'invalid query parameter changes: expected one of 1, true, 0, false',
  parameter: 'changes',
});

/** The 400 answered for a bad `history`; built once. */
export const BAD_HISTORY = fixedAnswer(400, {
  error: 'invalid query parameter history: expected one of 1, true, 0, false',
  parameter: 'history',
});

/** The 400 answered for a bad `format`; built once. */
export const BAD_FORMAT = fixedAnswer(400, {
  error: `invalid query parameter format: expected one of ${FORMATS.join(', ')}`,
  parameter: 'format',
});

// A Map, not an object literal: a lookup of `toString` must not find anything.
const FLAGS: ReadonlyMap<string, boolean> = new Map([
  ['', true],
  ['1', true],
  ['true', true],
  ['0', false],
  ['false', false],
]);

/** What a stream request asked for, or the 400 to answer instead. */
export type StreamQuery =
  | {
      readonly pollIntervalMs: number;
      readonly onlyChanges: boolean | undefined;
      /** `?format=`; `undefined`: the handler's `format`. */
      readonly format: FormatName | undefined;
      /** `?history=1`: `history` events too. */
      readonly history: boolean;
    }
  | { readonly error: Answer };

/**
 * Reads `poll_interval` (seconds, default 1.0, 0.1 to 300), `changes`, `history` (a flag
 * like `changes`, default off) and `format` (as the JSON routes take it) from a request URL. Each may appear once; other parameters are
 * ignored (e.g. a cache buster).
 */
export function parseStreamQuery(url: string | undefined): StreamQuery {
  const start = url?.indexOf('?') ?? -1;
  const params = new URLSearchParams(start === -1 ? '' : url?.slice(start + 1));
  const intervals = params.getAll('poll_interval');
  let seconds: number = pollIntervalSeconds;
  if (intervals.length > 0) {
    const text = intervals[0] ?? '';
    if (intervals.length > 1 || text.length > MAX_NUMBER_LENGTH || !DECIMAL.test(text)) {
      return { error: BAD_POLL_INTERVAL };
    }
    seconds = Number(text);
    if (!(seconds >= minPollIntervalSeconds && seconds <= maxPollIntervalSeconds)) {
      return { error: BAD_POLL_INTERVAL };
    }
  }
  const changes = params.getAll('changes');
  const onlyChanges = changes.length === 1 ? FLAGS.get(changes[0] ?? '') : undefined;
  if (changes.length > 1 || (changes.length === 1 && onlyChanges === undefined)) {
    return { error: BAD_CHANGES };
  }
  const histories = params.getAll('history');
  const history = histories.length === 1 ? FLAGS.get(histories[0] ?? '') : false;
  if (histories.length > 1 || history === undefined) return { error: BAD_HISTORY };
  const formats = params.getAll('format');
  // `+` in a query string decodes to a space: accept `health+json` written either way.
  const name = formats[0] === 'health json' ? 'health+json' : formats[0];
  const format = FORMATS.find((known) => known === name);
  if (formats.length > 1 || (formats.length === 1 && format === undefined)) {
    return { error: BAD_FORMAT };
  }
  return { pollIntervalMs: Math.round(seconds * 1000), onlyChanges, format, history };
}
