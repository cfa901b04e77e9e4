// A real cache in front: Debian's Varnish, run on a copy of examples/varnish.vcl (VCL reads
// no environment, so the copy has the backends' ports and a 200 ms probe interval written
// in) in front of two health-probes servers whose readiness the test flips. What Varnish
// thinks is read from `varnishadm backend.list -j` and from who answers the requests.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, startDaemon, type Daemon } from './helpers/daemon.js';
import { flipBackend, type FlipBackend } from './helpers/flip-backend.js';
import { freePort } from './helpers/nginx.js';
import { waitFor } from './helpers/poll.js';
import { linesMissingFrom, readmeSnippets } from './helpers/readme-snippet.js';
import { servicesRequired } from './helpers/services.js';

const VARNISHD = '/usr/sbin/varnishd';
const VARNISHADM = '/usr/bin/varnishadm';
const installed = existsSync(VARNISHD) && existsSync(VARNISHADM);
if (!installed && servicesRequired) {
  throw new Error(`${VARNISHD} is missing: .ci/run installs the varnish package`);
}
const run = promisify(execFile);
const INTERVAL_MS = 200;
/** The probe's .window and .threshold in examples/varnish.vcl. */
const WINDOW = 3;
const THRESHOLD = 2;
/** Slack for a loaded 2-core CI machine on every "within" bound. */
const MARGIN_MS = 600;

/** examples/varnish.vcl with each `from` replaced by `to`; throws if one is not there. */
async function vclCopy(replacements: [from: string, to: string][]): Promise<string> {
  let vcl = await readFile(new URL('../examples/varnish.vcl', import.meta.url), 'utf8');
  for (const [from, to] of replacements) {
    if (!vcl.includes(from)) throw new Error(`examples/varnish.vcl has no ${from}`);
    vcl = vcl.replace(from, to);
  }
  return vcl;
}

type Health = 'healthy' | 'sick';

