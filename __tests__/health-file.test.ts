import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HEALTH_FILE_DEFAULTS,
  writeExclusive,
  writeHealthFile,
  type HealthFile,
} from '../lib/health-file.js';
import { createHealth, HealthOptionsError, type Health, type HealthReport } from '../lib/index.js';
import { deferred } from './helpers/deferred.js';

let directory: string;
const opened: { health: Health; file?: HealthFile }[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'health-probes-file-'));
});
afterEach(async () => {
  for (const { health, file } of opened.splice(0)) {
    await file?.close();
    health.close();
  }
  await rm(directory, { recursive: true, force: true });
});

function start(health: Health, intervalMs?: number, name = 'health.json') {
  const file = writeHealthFile(health, { path: join(directory, name), intervalMs });
  opened.push({ health, file });
  return file;
}

/** The report in the file, or undefined while there is none. */
async function readReport(path: string): Promise<HealthReport | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as HealthReport;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Polls the file every 5 ms until `accept` holds, for at most 10 s. */
async function waitFor(path: string, accept: (r: HealthReport) => boolean): Promise<HealthReport> {
  const deadline = Date.now() + 10_000;
  for (let i = 0; i < 5000 && Date.now() < deadline; i++) {
    const report = await readReport(path);
    if (report !== undefined && accept(report)) return report;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the file never had the expected report');
}

describe('writeHealthFile()', () => {
  it('writes the detailed report at once', async () => {
    const health = createHealth({ checks: { db: () => true }, version: '1.2.3' });
    const file = start(health, 60_000);
    expect(file.path).toBe(join(directory, 'health.json'));
    const report = await waitFor(file.path, () => true);
    expect(report).toMatchObject({
      status: 'UP',
      version: '1.2.3',
      components: { db: { status: 'UP' } },
    });
  });

  it('writes again every intervalMs, never two writes at a time', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        db: async () => {
          running++;
          most = Math.max(most, running);
          // Slower than the interval: an overlapping schedule would start runs meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 30));
          running--;
          return { status: 'UP', details: { run: ++runs } };
        },
      },
    });
    const file = start(health, 10);
    await waitFor(file.path, (r) => Number(r.components.db?.details?.run) >= 5);
    expect(most).toBe(1);
  });

  it('a reader never sees a partial file while writes happen', async () => {
    // A 240 kB report (details are capped at 64 kB a check): a write in place would be seen half done.
    let version = 0;
    const padding = 'x'.repeat(60_000);
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        db: () => ({ status: 'UP', details: { version: ++version, padding } }),
        ...Object.fromEntries(
          Array.from({ length: 3 }, (_, i) => [
            `pad${i}`,
            () => ({ status: 'UP' as const, details: { padding } }),
          ]),
        ),
      },
    });
    const file = start(health, 10);
    await waitFor(file.path, () => true);
    const seen = new Set<unknown>();
    let reads = 0;
    const deadline = Date.now() + 5000;
    // Bounded: stops after 2000 reads, 5 s, or once 20 versions were read whole.
    while (reads < 2000 && Date.now() < deadline && seen.size < 20) {
      const text = await readFile(file.path, 'utf8');
      reads++;
      const report = JSON.parse(text) as HealthReport; // throws on a partial file
      seen.add(report.components.db?.details?.version);
    }
    expect(seen.size).toBeGreaterThanOrEqual(5);
    // No temporary file is left behind between writes, only at most the one in flight.
    expect((await readdir(directory)).filter((f) => f.endsWith('.tmp')).length).toBeLessThanOrEqual(
      1,
    );
  });

  it('on shutdown writes a final DOWN "shutting down" report and stops', async () => {
    let runs = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        db: () => {
          runs++;
        },
      },
    });
    const file = start(health, 10);
    await waitFor(file.path, () => runs >= 2);
    health.markShuttingDown();
    const report = await waitFor(file.path, (r) => r.status === 'DOWN');
    expect(report.message).toBe('shutting down');
    expect(report.components.db?.status).toBe('UP'); // as last seen
    const { mtimeMs } = await stat(file.path);
    // Ten intervals later the file was not written again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stat(file.path)).mtimeMs).toBe(mtimeMs);
    expect(await readReport(file.path)).toEqual(report);
  });

  it('writes the shutting-down report at once for a runner already shutting down', async () => {
    const health = createHealth({ checks: { db: () => true } });
    health.markShuttingDown();
    const file = start(health, 60_000);
    const report = await waitFor(file.path, () => true);
    expect(report).toMatchObject({ status: 'DOWN', message: 'shutting down' });
  });

  it('close() stops writing and removes the file', async () => {
    const health = createHealth({ cacheTtlMs: 0, checks: { db: () => true } });
    const file = start(health, 10);
    await waitFor(file.path, () => true);
    await file.close();
    await file.close();
    expect(await readdir(directory)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(directory)).toEqual([]);
  });

  it('close() during a write waits for it, so the file is not written back afterwards', async () => {
    const gate = deferred();
    let calls = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        db: async () => {
          if (++calls === 2) await gate.promise;
        },
      },
    });
    const file = start(health, 10);
    await waitFor(file.path, () => true);
    // The second write is now waiting for its check.
    for (let i = 0; i < 200 && calls < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = file.close();
    gate.resolve();
    await closed;
    expect(await readdir(directory)).toEqual([]);
  });

  it('reports a failing write once to the logger and keeps trying', async () => {
    const errors: unknown[] = [];
    const log = () => undefined;
    let runs = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: {
        db: () => {
          runs++;
        },
      },
      logger: { info: log, warn: log, error: (object) => errors.push(object) },
    });
    const path = join(directory, 'missing-dir', 'health.json');
    const file = writeHealthFile(health, { path, intervalMs: 10 });
    opened.push({ health, file });
    for (let i = 0; i < 400 && runs < 5; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runs).toBeGreaterThanOrEqual(5);
    expect(errors).toEqual([{ path, error: expect.stringContaining('ENOENT') as string }]);
  });

  it('never follows a symbolic link planted at a predictable temporary name', async () => {
    const victim = join(directory, 'victim');
    await writeFile(victim, 'precious');
    // Every name the 0.1.0 scheme could use (`.<name>.<pid>.<n>.tmp`), and a few obvious ones.
    const planted = [
      ...Array.from({ length: 50 }, (_, n) => `.health.json.${process.pid}.${n + 1}.tmp`),
      '.health.json.tmp',
      'health.json.tmp',
      '.health.json.',
    ];
    for (const name of planted) await symlink(victim, join(directory, name));
    let runs = 0;
    const health = createHealth({ cacheTtlMs: 0, checks: { db: () => (runs++, true) } });
    const file = start(health, 10);
    for (let i = 0; i < 400 && runs < 10; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runs).toBeGreaterThanOrEqual(10);
    await file.close();
    expect(await readFile(victim, 'utf8')).toBe('precious');
    // No temporary file is left behind, and every planted link is still a link to the victim.
    expect((await readdir(directory)).sort()).toEqual([...planted, 'victim'].sort());
  });

  it('writeExclusive() fails with EEXIST on a symbolic link instead of writing through it', async () => {
    const victim = join(directory, 'victim');
    await writeFile(victim, 'precious');
    const link = join(directory, 'link');
    await symlink(victim, link);
    await expect(writeExclusive(link, 'overwritten', 0o644)).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(await readFile(victim, 'utf8')).toBe('precious');
    const fresh = join(directory, 'fresh');
    await writeExclusive(fresh, 'new', 0o600);
    expect(await readFile(fresh, 'utf8')).toBe('new');
  });

  it.each([
    ['the default', undefined, 0o644],
    ['0o600', 0o600, 0o600],
    ['0o640', 0o640, 0o640],
  ])('gives the file the mode of %s, exactly', async (_label, mode, expected) => {
    expect(HEALTH_FILE_DEFAULTS.mode).toBe(0o644);
    const health = createHealth({ checks: { db: () => true } });
    const path = join(directory, 'health.json');
    const file = writeHealthFile(health, { path, intervalMs: 60_000, mode });
    opened.push({ health, file });
    await waitFor(path, () => true);
    expect((await stat(path)).mode & 0o777).toBe(expected);
  });

  it.each([
    ['no path', {}, 'path'],
    ['an empty path', { path: '' }, 'path'],
    ['a zero interval', { path: 'x', intervalMs: 0 }, 'intervalMs'],
    ['a fractional interval', { path: 'x', intervalMs: 1.5 }, 'intervalMs'],
    ['a typo', { path: 'x', interval: 100 }, 'interval'],
    ['a mode past 0o777', { path: 'x', mode: 0o1777 }, 'mode'],
    ['a string mode', { path: 'x', mode: '644' }, 'mode'],
  ])('rejects %s', (_label, options, option) => {
    const health = createHealth();
    opened.push({ health });
    expect(() => writeHealthFile(health, options as never)).toThrow(HealthOptionsError);
    expect(() => writeHealthFile(health, options as never)).toThrow(
      expect.objectContaining({ option }),
    );
  });

  it('suggests intervalMs for interval', () => {
    const health = createHealth();
    opened.push({ health });
    expect(() => writeHealthFile(health, { path: 'x', interval: 5 } as never)).toThrow(
      'writeHealthFile(): unknown option `interval`. Did you mean `intervalMs`?',
    );
  });
});
