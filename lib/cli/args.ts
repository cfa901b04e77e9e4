import { parseArgs } from 'node:util';
import { takeBasicCredentials } from '../basic-auth.js';
import { describe } from '../describe.js';
import { maskSecrets, redactUrl } from '../mask-secrets.js';
import { printable, type Output } from './output.js';

/** A command line mistake: the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One subcommand of the `health-probes` bin. */
export interface Command {
  /** The word after `health-probes`. */
  readonly name: string;
  /** One line: the synopsis, e.g. `health-probes probe <url> [--timeout 2s]`. */
  readonly usage: string;
  /** One line for the overview. */
  readonly summary: string;
  /**
   * Runs the command with the arguments after its name; resolves to the exit code (0
   * healthy, 1 not). Throws {@link UsageError} for bad arguments.
   */
  run(args: readonly string[], output: Output): Promise<number>;
}

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const DURATION = /^(\d{1,10}(?:\.\d{1,3})?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration such as `500ms`, `2s`, `1.5s`, `1m` or `1h` into milliseconds. The
 * unit is required; the result must be from 1 ms to 2^31-1 ms.
 *
 * @throws {UsageError} naming `--<option>` for anything else.
 */
export function parseDuration(option: string, text: string): number {
  const match = DURATION.exec(text);
  const amount = match?.[1];
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  const ms = amount === undefined || unit === undefined ? NaN : Number(amount) * UNIT_MS[unit];
  if (!(ms >= 1 && ms <= MAX_TIMER_MS)) {
    throw new UsageError(
      `--${option}: expected a duration from 1ms to 24d such as 500ms, 2s or 1m, got ${JSON.stringify(text)}`,
    );
  }
  return Math.round(ms);
}

/** Parses a count: a non-negative integer of at most 9 digits. */
export function parseCount(option: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) {
    throw new UsageError(
      `--${option}: expected a whole number such as 0 or 5, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

// The ports `fetch` never connects to (https://fetch.spec.whatwg.org/#port-blocking),
// and 0: a URL with one of them can never be requested, however often it is retried.
const BLOCKED_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/** A URL to request: where to send it, its `Authorization`, and how to print it. */
export interface HttpTarget {
  /** The URL without its credentials, as `fetch` wants it. */
  readonly href: string;
  /** `Basic ...` from the URL's `user:password@`, or `undefined`. */
  readonly authorization: string | undefined;
  /** What is printed: scheme, host, port and path; never the userinfo or the query. */
  readonly shown: string;
}

/**
 * Parses an `http:` or `https:` URL that `fetch` can request: credentials in it become an
 * `Authorization: Basic` header, as `checks.http()` sends them, and are never printed.
 *
 * @throws {UsageError} for anything else, including a port `fetch` refuses (6000, 10080...),
 *   quoting the text with its secrets masked.
 */
export function parseHttpUrl(text: string): HttpTarget {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Reported below.
  }
  const shown = JSON.stringify(maskSecrets(printable(text, 500)));
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(
      `expected an http:// or https:// URL such as http://127.0.0.1:3000/health/ready, got ${shown}`,
    );
  }
  const port = Number(url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : url.port);
  if (BLOCKED_PORTS.has(port)) {
    throw new UsageError(
      `port ${port} can never be requested (fetch refuses it; see https://fetch.spec.whatwg.org/#port-blocking), got ${shown}`,
    );
  }
  const printed = redactUrl(url);
  const authorization = takeBasicCredentials(url);
  return { href: url.href, authorization, shown: printable(printed, 500) };
}

/**
 * Parses `args` strictly: the named string options, the boolean `flags`, `--help`, and
 * exactly as many positionals as `positionals` names. Options may come before or after
 * the positionals.
 *
 * @throws {UsageError} for an unknown option, a missing value or a wrong positional count.
 */
export function parseCommandArgs<const K extends string, const F extends string = never>(
  args: readonly string[],
  options: readonly K[],
  positionals: readonly string[],
  flags: readonly F[] = [],
): {
  values: Partial<Record<K, string>>;
  flags: Record<F, boolean>;
  positionals: string[];
  help: boolean;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(options.map((name) => [name, { type: 'string' as const }])),
        ...Object.fromEntries(flags.map((name) => [name, { type: 'boolean' as const }])),
      },
    });
  } catch (error) {
    throw new UsageError(describe(error, 'invalid arguments'));
  }
  const help = parsed.values.help === true;
  if (!help && parsed.positionals.length !== positionals.length) {
    throw new UsageError(
      parsed.positionals.length < positionals.length
        ? `missing ${positionals.slice(parsed.positionals.length).join(' ')}`
        : `unexpected argument ${JSON.stringify(parsed.positionals[positionals.length])}`,
    );
  }
  const values: Partial<Record<K, string>> = {};
  const parsedValues = parsed.values as Record<string, string | boolean | undefined>;
  for (const name of options) {
    const value = parsedValues[name];
    if (typeof value === 'string') values[name] = value;
  }
  const set = Object.fromEntries(flags.map((name) => [name, parsedValues[name] === true]));
  return { values, flags: set as Record<F, boolean>, positionals: parsed.positionals, help };
}
