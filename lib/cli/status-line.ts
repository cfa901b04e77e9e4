import { paint, printable, type Output } from './output.js';

/** Most components listed on one line. */
const MAX_COMPONENTS = 50;
/** Component states whose message is not shown. */
const OK = new Set(['UP', 'healthy', 'pass']);

/**
 * The line `watch` prints for one report, and the statuses it shows (what a change is):
 * `<timestamp> <STATUS> ["<message>"] <name>=<STATUS>[("<message>")] ...`, component
 * messages only when not UP, at most 50 components. Reads the detailed report
 * (`components.*.status`) and servicekit's (`checks.*.state`). Every string from the
 * server goes through {@link printable}. `undefined` for data that is not a report.
 */
export function statusLine(
  data: string,
  output: Output,
): { line: string; signature: string } | undefined {
  let report: unknown;
  try {
    report = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof report !== 'object' || report === null) return undefined;
  const fields = report as Record<string, unknown>;
  const { status, message, timestamp } = fields;
  const components = fields.components ?? fields.checks;
  if (typeof status !== 'string') return undefined;
  const shown = printable(status, 16);
  let line = `${typeof timestamp === 'string' ? printable(timestamp, 40) : new Date().toISOString()} ${paint(output, shown)}`;
  // The aggregate's message is rare ('shutting down') and worth a line; components' vary.
  if (typeof message === 'string') line += ` ${JSON.stringify(printable(message))}`;
  let signature = typeof message === 'string' ? `${shown} ${message}` : shown;
  const entries =
    typeof components === 'object' && components !== null ? Object.entries(components) : [];
  entries.forEach(([name, value], index) => {
    const component = (typeof value === 'object' && value !== null ? value : {}) as Record<
      string,
      unknown
    >;
    const given = component.status ?? component.state;
    const state = typeof given === 'string' ? printable(given, 16) : '?';
    const said = component.message;
    signature += `|${name}=${state}`;
    if (index < MAX_COMPONENTS) {
      line += ` ${printable(name, 64)}=${paint(output, state)}`;
      if (!OK.has(state) && typeof said === 'string')
        line += `(${JSON.stringify(printable(said, 120))})`;
    } else if (index === MAX_COMPONENTS) {
      line += ` …${entries.length - index} more`;
    }
  });
  return { line, signature };
}
