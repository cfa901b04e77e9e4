// A real reverse proxy: Debian's Caddy, run on examples/Caddyfile (the checked-in file, its
// {$VAR:default} placeholders filled from the environment) in front of two health-probes
// servers whose readiness the test flips. Active health checks GET /health/ready every
// 200 ms here; what Caddy thinks is read from its own log lines ("unexpected status code",
// "host is up") and from which backend answers the requests it proxies.
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NOBODY, startDaemon, type Daemon } from './helpers/daemon.js';
import { flipBackend, type FlipBackend } from './helpers/flip-backend.js';
import { freePort } from './helpers/nginx.js';
import { waitFor } from './helpers/poll.js';
import { linesMissingFrom, readmeSnippets } from './helpers/readme-snippet.js';
import { servicesRequired } from './helpers/services.js';

const CADDY = '/usr/bin/caddy';
const installed = existsSync(CADDY);
const INTERVAL_MS = 200;
/** Slack for a loaded 2-core CI machine on every "within" bound. */
const MARGIN_MS = 600;
if (!installed && servicesRequired) {
  throw new Error(`${CADDY} is missing: .ci/run installs the caddy package`);
}

/** Caddy's JSON log entries from `from` on. */
function logEntries(caddy: Daemon, from: number): Record<string, unknown>[] {
  return caddy.lines.slice(from).flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown> | null;
      return typeof entry === 'object' && entry !== null ? [entry] : [];
    } catch {
      return [];
    }
  });
}

describe.skipIf(!installed)('Caddy active health checks (examples/Caddyfile)', () => {
  let a: FlipBackend;
  let b: FlipBackend;
  const opened: FlipBackend[] = [];
  let caddy: Daemon | undefined;
  let dir = '';
  let url = '';

  /** `count` requests through Caddy, one after another: status and body of each. */
  async function through(count: number): Promise<{ status: number; body: string }[]> {
    const outcomes = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${url}/who`, { signal: AbortSignal.timeout(3000) });
      outcomes.push({ status: response.status, body: await response.text() });
    }
    return outcomes;
  }

  /** Waits until Caddy has logged `msg` for `backend` after line `from`. */
  function caddyLogged(msg: string, backend: FlipBackend, from: number) {
    return waitFor(
      `Caddy to log "${msg}" for ${backend.name}`,
      () =>
        logEntries(caddy!, from).find(
          (entry) => entry.msg === msg && entry.host === backend.address,
        ),
      { timeoutMs: 5000 },
    );
  }

  beforeAll(async () => {
    opened.push((a = await flipBackend('a')));
    opened.push((b = await flipBackend('b')));
    dir = await mkdtemp(join(tmpdir(), 'health-probes-caddy-'));
    // Caddy runs as nobody (startDaemon) and writes its autosaved config here.
    if (isRoot) await chown(dir, NOBODY.uid, NOBODY.gid);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    caddy = startDaemon(
      CADDY,
      ['run', '--adapter', 'caddyfile', '--config', 'examples/Caddyfile'],
      {
        // Autosaved config and certificate storage go to the temp dir, not ~/.config.
        HOME: dir,
        XDG_CONFIG_HOME: dir,
        XDG_DATA_HOME: dir,
        CADDY_ADMIN: 'off',
        CADDY_BIND: '127.0.0.1',
        CADDY_PORT: String(port),
        APP1_ADDR: a.address,
        APP2_ADDR: b.address,
        CADDY_HEALTH_INTERVAL: `${INTERVAL_MS}ms`,
      },
    );
    await waitFor(
      'Caddy to proxy to both backends',
      async () => {
        if (!caddy!.running) throw new Error(`caddy exited:\n${caddy!.tail()}`);
        const bodies = await through(4).then(
          (outcomes) => outcomes.map((o) => o.body),
          (): string[] => [],
        );
        return bodies.includes('a') && bodies.includes('b') ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }, 20_000);

  afterAll(async () => {
    await caddy?.stop();
    await Promise.all(opened.map((backend) => backend.close()));
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('stops proxying to a backend whose readiness answers 503, sends everything to the healthy one, and resumes once it answers 200', async () => {
    let mark = caddy!.lines.length;
    a.set('DOWN');
    const failedAt = performance.now();
    const failed = await caddyLogged('unexpected status code', a, mark);
    const detectedMs = performance.now() - failedAt;
    expect(failed.status_code).toBe(503);
    // One failed check is enough for Caddy 2.6 (no health_fails): within one interval.
    expect(detectedMs).toBeLessThan(INTERVAL_MS + MARGIN_MS);
    // The log line and the state change are one step apart; then nothing reaches `a`.
    await waitFor('Caddy to send nothing to a', async () =>
      (await through(4)).every((o) => o.body === 'b') ? true : undefined,
    );
    const whileDown = await through(20);
    expect(whileDown).toEqual(Array.from({ length: 20 }, () => ({ status: 200, body: 'b' })));

    mark = caddy!.lines.length;
    a.set('UP');
    const restoredAt = performance.now();
    await caddyLogged('host is up', a, mark);
    const upMs = performance.now() - restoredAt;
    console.info(
      `Caddy: a marked down ${Math.round(detectedMs)} ms after readiness turned 503, ` +
        `up ${Math.round(upMs)} ms after it turned 200 (health_interval ${INTERVAL_MS} ms)`,
    );
    expect(upMs).toBeLessThan(INTERVAL_MS + MARGIN_MS);
    await waitFor('Caddy to proxy to a again', async () =>
      (await through(4)).some((o) => o.body === 'a') ? true : undefined,
    );
  });

  it('keeps a DEGRADED backend in rotation: readiness still answers 200', async () => {
    const mark = caddy!.lines.length;
    a.set('DEGRADED');
    const probed = a.readinessRequests;
    await waitFor('three health checks of a while DEGRADED', () =>
      a.readinessRequests >= probed + 3 ? true : undefined,
    );
    const bodies = (await through(10)).map((o) => o.body);
    a.set('UP');
    expect(bodies.filter((body) => body === 'a')).toHaveLength(5);
    expect(logEntries(caddy!, mark).filter((entry) => entry.host === a.address)).toEqual([]);
  });

  it('answers 503 itself when every backend is DOWN, and proxies again once one is UP', async () => {
    const mark = caddy!.lines.length;
    a.set('DOWN');
    b.set('DOWN');
    await waitFor('Caddy to answer 503', async () =>
      (await through(1))[0]?.status === 503 ? true : undefined,
    );
    expect(logEntries(caddy!, mark).some((entry) => entry.msg === 'no upstreams available')).toBe(
      true,
    );
    b.set('UP');
    await waitFor('Caddy to proxy to b again', async () =>
      (await through(1))[0]?.body === 'b' ? true : undefined,
    );
    a.set('UP');
    await waitFor('Caddy to proxy to a again', async () =>
      (await through(4)).some((o) => o.body === 'a') ? true : undefined,
    );
  });
});

describe("the README's Caddy snippet", () => {
  it('is the text of examples/Caddyfile', async () => {
    const [snippet] = await readmeSnippets('caddyfile', 'health_uri');
    expect(snippet).toBeDefined();
    expect(await linesMissingFrom('Caddyfile', snippet!)).toEqual([]);
  });
});
