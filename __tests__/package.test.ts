import { execFile } from 'node:child_process';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
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

  it('ships dist, the sources its maps point at, the changelog and the manifest, nothing else', async () => {
    const { stdout } = await run('find', ['.', '-maxdepth', '1'], { cwd: installed });
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        '.',
        './CHANGELOG.md',
        './LICENSE',
        './README.md',
        './dist',
        './lib',
        './package.json',
      ].filter((f) => f !== './LICENSE' || stdout.includes('LICENSE')),
    );
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      type: string;
    };
    expect(manifest.type).toBe('module');
    const changelog = await readFile(join(installed, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^# Changelog/);
  });

  it('has every source map point only at files the package ships', async () => {
    const files = await readdir(join(installed, 'dist'), { recursive: true });
    const maps = files.filter((file) => file.endsWith('.map'));
    expect(maps).toContain('index.js.map');
    expect(maps).toContain('index.d.ts.map');
    const missing: string[] = [];
    let sources = 0;
    for (const map of maps) {
      const path = join(installed, 'dist', map);
      const { sources: listed, sourceRoot = '' } = JSON.parse(await readFile(path, 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of listed) {
        sources++;
        const target = resolve(dirname(path), sourceRoot, source);
        // Inside the package, and there.
        if (relative(installed, target).startsWith('..')) missing.push(`${map}: ${source}`);
        else await access(target).catch(() => missing.push(`${map}: ${source}`));
      }
    }
    expect(sources).toBeGreaterThan(maps.length);
    expect(missing).toEqual([]);
  });

  it('names its repository, home page and issue tracker', async () => {
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      repository?: { url?: string };
      homepage?: string;
      bugs?: { url?: string };
    };
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    expect(manifest.homepage).toMatch(/^https:\/\/github\.com\//);
    expect(manifest.bugs?.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/);
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

  it('exports health-probes/fastify and health-probes/koa, sharing the main entry’s Health', async () => {
    const script = `
      import { createHealth } from 'health-probes';
      import { fastifyHealth } from 'health-probes/fastify';
      import { koaHealth } from 'health-probes/koa';
      // A second copy of the Health class would make koaHealth() read the runner as options.
      const middleware = koaHealth(createHealth());
      console.log(typeof fastifyHealth, typeof middleware, typeof middleware.stats);
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: sandbox,
    });
    expect(stdout.trim()).toBe('function function function');
  });

  it('loads no framework at run time: fastify and koa are optional peers, for their types', async () => {
    const files = await readdir(join(installed, 'dist'), { recursive: true });
    for (const file of files.filter((name) => name.endsWith('.js'))) {
      const code = await readFile(join(installed, 'dist', file), 'utf8');
      expect(code, file).not.toMatch(/from ["'](fastify|koa|hono|@hono\/node-server)["']/);
      expect(code, file).not.toMatch(/import\(["'](fastify|koa)["']\)/);
    }
  });

  // The README's note for CommonJS consumers, checked with the TypeScript installed here.
  it.each([
    ['nodenext', true],
    ['node20', true],
    ['node18', false],
    ['node16', false],
  ])(
    'types a CommonJS consumer under "module": "%s": %s',
    async (module, accepted) => {
      const consumer = join(sandbox, `cjs-${module}`);
      await mkdir(consumer, { recursive: true });
      await writeFile(join(consumer, 'package.json'), '{ "type": "commonjs" }\n');
      await writeFile(
        join(consumer, 'index.ts'),
        "import { createHealth, liveness } from 'health-probes';\nexport const live = [createHealth(), liveness()];\n",
      );
      await writeFile(
        join(consumer, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module, noEmit: true, skipLibCheck: true, types: ['node'] },
          files: ['index.ts'],
        }),
      );
      const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc');
      const outcome = await run(tsc, ['-p', '.'], { cwd: consumer }).then(
        () => 'accepted',
        (error: unknown) => (error as { stdout?: string }).stdout ?? '',
      );
      if (accepted) expect(outcome).toBe('accepted');
      else expect(outcome).toContain('error TS1479');
    },
    60_000,
  );
});
