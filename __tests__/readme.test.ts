import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_CODES, HEALTH_DEFAULTS } from '../lib/index.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

/** The README table row documenting `option`, e.g. "| `timeoutMs` | ... |". */
function row(option: string): string {
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${option}\` |`));
  if (line === undefined) throw new Error(`README has no table row for \`${option}\``);
  return line;
}

describe('README', () => {
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
