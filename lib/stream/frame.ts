import type { HealthReport } from '../runner/types.js';

/**
 * Server-Sent Events framing (WHATWG HTML §9.2). Every event body is one line of JSON:
 * `JSON.stringify` escapes line breaks inside strings, so `data:` never needs splitting.
 */

/** The comment sent as a heartbeat, so proxies do not close an idle stream. */
export const HEARTBEAT_FRAME = Buffer.from(': ping\n\n');

/** The event name of every report: clients listen with `addEventListener('health', ...)`. */
export const HEALTH_EVENT = 'health';

/** The block that sets the client's reconnection delay, in milliseconds. */
export function retryFrame(retryMs: number): string {
  return `retry: ${retryMs}\n\n`;
}

/**
 * What `?changes=1` compares: the aggregate status and every component's status, e.g.
 * `'DEGRADED|database=UP|cache=DOWN'`. Messages, durations and timestamps are ignored.
 */
export function statusSignature(report: HealthReport): string {
  let signature = report.status;
  for (const [name, component] of Object.entries(report.components)) {
    signature += `|${name}=${component.status}`;
  }
  return signature;
}

/**
 * A report framed once and written as the same bytes to every client of a poll:
 * `id: <id>`, `event: health`, `data: <the body as one line of JSON>`.
 */
export interface StreamEvent {
  /** The encoded event. */
  readonly frame: Buffer;
  /** {@link statusSignature} of the report. */
  readonly signature: string;
}

/** Frames `body` (what `report` renders to) as event number `id`. */
export function streamEvent(id: number, report: HealthReport, body: unknown): StreamEvent {
  return {
    frame: Buffer.from(`id: ${id}\nevent: ${HEALTH_EVENT}\ndata: ${JSON.stringify(body)}\n\n`),
    signature: statusSignature(report),
  };
}
