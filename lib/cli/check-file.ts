import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseCommandArgs, parseDuration, type Command } from './args.js';
import { formatDuration, paint, printable, type Output } from './output.js';

/** Defaults of `health-probes check-file`. */
export const CHECK_FILE_DEFAULTS = Object.freeze({
  /** How old the file may be: six writes at `writeHealthFile()`'s default 5 s interval. */
  maxAge: '30s',
  /** Largest file read, in bytes; a bigger one is not a health report. */
  maxBytes: 1024 * 1024,
});

const HEALTHY = new Set(['UP', 'DEGRADED']);
const STATUSES = new Set(['UP', 'DEGRADED', 'DOWN']);

/**
 * `health-probes check-file <path> [--max-age 30s] [--ignore-status]`: the exec-probe side
 * of `writeHealthFile()`. Exits 0 when the file was modified at most `--max-age` ago and
 * its `status` is UP or DEGRADED, 1 when it is DOWN, stale, missing or not a health report.
 * With `--ignore-status` only freshness counts: the liveness question "is the process
 * still running and writing?", which a DOWN dependency must not answer with a restart.
 * Prints one line to standard output, e.g. `UP /tmp/health.json 2s old`,
 * `DOWN "shutting down" /tmp/health.json 1s old`, `STALE UP /tmp/health.json 45s old (max 30s)`
 * or `ERR missing /tmp/health.json`.
 */
export const checkFile: Command = {
  name: 'check-file',
  usage: `health-probes check-file <path> [--max-age ${CHECK_FILE_DEFAULTS.maxAge}] [--ignore-status]`,
  summary: 'exit 0 when the health file is fresh and UP or DEGRADED (exec probes)',
  async run(args, output) {
    const { values, flags, positionals, help } = parseCommandArgs(
      args,
      ['max-age'],
      ['<path>'],
      ['ignore-status'],
    );
    if (help) return usage(output);
    const path = positionals[0] ?? '';
    const maxAgeMs = parseDuration('max-age', values['max-age'] ?? CHECK_FILE_DEFAULTS.maxAge);
    const shown = printable(path, 500);
    const read = await readReport(path);
    if ('error' in read) {
      output.out(`${paint(output, 'ERR')} ${read.error} ${shown}`);
      return 1;
    }
    const { status, message, ageMs } = read;
    const age = `${formatDuration(ageMs)} old`;
    if (ageMs > maxAgeMs) {
      output.out(
        `${paint(output, 'STALE')} ${status} ${shown} ${age} (max ${formatDuration(maxAgeMs)})`,
      );
      return 1;
    }
    const said = message === undefined ? '' : ` ${JSON.stringify(printable(message))}`;
    output.out(`${paint(output, status)}${said} ${shown} ${age}`);
    return HEALTHY.has(status) || flags['ignore-status'] ? 0 : 1;
  },
};

function usage(output: Output): number {
  output.out(`Usage: ${checkFile.usage}`);
  return 0;
}

type Read = { status: string; message: string | undefined; ageMs: number } | { error: string };

/** The report's status and message and the file's age, or why there is none. */
async function readReport(path: string): Promise<Read> {
  let text: string;
  let modifiedMs: number;
  try {
    // Non-blocking: opening a FIFO for reading would wait for a writer forever. On a
    // regular file the flag changes nothing; anything else is refused by the stat below.
    const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = await file.stat();
      if (!stats.isFile()) return { error: 'not a file' };
      if (stats.size > CHECK_FILE_DEFAULTS.maxBytes) return { error: 'too large for a report' };
      modifiedMs = stats.mtimeMs;
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') return { error: 'missing' };
    return { error: typeof code === 'string' ? printable(code, 40) : 'unreadable' };
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    return { error: 'not a health report (invalid JSON)' };
  }
  const { status, message } = (typeof report === 'object' && report !== null ? report : {}) as {
    status?: unknown;
    message?: unknown;
  };
  if (typeof status !== 'string' || !STATUSES.has(status)) {
    return { error: 'not a health report (no UP, DEGRADED or DOWN status)' };
  }
  return {
    status,
    message: typeof message === 'string' ? message : undefined,
    // A clock that stepped back makes a negative age: the file was written just now.
    ageMs: Math.max(0, Date.now() - modifiedMs),
  };
}
