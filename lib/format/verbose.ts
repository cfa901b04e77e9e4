import type { HealthReport } from '../runner/types.js';

/** Content type of the Kubernetes-style verbose output. */
export const VERBOSE_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** Which probe the verbose text is for: its final line names it, as kube-apiserver does. */
export type VerboseProbe = 'livez' | 'readyz' | 'startupz';

/**
 * Kubernetes API-server style text (`/readyz?verbose`): for each of `names`, in order, one
 * `[+]name ok` or
 * `[-]name failed: reason withheld` line per check (reasons are withheld as kube-apiserver
 * does; the JSON carries them for whoever may see details), `[+]name degraded` for a
 * degraded one, `[+]name excluded: ok` for one missing from the report (excluded), a `warn:` line for excluded
 * names that match nothing, a `[-]shutdown failed: reason withheld` line while shutting
 * down, and a final `readyz check passed` or `readyz check failed`.
 */
export function verboseText(
  probe: VerboseProbe,
  report: HealthReport,
  passed: boolean,
  names: readonly string[],
  unmatched: readonly string[],
): string {
  const lines: string[] = [];
  for (const name of names) {
    // Own keys only: an excluded check named `toString` is excluded, not a function.
    const component = Object.hasOwn(report.components, name) ? report.components[name] : undefined;
    if (component === undefined) lines.push(`[+]${name} excluded: ok`);
    else if (component.status === 'UP') lines.push(`[+]${name} ok`);
    else if (component.status === 'DEGRADED') lines.push(`[+]${name} degraded`);
    else lines.push(`[-]${name} failed: reason withheld`);
  }
  if (report.message !== undefined) lines.push('[-]shutdown failed: reason withheld');
  if (unmatched.length > 0) {
    const quoted = unmatched.map((name) => JSON.stringify(name)).join(',');
    lines.push(`warn: some health checks cannot be excluded: no matches for ${quoted}`);
  }
  lines.push(`${probe} check ${passed ? 'passed' : 'failed'}`);
  return `${lines.join('\n')}\n`;
}
