import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_DEFAULTS,
  DEFAULT_STATUS_CODES,
  GRPC_HEALTH_DEFAULTS,
  HEALTH_DEFAULTS,
  HEALTH_FILE_DEFAULTS,
  METRICS_DEFAULTS,
  SHUTDOWN_DEFAULTS,
  STREAM_DEFAULTS,
} from '../lib/index.js';
import { MAX_SCANNED_CHARS } from '../lib/mask-secrets.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

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

  it('names the command that starts the demo and the one that runs the tests', () => {
    expect(readme).toMatch(/npm start/);
    expect(readme).toMatch(/npm test/);
  });
});
