/** Where a command writes its lines, and whether it may colour them. */
export interface Output {
  /** Writes one line to standard output. */
  readonly out: (line: string) => void;
  /** Writes one line to standard error. */
  readonly err: (line: string) => void;
  /** Whether ANSI colours are on. */
  readonly color: boolean;
}

/**
 * The process' terminal. Colours are on when standard output is a TTY (or `FORCE_COLOR`
 * is set to anything but `0` or `false`), and never when `NO_COLOR` is set to a non-empty
 * value (https://no-color.org) or `TERM` is `dumb`.
 */
export function terminalOutput(env: NodeJS.ProcessEnv = process.env): Output {
  // `isTTY` is undefined, not false, when standard output is a pipe or a file.
  const tty = (process.stdout as { isTTY?: boolean }).isTTY === true;
  const force = env.FORCE_COLOR !== undefined && !['0', 'false'].includes(env.FORCE_COLOR);
  const color = (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb' && (force || tty);
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    color,
  };
}

// Green, yellow, red; servicekit's and health+json's words too.
const STATUS_COLORS: Readonly<Record<string, number>> = {
  UP: 32,
  healthy: 32,
  pass: 32,
  DEGRADED: 33,
  degraded: 33,
  warn: 33,
  DOWN: 31,
  unhealthy: 31,
  fail: 31,
  STALE: 31,
  ERR: 31,
};

/** `text` in the colour of `status` (green UP, yellow DEGRADED, red DOWN), when allowed. */
export function paint(output: Output, status: string, text: string = status): string {
  // `status` comes from the server: only the table's own keys, never `constructor`.
  const code = Object.hasOwn(STATUS_COLORS, status) ? STATUS_COLORS[status] : undefined;
  return output.color && code !== undefined ? `\u001b[${code}m${text}\u001b[39m` : text;
}

/** Dims `text` when colours are on. */
export function dim(output: Output, text: string): string {
  return output.color ? `\u001b[2m${text}\u001b[22m` : text;
}

/**
 * Makes text from a server or a file safe to print on a terminal: control characters
 * (C0, DEL and C1, which include the escape sequences that move the cursor or rewrite
 * the title) become `?`, and the text is cut at `maxLength` characters with `…`.
 */
export function printable(text: string, maxLength = 200): string {
  // Cut first: the replacement is one character for one, and the rest is never shown.
  const cut = text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A duration for people: `450ms`, `2s`, `1m5s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)}m${rest === 0 ? '' : `${rest}s`}`;
}
