import { parseArgs } from 'node:util';
import { describe } from '../describe.js';
import type { Output } from './output.js';

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

/** Parses an `http:` or `https:` URL. */
export function parseHttpUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Reported below.
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(
      `expected an http:// or https:// URL such as http://127.0.0.1:3000/health/ready, got ${JSON.stringify(text)}`,
    );
  }
  return url;
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
