import type { HealthJsonMeta } from '../format/health-json.js';
import { renderBody } from '../http/render.js';
import type { FormatName } from '../http/request.js';
import type { ComponentReport, HealthReport } from '../runner/types.js';

/**
 * Server-Sent Events framing (WHATWG HTML §9.2). Every event body is one line of JSON:
 * `JSON.stringify` escapes line breaks inside strings, so `data:` never needs splitting.
 */

/** The comment sent as a heartbeat, so proxies do not close an idle stream. */
export const HEARTBEAT_FRAME = Buffer.from(': ping\n\n');

/** The event name of the `components` and `health+json` reports: `addEventListener('health', ...)`. */
export const HEALTH_EVENT = 'health';

/**
 * The `event:` name per format. servicekit sends unnamed events (a browser's
 * `onmessage`, which sees only those, is how its guide's dashboards listen), so its
 * format has none.
 */
export const EVENT_NAMES: Readonly<Record<FormatName, string | undefined>> = Object.freeze({
  components: HEALTH_EVENT,
  'health+json': HEALTH_EVENT,
  servicekit: undefined,
});

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
 * `id: <id>`, `event: health` (none for servicekit), `data: <the body as one line of JSON>`.
 */
export interface StreamEvent {
  /** The encoded event. */
  readonly frame: Buffer;
  /** {@link statusSignature} of the report. */
  readonly signature: string;
}

/** How a report is turned into an event body. */
export interface FrameSettings {
  readonly showDetails: boolean;
  readonly healthJson: HealthJsonMeta;
}

/** Frames `report` in `format` as event number `id`; never throws (see {@link eventData}). */
export function streamEvent(
  id: number,
  report: HealthReport,
  format: FormatName,
  settings: FrameSettings,
): StreamEvent {
  const name = EVENT_NAMES[format];
  const data = eventData(report, format, settings);
  return {
    frame: Buffer.from(
      `id: ${id}\n${name === undefined ? '' : `event: ${name}\n`}data: ${data}\n\n`,
    ),
    signature: safeSignature(report),
  };
}

/**
 * The event's JSON, whatever the report holds. `details` are the caller's values: one
 * that `JSON.stringify` refuses (a BigInt, a cycle, a throwing `toJSON`) would otherwise
 * leave the event unsent, and on shutdown the stream unended. Such a report is sent
 * without `details`, then with statuses only, then as its bare status.
 */
export function eventData(
  report: HealthReport,
  format: FormatName,
  settings: FrameSettings,
): string {
  const { showDetails, healthJson } = settings;
  const attempts: (() => unknown)[] = [
    () => renderBody(format, report, showDetails, healthJson, false),
    () => renderBody(format, withoutDetails(report), showDetails, healthJson, false),
    () => renderBody(format, report, false, healthJson, false),
    () => renderBody(format, bare(report.status, report.message), false, healthJson, false),
  ];
  for (const attempt of attempts) {
    try {
      const text = JSON.stringify(attempt());
      if (typeof text === 'string') return text;
    } catch {
      // Try the next, smaller body.
    }
  }
  return JSON.stringify(renderBody(format, bare('DOWN'), false, healthJson, false));
}

function withoutDetails(report: HealthReport): HealthReport {
  const components: Record<string, ComponentReport> = {};
  for (const [name, component] of Object.entries(report.components)) {
    components[name] = { ...component, details: undefined };
  }
  return { ...report, components };
}

function bare(status: unknown, message?: unknown): HealthReport {
  const known = status === 'UP' || status === 'DEGRADED' ? status : 'DOWN';
  return {
    status: known,
    ...(typeof message === 'string' ? { message } : {}),
    timestamp: new Date().toISOString(),
    uptimeSeconds: 0,
    components: {},
  };
}

function safeSignature(report: HealthReport): string {
  try {
    return statusSignature(report);
  } catch {
    return '';
  }
}
