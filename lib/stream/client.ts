import type { StreamSink } from '../http/exchange.js';
import { HEARTBEAT_FRAME, type StreamEvent } from './frame.js';
import type { HistoryCursor, HistoryReader } from './history-feed.js';

/**
 * One open stream: what it was last sent and its backpressure state.
 *
 * When the sink's `write()` returns false the client is blocked: nothing more is written until
 * `drain`, and only the newest event is kept to be sent then (older ones are obsolete).
 */
export class StreamClient implements HistoryReader {
  /** Whether it asked for `history` events (`?history=1`). */
  readonly history: boolean;
  /** Where its history was sent up to; `undefined`: the full history is due. */
  historyCursor: HistoryCursor | undefined = undefined;
  readonly #res: StreamSink;
  readonly #onlyChanges: boolean;
  readonly #clock: () => number;
  #signature: string | undefined;
  #pending: StreamEvent | undefined;
  #blockedSince: number | undefined;
  #onDrain: (() => void) | undefined;

  constructor(res: StreamSink, onlyChanges: boolean, clock: () => number, history = false) {
    this.history = history;
    this.#res = res;
    this.#onlyChanges = onlyChanges;
    this.#clock = clock;
  }

  /** Whether an event was already sent or queued. */
  get started(): boolean {
    return this.#signature !== undefined;
  }

  /** Whether the response can still be written to. */
  get open(): boolean {
    return this.#res.open;
  }

  /** Whether the last write was not accepted and `drain` has not come yet. */
  get blocked(): boolean {
    return this.#blockedSince !== undefined;
  }

  /** Milliseconds since writes stopped being accepted, `0` when not blocked. */
  blockedFor(now: number): number {
    return this.#blockedSince === undefined ? 0 : now - this.#blockedSince;
  }

  /** Sends `event`, or keeps it for `drain`; skipped when only changes are wanted and none happened. */
  offer(event: StreamEvent): void {
    if (!this.open || (this.#onlyChanges && event.signature === this.#signature)) return;
    this.#signature = event.signature;
    if (this.#blockedSince === undefined) this.#write(event.frame);
    else this.#pending = event;
  }

  /**
   * Sends a `history` event that brings it to `cursor`. The feed skips blocked clients (they
   * catch up from their own cursor); should one be offered a frame anyway, it is dropped
   * and the client gets the full history next time: a lost delta is never papered over.
   */
  offerHistory(frame: Buffer, cursor: HistoryCursor): void {
    if (!this.open) return;
    if (this.#blockedSince !== undefined) {
      this.historyCursor = undefined;
      return;
    }
    this.historyCursor = cursor;
    this.#write(frame);
  }

  /** Sends a `: ping` comment, unless blocked. */
  heartbeat(): void {
    if (this.#blockedSince === undefined && this.open) this.#write(HEARTBEAT_FRAME);
  }

  /** Ends the stream with `event`; a blocked client, which could not take it, is cut. */
  end(event: StreamEvent): void {
    if (!this.open) return;
    if (this.#blockedSince === undefined) this.#res.end(event.frame);
    else this.drop();
  }

  /** Disconnects the client at once. */
  drop(): void {
    this.#res.destroy();
  }

  #write(frame: Buffer): void {
    if (this.#res.write(frame)) return;
    this.#blockedSince = this.#clock();
    this.#onDrain ??= () => this.#drained();
    this.#res.onDrain(this.#onDrain);
  }

  #drained(): void {
    this.#blockedSince = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined && this.open) this.#write(pending.frame);
  }
}