describe.skipIf(!installed)('Varnish backend probes (examples/varnish.vcl)', () => {
  let a: FlipBackend;
  let b: FlipBackend;
  const opened: FlipBackend[] = [];
  let varnish: Daemon | undefined;
  let dir = '';
  let workdir = '';
  let url = '';

  /** Varnish's own view: backend name (`app1`, `app2`, the director `app`) to health. */
  async function backendHealth(): Promise<Record<string, Health>> {
    const { stdout } = await run(VARNISHADM, ['-n', workdir, 'backend.list', '-j'], {
      timeout: 5000,
    });
    // [version, argv, time, { "boot.app1": { "probe_message": [good, window, health] } }]
    const [, , , backends] = JSON.parse(stdout) as [
      unknown,
      unknown,
      unknown,
      Record<string, { probe_message: [number, number, Health] }>,
    ];
    return Object.fromEntries(
      Object.entries(backends).map(([name, b]) => [
        name.replace(/^boot\./, ''),
        b.probe_message[2],
      ]),
    );
  }

  function healthBecomes(what: string, test: (health: Record<string, Health>) => boolean) {
    return waitFor(
      what,
      async () => {
        const health = await backendHealth();
        return test(health) ? health : undefined;
      },
      { timeoutMs: 5000, intervalMs: 50 },
    );
  }

  /** `count` requests through Varnish, one after another. */
  async function through(count: number) {
    const outcomes = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${url}/who`, { signal: AbortSignal.timeout(3000) });
      outcomes.push({
        status: response.status,
        statusText: response.statusText,
        body: await response.text(),
      });
    }
    return outcomes;
  }

  beforeAll(async () => {
    opened.push((a = await flipBackend('a')));
    opened.push((b = await flipBackend('b')));
    dir = await mkdtemp(join(tmpdir(), 'health-probes-varnish-'));
    // Run as root, varnishd drops to its own users (varnish, vcache; its default `-j unix`
    // jail): they must reach the working directory inside this one.
    await chmod(dir, 0o755);
    workdir = join(dir, 'work');
    const vcl = await vclCopy([
      ['.port = "3000";', `.port = "${a.port}";`],
      ['.port = "3001";', `.port = "${b.port}";`],
      ['.interval = 1s;', `.interval = ${INTERVAL_MS}ms;`],
      [`.window = ${WINDOW};`, `.window = ${WINDOW};`],
      [`.threshold = ${THRESHOLD};`, `.threshold = ${THRESHOLD};`],
    ]);
    await writeFile(join(dir, 'varnish.vcl'), vcl);
    const [port, adminPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    varnish = startDaemon(
      VARNISHD,
      [
        '-F',
        ...(isRoot ? [] : ['-j', 'none']),
        '-n',
        workdir,
        '-a',
        `127.0.0.1:${port}`,
        '-T',
        `127.0.0.1:${adminPort}`,
        '-f',
        join(dir, 'varnish.vcl'),
        '-s',
        'malloc,16m',
      ],
      {},
      { ownJail: true },
    );
    await waitFor(
      'Varnish to find both backends healthy',
      async () => {
        if (!varnish!.running) throw new Error(`varnishd exited:\n${varnish!.tail()}`);
        const health = await backendHealth().catch(() => undefined);
        return health?.app1 === 'healthy' && health.app2 === 'healthy' ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  }, 25_000);

  afterAll(async () => {
    await varnish?.stop();
    await Promise.all(opened.map((backend) => backend.close()));
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('marks a backend whose readiness answers 503 sick, sends everything to the healthy one, and makes it healthy again once it answers 200', async () => {
    expect((await through(4)).map((o) => o.body).sort()).toEqual(['a', 'a', 'b', 'b']);
    a.set('DOWN');
    const failedAt = performance.now();
    await healthBecomes('app1 sick', (health) => health.app1 === 'sick');
    const sickMs = performance.now() - failedAt;
    // Sick once fewer than threshold of the last window probes passed.
    expect(sickMs).toBeLessThan((WINDOW - THRESHOLD + 1) * INTERVAL_MS + MARGIN_MS);
    const whileDown = await through(20);
    expect(whileDown).toEqual(
      Array.from({ length: 20 }, () => ({ status: 200, statusText: 'OK', body: 'b' })),
    );

    a.set('UP');
    const restoredAt = performance.now();
    const health = await healthBecomes('app1 healthy', (h) => h.app1 === 'healthy');
    const healthyMs = performance.now() - restoredAt;
    console.info(
      `Varnish: app1 sick ${Math.round(sickMs)} ms after readiness turned 503, healthy ` +
        `${Math.round(healthyMs)} ms after it turned 200 (.interval ${INTERVAL_MS} ms, ` +
        `.window ${WINDOW}, .threshold ${THRESHOLD})`,
    );
    expect(healthyMs).toBeLessThan(THRESHOLD * INTERVAL_MS + MARGIN_MS);
    expect(health).toEqual({ app1: 'healthy', app2: 'healthy', app: 'healthy' });
    expect((await through(4)).map((o) => o.body).sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('keeps a DEGRADED backend healthy: the probe sees 200', async () => {
    a.set('DEGRADED');
    const probed = a.readinessRequests;
    await waitFor('four probes of app1 while DEGRADED', () =>
      a.readinessRequests >= probed + 4 ? true : undefined,
    );
    const health = await backendHealth();
    const bodies = (await through(4)).map((o) => o.body).sort();
    a.set('UP');
    expect(health.app1).toBe('healthy');
    expect(bodies).toEqual(['a', 'a', 'b', 'b']);
  });

  it('answers 503 itself when every backend is sick, and serves again once one is healthy', async () => {
    a.set('DOWN');
    b.set('DOWN');
    await healthBecomes('every backend sick', (h) => h.app1 === 'sick' && h.app2 === 'sick');
    const [answer] = await through(1);
    // Varnish's own synthetic error, not a backend's answer.
    expect(answer).toMatchObject({ status: 503, statusText: 'Backend fetch failed' });
    expect(answer?.body).toContain('Guru Meditation');

    b.set('UP');
    await healthBecomes('app2 healthy', (h) => h.app2 === 'healthy');
    expect((await through(2)).map((o) => o.body)).toEqual(['b', 'b']);
    a.set('UP');
    await healthBecomes('app1 healthy', (h) => h.app1 === 'healthy');
  });
});

describe("the README's Varnish snippet", () => {
  it('is the text of examples/varnish.vcl', async () => {
    const [snippet] = await readmeSnippets('vcl', 'probe health_ready');
    expect(snippet).toBeDefined();
    expect(await linesMissingFrom('varnish.vcl', snippet!)).toEqual([]);
  });
});
