import type { IncomingMessage } from 'node:http';
import { detailedBody, probeBody } from '../format/components.js';
import {
  HEALTH_JSON_CONTENT_TYPE,
  toHealthJson,
  type HealthJsonMeta,
} from '../format/health-json.js';
import { toServicekit } from '../format/servicekit.js';
import { verboseText, VERBOSE_CONTENT_TYPE, type VerboseProbe } from '../format/verbose.js';
import type { HealthReport } from '../runner/types.js';
import type { ResolvedProbeOptions } from './probe-options.js';
import type { FormatName, ProbeRequest } from './request.js';
import type { Answer } from './send.js';
import { detailsShown } from './show-details.js';

/** How one report is to be answered. */
export interface RenderTarget {
  /** The compact probe body (`/ready`) rather than the whole report (`/`). */
  readonly compact: boolean;
  /** The final line of `?verbose` text; `undefined` where verbose is not offered. */
  readonly probe: VerboseProbe | undefined;
  /** Every check name the request concerns, excluded ones included, for verbose lines. */
  readonly names: readonly string[];
  /** Excluded names that match no check, for the verbose `warn:` line. */
  readonly unmatched: readonly string[];
}

const UNUSED = Promise.resolve(false);

/**
 * Starts deciding whether `req` sees details, for a request whose answer will need it
 * (all but `?verbose`, where the target offers it), so that a `showDetails` function runs
 * while the checks do: the wait is the longer of the two, not their sum. Never rejects.
 */
export function detailsFor(
  req: IncomingMessage,
  request: ProbeRequest,
  settings: ResolvedProbeOptions,
  target: RenderTarget,
): Promise<boolean> {
  if (request.verbose && target.probe !== undefined) return UNUSED;
  return detailsShown(settings.showDetails, req);
}

/**
 * Renders `report` with `statusCode` in the format the request asks for (or the handler's
 * default), applying the details decision `shown` (from {@link detailsFor}).
 */
export async function render(
  request: ProbeRequest,
  report: HealthReport,
  statusCode: number,
  settings: ResolvedProbeOptions,
  target: RenderTarget,
  shown: Promise<boolean>,
): Promise<Answer> {
  if (request.verbose && target.probe !== undefined) {
    const passed = statusCode < 400;
    const body = verboseText(target.probe, report, passed, target.names, target.unmatched);
    return { statusCode, body, contentType: VERBOSE_CONTENT_TYPE };
  }
  const show = await shown;
  const format = request.format ?? settings.format;
  return {
    statusCode,
    body: JSON.stringify(renderBody(format, report, show, settings.healthJson, target.compact)),
    ...(format === 'health+json' ? { contentType: HEALTH_JSON_CONTENT_TYPE } : {}),
  };
}

/**
 * The body of `report` in `format`, as a value to serialise: shared by the HTTP handlers
 * and the stream. `compact` picks the probe body over the whole report for `components`.
 */
export function renderBody(
  format: FormatName,
  report: HealthReport,
  showDetails: boolean,
  healthJson: HealthJsonMeta,
  compact: boolean,
): unknown {
  switch (format) {
    case 'health+json':
      return toHealthJson(report, healthJson, showDetails);
    case 'servicekit':
      return toServicekit(report, showDetails);
    case 'components':
      return compact ? probeBody(report, showDetails) : detailedBody(report, showDetails);
  }
}
