import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
// Inside node_modules so the unpacked package resolves its dependencies from ours.
const sandbox = join(process.cwd(), 'node_modules', '.package-smoke');
const installed = join(sandbox, 'node_modules', 'health-probes');

const probe = `
  const server = m.healthRouter(m.createHealth({ checks: { ok: () => true } }));
  console.log(typeof m.createHealth, typeof m.liveness, typeof m.checks.diskSpace, typeof server);
`;

describe('the published package', () => {
  beforeAll(async () => {
    await rm(sandbox, { recursive: true, force: true });
    await mkdir(installed, { recursive: true });
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', sandbox]);
    const tarball = join(sandbox, stdout.trim().split('\n').pop() ?? '');
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  }, 60_000);

  afterAll(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('ships dist and the manifest, nothing else', async () => {
    const { stdout } = await run('find', ['.', '-maxdepth', '1'], { cwd: installed });
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['.', './LICENSE', './README.md', './dist', './package.json'].filter(
        (f) => f !== './LICENSE' || stdout.includes('LICENSE'),
      ),
    );
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      type: string;
    };
    expect(manifest.type).toBe('module');
  });

  it('works with import', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', `import * as m from 'health-probes'; ${probe}`],
      { cwd: sandbox },
    );
    expect(stdout.trim()).toBe('function function function function');
  });

  it('works with require (Node >= 20.19 loads ESM without top-level await)', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-e', `const m = require('health-probes'); ${probe}`],
      {
        cwd: sandbox,
      },
    );
    expect(stdout.trim()).toBe('function function function function');
  });
});
