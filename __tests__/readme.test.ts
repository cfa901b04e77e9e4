import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  CHECK_TIME_DEFAULTS,
  DASHBOARD_DEFAULTS,
  DEFAULT_STATUS_CODES,
  GRPC_HEALTH_DEFAULTS,
  HEALTH_DEFAULTS,
  HEALTH_FILE_DEFAULTS,
  MAX_DETAILS_BYTES,
  METRICS_DEFAULTS,
  SHUTDOWN_DEFAULTS,
  STREAM_DEFAULTS,
} from '../lib/index.js';
import { SHOW_DETAILS_TIMEOUT_MS } from '../lib/http/show-details.js';
import { MAX_SCANNED_CHARS } from '../lib/mask-secrets.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
const quickStartExample = await readFile(
  new URL('../examples/quick-start.ts', import.meta.url),
  'utf8',
);

/** The README's headings outside code blocks, as `[level, text]`. */
function headings(): [number, string][] {
  const found: [number, string][] = [];
  let fenced = false;
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const match = fenced ? null : /^(#{1,6}) (.+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      found.push([match[1].length, match[2]]);
    }
  }
  return found;
}

/** GitHub's anchor of each heading: lower case, punctuation dropped, spaces to `-`, `-1` on repeats. */
function anchors(list: [number, string][]): string[] {
  const seen = new Map<string, number>();
  return list.map(([, text]) => {
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replaceAll(' ', '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  });
}

/** The README table row documenting `option`, e.g. "| `timeoutMs` | ... |". */
function row(option: string): string {
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${option}\` |`));
  if (line === undefined) throw new Error(`README has no table row for \`${option}\``);
  return line;
}

/** A default as the README writes it: `5000`, `false`, `'stream'`, `['SIGTERM', 'SIGINT']`. */
function written(value: unknown): string {
  if (typeof value === 'string') return `\`'${value}'\``;
  if (Array.isArray(value)) return `\`[${value.map((v) => `'${String(v)}'`).join(', ')}]\``;
  return `\`${String(value)}\``;
}

const documented: [string, Readonly<Record<string, unknown>>, string[]][] = [
  [
    'sseStream()',
    STREAM_DEFAULTS,
    ['heartbeatMs', 'retryMs', 'onlyChanges', 'maxClients', 'maxBlockedMs'],
  ],
  ['gracefulShutdown()', SHUTDOWN_DEFAULTS, ['signals', 'drainDelayMs', 'timeoutMs', 'exit']],
  ['grpcHealth()', GRPC_HEALTH_DEFAULTS, ['pollIntervalMs', 'maxWatches']],
  ['metrics()', METRICS_DEFAULTS, ['prefix']],
  ['writeHealthFile()', HEALTH_FILE_DEFAULTS, ['intervalMs']],
  ['dashboard()', DASHBOARD_DEFAULTS, ['title', 'streamUrl']],
];

describe('README', () => {
  it.each(documented)('states the defaults of %s as in the code', (_name, defaults, options) => {
    for (const option of options) {
      const rows = readme.split('\n').filter((l) => l.startsWith(`| \`${option}\` |`));
      expect(rows.length, option).toBeGreaterThan(0);
      expect(
        rows.some((r) => r.includes(written(defaults[option]))),
        `${option}: ${written(defaults[option])}`,
      ).toBe(true);
    }
  });

  it.each(Object.entries(HEALTH_DEFAULTS))(
    'states the default of %s as in the code',
    (option, value) => {
      expect(row(option)).toContain(`\`${String(value)}\``);
    },
  );

  it.each([
    'initialDelayMs',
    'staleWhileRevalidateMs',
    'failureThreshold',
    'successThreshold',
  ] as const)('states the default of %s as in the code', (option) => {
    expect(row(option)).toContain(`\`${CHECK_TIME_DEFAULTS[option]}\``);
  });

  it('states the back-off defaults as in the code', () => {
    const { backoffInitialMs, backoffFactor, backoffJitter } = CHECK_TIME_DEFAULTS;
    const backoff = row('backoff');
    expect(backoff).toContain(`\`initialMs\` defaults to \`${backoffInitialMs}\``);
    expect(backoff).toContain(`\`factor\` to \`${backoffFactor}\``);
    expect(backoff).toContain(`\`jitter\` to \`${backoffJitter}\``);
  });

  it('states the cap on details as in the code', () => {
    expect(readme).toContain(`**${MAX_DETAILS_BYTES / 1024} KiB** of JSON (\`MAX_DETAILS_BYTES\``);
  });

  it('states the bound on a showDetails function as in the code', () => {
    expect(row('(req) => boolean \\| Promise<boolean>')).toContain(`${SHOW_DETAILS_TIMEOUT_MS} ms`);
  });

  it('states the default status codes as in the code', () => {
    const { UP, DEGRADED, DOWN } = DEFAULT_STATUS_CODES;
    expect(row('statusCodes')).toContain(`\`{ UP: ${UP}, DEGRADED: ${DEGRADED}, DOWN: ${DOWN} }\``);
    expect(readme).toContain(`**UP ${UP}, DEGRADED ${DEGRADED}, DOWN ${DOWN}**`);
  });

  it('states the health file mode and the message cleaning bound as in the code', () => {
    expect(row('mode')).toContain(`\`0o${HEALTH_FILE_DEFAULTS.mode.toString(8)}\``);
    expect(readme).toContain(`**${MAX_SCANNED_CHARS.toLocaleString('en-US')}** characters`);
  });

  it('keeps the quick start within 10 lines', () => {
    const start = readme.indexOf('## Quick start');
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? '';
    expect(block.trim().split('\n').length).toBeLessThanOrEqual(10);
  });

  it('has a table of contents listing every section and subsection, in order, with working links', () => {
    const all = headings();
    const ids = anchors(all);
    const expected = all
      .map(([level, text], i) => ({ level, text, id: ids[i] ?? '' }))
      .filter(({ level, text }) => (level === 2 || level === 3) && text !== 'Contents')
      .map(({ level, text, id }) => `${'  '.repeat(level - 2)}- [${text}](#${id})`);
    const start = readme.indexOf('## Contents\n\n');
    expect(start).toBeGreaterThan(0);
    const toc = readme
      .slice(start + '## Contents\n\n'.length)
      .split('\n\n')[0]
      ?.split('\n');
    expect(toc).toEqual(expected);
    // Every in-page link of the README lands on a heading.
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
    expect(links.filter((link) => link === undefined || !ids.includes(link))).toEqual([]);
  });

  it('has the quick start run as examples/quick-start.ts, line for line, on the built-in checks', () => {
    const start = readme.indexOf('## Quick start');
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? '';
    const lines = block.trim().split('\n');
    const example = quickStartExample.split('\n');
    let at = 0;
    for (const line of lines) {
      const found = example.indexOf(line, at);
      expect(found, `examples/quick-start.ts lacks, in order: ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
    expect(block).toContain('checks.postgres(pool');
    expect(block).toContain('checks.redis(redis');
    expect(block).not.toMatch(/redis\.ping\(\)|pool\.query\(/);
  });

  it('names the command that starts the demo and the one that runs the tests', () => {
    expect(readme).toMatch(/npm start/);
    expect(readme).toMatch(/npm test/);
  });
});
