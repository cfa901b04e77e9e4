import type { IncomingMessage } from 'node:http';
import { detailedBody, probeBody } from '../format/components.js';
import { HEALTH_JSON_CONTENT_TYPE, toHealthJson } from '../format/health-json.js';
import { toServicekit } from '../format/servicekit.js';
import { verboseText, VERBOSE_CONTENT_TYPE, type VerboseProbe } from '../format/verbose.js';
import type { HealthReport } from '../runner/types.js';
import type { ResolvedProbeOptions } from './probe-options.js';
import type { ProbeRequest } from './request.js';
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

/**
 * Renders `report` with `statusCode` in the format the request asks for (or the handler's
 * default), applying the details policy.
 */
export async function render(
  req: IncomingMessage,
  request: ProbeRequest,
  report: HealthReport,
  statusCode: number,
  settings: ResolvedProbeOptions,
  target: RenderTarget,
): Promise<Answer> {
  if (request.verbose && target.probe !== undefined) {
    const passed = statusCode < 400;
    const body = verboseText(target.probe, report, passed, target.names, target.unmatched);
    return { statusCode, body, contentType: VERBOSE_CONTENT_TYPE };
  }
  const show = await detailsShown(settings.showDetails, req);
  switch (request.format ?? settings.format) {
    case 'health+json':
      return {
        statusCode,
        body: JSON.stringify(toHealthJson(report, settings.healthJson, show)),
        contentType: HEALTH_JSON_CONTENT_TYPE,
      };
    case 'servicekit':
      return { statusCode, body: JSON.stringify(toServicekit(report, show)) };
    case 'components':
      return {
        statusCode,
        body: JSON.stringify(target.compact ? probeBody(report, show) : detailedBody(report, show)),
      };
  }
}
