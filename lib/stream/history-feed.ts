import { historyBody } from '../format/history.js';
import type { CheckHistorySnapshot, HealthHistory } from '../runner/check-history.js';
import type { Health } from '../runner/health.js';
import type { RunColumns } from '../runner/run-ring.js';
import type { Transition } from '../runner/timeline.js';
import type { HealthReport } from '../runner/types.js';

/** The event name of the history a stream carries with `?history=1`. */
export const HISTORY_EVENT = 'history';

/** Where a list was read up to: its last key, and how many entries had that key. */
interface Mark<T extends number | string> {
  readonly last: T | undefined;
  readonly count: number;
}

/** Where a client's history was read up to, per check and for the service. */
export interface HistoryCursor {
  readonly runs: ReadonlyMap<string, Mark<number>>;
  readonly transitions: ReadonlyMap<string, Mark<string>>;
  readonly service: Mark<string>;
}

const NONE: Mark<never> = Object.freeze({ last: undefined, count: 0 });

function markOf<T extends number | string>(keys: readonly T[]): Mark<T> {
  const last = keys.at(-1);
  if (last === undefined) return NONE;
  let count = 0;
  for (let i = keys.length - 1; i >= 0 && keys[i] === last; i--) count++;
  return { last, count };
}

/**
 * The index of the first entry of `keys` (ascending) after `mark`: entries with a greater
 * key, and those beyond `mark.count` with an equal one (two runs can end in one millisecond).
 */
function startAfter<T extends number | string>(keys: readonly T[], mark: Mark<T>): number {
  if (mark.last === undefined) return 0;
  let index = keys.length;
  while (index > 0 && (keys[index - 1] as T) > mark.last) index--;
  let equal = 0;
  while (index - equal > 0 && keys[index - equal - 1] === mark.last) equal++;
  return index - equal + Math.min(equal, mark.count);
}

function sliceRuns(runs: RunColumns, from: number): RunColumns {
  return {
    at: runs.at.slice(from),
    status: runs.status.slice(from),
    durationMs: runs.durationMs.slice(from),
  };
}

const transitionKeys = (list: readonly Transition[]) => list.map((t) => t.at);

/** The cursor at the end of `history`. */
export function cursorOf(history: HealthHistory): HistoryCursor {
  const runs = new Map<string, Mark<number>>();
  const transitions = new Map<string, Mark<string>>();
  for (const [name, check] of Object.entries(history.checks)) {
    runs.set(name, markOf(check.runs.at));
    transitions.set(name, markOf(transitionKeys(check.transitions)));
  }
  return { runs, transitions, service: markOf(transitionKeys(history.service.transitions)) };
}

/**
 * What changed in `history` since `cursor`, as the data of a `history` event with
 * `kind: 'delta'`: per check that ran or changed, only its new runs and transitions, with
 * its uptime, flapping and percent state change now; the service's new transitions and
 * uptime; `removed`, the checks unregistered since. `undefined` when nothing ran.
 */
export function historyDelta(
  history: HealthHistory,
  cursor: HistoryCursor,
  showDetails: boolean,
): object | undefined {
  const shown = historyBody(history, showDetails);
  const checks: Record<string, CheckHistorySnapshot> = {};
  let changed = false;
  for (const [name, check] of Object.entries(shown.checks)) {
    const runsFrom = startAfter(check.runs.at, cursor.runs.get(name) ?? NONE);
    const keys = transitionKeys(check.transitions);
    const transitionsFrom = startAfter(keys, cursor.transitions.get(name) ?? NONE);
    if (runsFrom === check.runs.at.length && transitionsFrom === keys.length) continue;
    changed = true;
    checks[name] = {
      ...check,
      runs: sliceRuns(check.runs, runsFrom),
      transitions: check.transitions.slice(transitionsFrom),
    };
  }
  const removed = [...cursor.runs.keys()].filter((name) => !(name in shown.checks));
  const serviceKeys = transitionKeys(shown.service.transitions);
  const serviceFrom = startAfter(serviceKeys, cursor.service);
  if (!changed && removed.length === 0 && serviceFrom === serviceKeys.length) return undefined;
  return {
    kind: 'delta',
    generatedAt: shown.generatedAt,
    service: {
      transitions: shown.service.transitions.slice(serviceFrom),
      uptime: shown.service.uptime,
    },
    checks,
    ...(removed.length === 0 ? {} : { removed }),
  };
}

/** One `event: history` block (no `id:`: ids number the reports). */
export function historyFrame(data: object): Buffer {
  return Buffer.from(`event: ${HISTORY_EVENT}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A client as {@link HistoryFeed} feeds it. */
export interface HistoryReader {
  /** Whether it asked for `history` events. */
  readonly history: boolean;
  /** Whether its socket buffer is full: it is skipped until it reads again. */
  readonly blocked: boolean;
  /** Where it has read up to; `undefined`: it needs the full history. */
  historyCursor: HistoryCursor | undefined;
  /** Sends `frame`, which brings it to `cursor` (a blocked client drops it and its cursor). */
  offerHistory(frame: Buffer, cursor: HistoryCursor): void;
}

/** What a poll ran: every component's name and `checkedAt`, so an unchanged poll is skipped. */
function runSignature(report: HealthReport): string {
  let signature = '';
  for (const [name, component] of Object.entries(report.components)) {
    signature += `${name}@${component.checkedAt}|`;
  }
  return signature;
}

/**
 * The history side of one stream handler: the full history for a client that just
 * connected, then, after each poll where something ran, a delta per distinct cursor,
 * framed once and shared by every client at that cursor (after one poll every client is
 * at the same one). A blocked client is skipped and keeps its cursor, so its next delta,
 * its own frame that once, holds all it missed. Nothing is read from the runner when no
 * client asked for history or no check ran since the last poll.
 */
export class HistoryFeed {
  readonly #health: Health;
  readonly #showDetails: boolean;
  #signature: string | undefined;
  #end: HistoryCursor | undefined;

  constructor(health: Health, showDetails: boolean) {
    this.#health = health;
    this.#showDetails = showDetails;
  }

  /** Sends `client` the full history (none when history is off). */
  prime(client: HistoryReader): void {
    const history = this.#health.history();
    if (history === undefined) return;
    const body = historyBody(history, this.#showDetails);
    client.offerHistory(historyFrame({ kind: 'full', ...body }), cursorOf(history));
  }

  /** After a poll's report went out: what each history client of `clients` needs now. */
  afterEvent(report: HealthReport, clients: Iterable<HistoryReader>): void {
    const readers = [...clients].filter((client) => client.history && !client.blocked);
    if (readers.length === 0) return;
    const signature = runSignature(report);
    const end = this.#end;
    if (signature === this.#signature && readers.every((c) => c.historyCursor === end)) return;
    const history = this.#health.history();
    if (history === undefined) return;
    this.#signature = signature;
    const next = cursorOf(history);
    this.#end = next;
    const frames = new Map<HistoryCursor | undefined, Buffer | null>();
    for (const client of readers) {
      const from = client.historyCursor;
      let frame = frames.get(from);
      if (frame === undefined) {
        const data =
          from === undefined
            ? { kind: 'full', ...historyBody(history, this.#showDetails) }
            : historyDelta(history, from, this.#showDetails);
        frame = data === undefined ? null : historyFrame(data);
        frames.set(from, frame);
      }
      if (frame === null) client.historyCursor = next;
      else client.offerHistory(frame, next);
    }
  }
}
