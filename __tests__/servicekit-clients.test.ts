import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, type HealthRouterOptions } from '../lib/index.js';
import { blackHole } from './helpers/black-hole.js';
import { launchChromium } from './helpers/chromium.js';
import { listen, type TestServer } from './helpers/server.js';
import { servicesRequired } from './helpers/services.js';

// The servicekit guide's own clients (__tests__/fixtures/servicekit/, kept as the guide
// shows them) against `format: 'servicekit'`: which work unchanged, and which need
// `statusCodes: { DOWN: 200 }` or `cors`. The README's servicekit section states the same.

const FIXTURES = fileURLToPath(new URL('fixtures/servicekit/', import.meta.url));
// Debian's python3 with python3-httpx, not whatever python3 comes first on the PATH.
const PYTHON = '/usr/bin/python3';
const hasHttpx = existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/httpx');
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

declare const document: {
  getElementById(id: string): { textContent: string | null; style: { color: string } } | null;
};
declare const window: { statuses: string[]; checks: unknown[] };
declare const eventSource: { addEventListener(type: string, listener: () => void): void };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type State = 'UP' | 'DOWN';

/** A servicekit-style service: `/health` and `/health/$stream`, a critical and a non-critical check. */
async function service(options: HealthRouterOptions = {}) {
  const state = { database: 'UP' as State, redis: 'UP' as State };
  const health = createHealth({
    cacheTtlMs: 0,
    checks: {
      database: () => ({
        status: state.database,
        ...(state.database === 'DOWN' ? { message: 'Database error: connection refused' } : {}),
      }),
      redis: { check: () => ({ status: state.redis }), critical: false },
    },
  });
  const app = express().use('/health', healthRouter(health, { format: 'servicekit', ...options }));
  const server = await listen(app);
  cleanups.push(
    () => server.close(),
    () => health.close(),
  );
  return { state, server, health };
}

/** Runs run_clients.py; `onLine` sees each line of its output as it comes. */
function python(args: string[], onLine: (line: string) => void = () => undefined) {
  return new Promise<{ code: number | null; lines: string[]; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(PYTHON, ['-B', '-u', join(FIXTURES, 'run_clients.py'), ...args], {
        cwd: FIXTURES,
        env: { PATH: '/usr/bin:/bin', NO_PROXY: '*' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const lines: string[] = [];
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        let end: number;
        while ((end = stdout.indexOf('\n')) !== -1) {
          const line = stdout.slice(0, end);
          stdout = stdout.slice(end + 1);
          lines.push(line);
          onLine(line);
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (stderr += chunk));
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, lines, stderr });
      });
    },
  );
}

async function check(server: TestServer) {
  const run = await python([server.url, 'check']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.lines[0] ?? '') as {
    check_service_health: boolean;
    health_check_with_timeout: string;
  };
}

describe.skipIf(!hasHttpx && !servicesRequired)("the servicekit guide's Python clients", () => {
  it('check_service_health() works unchanged: true when healthy, false when degraded or unhealthy', async () => {
    const s = await service();
    expect((await check(s.server)).check_service_health).toBe(true);
    s.state.redis = 'DOWN';
    expect((await check(s.server)).check_service_health).toBe(false);
    // It reads the body whatever the status code: the 503 does not matter to it.
    s.state.database = 'DOWN';
    expect((await check(s.server)).check_service_health).toBe(false);
  });

  it('health_check_with_timeout() works unchanged while healthy or degraded, and gets an error for the 503 of unhealthy', async () => {
    const s = await service();
    expect((await check(s.server)).health_check_with_timeout).toBe('healthy');
    s.state.redis = 'DOWN';
    expect((await check(s.server)).health_check_with_timeout).toBe('degraded');
    s.state.database = 'DOWN';
    // raise_for_status() on our 503: what the README warns about.
    expect((await check(s.server)).health_check_with_timeout).toMatch(
      /^error: Server error '503 Service Unavailable' for url 'http:\/\/127\.0\.0\.1:\d+\/health'/,
    );
  });

  it('with statusCodes: { DOWN: 200 } health_check_with_timeout() reads "unhealthy", as from servicekit', async () => {
    const s = await service({ statusCodes: { DOWN: 200 } });
    s.state.database = 'DOWN';
    expect(await check(s.server)).toEqual({
      check_service_health: false,
      health_check_with_timeout: 'unhealthy',
    });
  });

  it('health_check_with_timeout() answers "timeout" for a server that never answers', async () => {
    const hole = await blackHole();
    cleanups.push(() => hole.close());
    const run = await python([`http://127.0.0.1:${hole.port}`, 'timeout', '0.5']);
    expect(JSON.parse(run.lines[0] ?? '')).toEqual({ health_check_with_timeout: 'timeout' });
  });

  it('monitor_service_health() works unchanged: reads every event, alerts when unhealthy', async () => {
    const s = await service();
    let healthy = 0;
    const run = await python([s.server.url, 'monitor', '0.2'], (line) => {
      // After a few healthy events, the database goes down.
      if (line === 'Health: healthy' && ++healthy === 3) s.state.database = 'DOWN';
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const statuses = run.lines.filter((line) => line.startsWith('Health: '));
    expect(statuses.slice(0, 3)).toEqual(['Health: healthy', 'Health: healthy', 'Health: healthy']);
    expect(statuses.at(-1)).toBe('Health: unhealthy');
    expect(run.lines.at(-1)).toBe(
      "ALERT Service unhealthy: {'status': 'unhealthy', 'checks': {'database': {'state': 'unhealthy', 'message': 'Database error: connection refused'}, 'redis': {'state': 'healthy'}}}",
    );
  });
});

describe("the servicekit guide's JavaScript clients in headless Chromium", () => {
  let browser: Browser;
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'servicekit-clients-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fixture with only http://localhost:8000 pointed at `server`. */
  function fixture(name: string, server: TestServer): string {
    return readFileSync(join(FIXTURES, name), 'utf8').replaceAll(
      'http://localhost:8000',
      server.url,
    );
  }

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    cleanups.push(() => context.close());
    return context.newPage();
  }

  /** The guide's HTML dashboard, opened from a local file as its readers would. */
  async function htmlDashboard(server: TestServer) {
    const file = join(tmp, `dashboard-${server.port}.html`);
    writeFileSync(file, fixture('dashboard.html', server));
    const page = await newPage();
    await page.goto(pathToFileURL(file).href);
    return page;
  }

  const statusText = (page: Page) =>
    page.evaluate(() => document.getElementById('status')?.textContent ?? null);

  async function waitStatus(page: Page, text: string) {
    await page.waitForFunction(
      (expected) => document.getElementById('status')?.textContent === expected,
      text,
      { timeout: 10_000 },
    );
  }

  it("the HTML dashboard from a file:// page works with format 'servicekit' and cors 'null'", async () => {
    const s = await service({ cors: 'null' });
    const page = await htmlDashboard(s.server);
    await waitStatus(page, 'Status: healthy');
    expect(await page.evaluate(() => document.getElementById('status')?.style.color)).toBe('green');
    const checks = await page.evaluate(() => document.getElementById('checks')?.textContent ?? '');
    expect(JSON.parse(checks)).toEqual({
      database: { state: 'healthy' },
      redis: { state: 'healthy' },
    });
    await page.screenshot({ path: `${ARTIFACTS}servicekit-dashboard-healthy.png` });

    s.state.redis = 'DOWN';
    await waitStatus(page, 'Status: degraded');
    expect(await page.evaluate(() => document.getElementById('status')?.style.color)).toBe(
      'orange',
    );
    s.state.database = 'DOWN';
    // The stream is 200 whatever the status: the page keeps reading.
    await waitStatus(page, 'Status: unhealthy');
    expect(await page.evaluate(() => document.getElementById('status')?.style.color)).toBe('red');
    await page.screenshot({ path: `${ARTIFACTS}servicekit-dashboard-unhealthy.png` });
  });

  it('without cors the browser refuses the cross-origin stream: "Connection lost"', async () => {
    const s = await service();
    const page = await htmlDashboard(s.server);
    await waitStatus(page, 'Connection lost');
  });

  it("with the default format (named 'health' events) onmessage never fires", async () => {
    const s = await service({ format: 'components', cors: '*' });
    const page = await htmlDashboard(s.server);
    // Events arrive (the fixture's `eventSource` is a global binding of the page), but as
    // 'health' events, which onmessage does not see.
    const named = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let count = 0;
          eventSource.addEventListener('health', () => {
            if (++count === 2) resolve(count);
          });
        }),
    );
    expect(named).toBe(2);
    expect(await statusText(page)).toBe('Connecting...');
  });

  it('the Grafana panel snippet, on a page of another origin allowed by cors', async () => {
    // The "Grafana": another server (another port, so another origin) serving the panel
    // and the two functions the guide leaves to it.
    const target: { server?: TestServer } = {};
    const grafanaApp = express()
      .get('/', (_req, res) => {
        res.type('html').send(`<!doctype html><title>panel</title><script>
          window.statuses = []; window.checks = [];
          function updateHealthStatus(status) { window.statuses.push(status); }
          function updateChecksTable(checks) { window.checks.push(checks); }
        </script><script src="/panel.js"></script>`);
      })
      .get('/panel.js', (_req, res) => {
        res.type('js').send(fixture('grafana-panel.js', target.server!));
      });
    const grafana = await listen(grafanaApp);
    cleanups.push(() => grafana.close());
    // The service allows exactly that origin.
    const s = await service({ cors: [grafana.url] });
    target.server = s.server;

    const page = await newPage();
    await page.goto(grafana.url);
    await page.waitForFunction(() => window.statuses.length >= 2, undefined, { timeout: 10_000 });
    s.state.database = 'DOWN';
    await page.waitForFunction(() => window.statuses.includes('unhealthy'), undefined, {
      timeout: 10_000,
    });
    const seen = await page.evaluate(() => ({ statuses: window.statuses, checks: window.checks }));
    expect(seen.statuses[0]).toBe('healthy');
    expect(seen.checks.at(-1)).toEqual({
      database: { state: 'unhealthy', message: 'Database error: connection refused' },
      redis: { state: 'healthy' },
    });
  });
});

const HAPROXY = '/usr/sbin/haproxy';

/** `show stat` through HAProxy's stats socket: `status check_status` of each `backend/server`. */
function serverStates(socketPath: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error('show stat timed out')));
    socket.once('connect', () => socket.write('show stat\n'));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      const [header = '', ...lines] = text.trim().split('\n');
      const columns = header.replace(/^# /, '').split(',');
      const states = new Map<string, string>();
      for (const line of lines) {
        const values = line.split(',');
        const row = Object.fromEntries(columns.map((column, i) => [column, values[i] ?? '']));
        if (row.svname !== 'BACKEND' && row.svname !== 'FRONTEND') {
          states.set(`${row.pxname}/${row.svname}`, `${row.status} ${row.check_status}`);
        }
      }
      resolve(states);
    });
  });
}

describe.skipIf(!existsSync(HAPROXY) && !servicesRequired)(
  "the servicekit guide's HAProxy check, in front of format 'servicekit'",
  () => {
    it('works with our 503; with DOWN: 200 it keeps an unhealthy server, the rstring check does not', async () => {
      const down503 = await service();
      const down200 = await service({ statusCodes: { DOWN: 200 } });
      const degraded200 = await service({ statusCodes: { DOWN: 200 } });
      down503.state.database = 'DOWN';
      down200.state.database = 'DOWN';
      degraded200.state.redis = 'DOWN';
      const dir = mkdtempSync(join(tmpdir(), 'servicekit-haproxy-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const socketPath = join(dir, 'stats.sock');
      // The guide's backend as it shows it (only the addresses and timings differ), then
      // the same with the rstring check the README recommends with DOWN: 200.
      const guide = (name: string, target: TestServer) => `
backend ${name}
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    http-check expect string healthy
    server app1 127.0.0.1:${target.port} check inter 100ms rise 1 fall 1`;
      const strict = (name: string, target: TestServer) => `
backend ${name}
    option httpchk GET /health
    http-check expect rstring '^\\{"status":"(healthy|degraded)"'
    server app1 127.0.0.1:${target.port} check inter 100ms rise 1 fall 1`;
      writeFileSync(
        join(dir, 'haproxy.cfg'),
        `global
    stats socket ${socketPath} mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s
${guide('guide_503', down503.server)}
${guide('guide_200', down200.server)}
${strict('rstring_200', down200.server)}
${strict('rstring_degraded', degraded200.server)}
`,
      );
      const haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      cleanups.push(() => haproxy.kill('SIGKILL'));
      let stderr = '';
      haproxy.stderr.setEncoding('utf8');
      haproxy.stderr.on('data', (chunk: string) => (stderr += chunk));

      // L7OK: the check passed; L7STS: a wrong status code; L7RSP: the body did not match.
      const expected = new Map([
        ['guide_503/app1', 'DOWN L7STS'],
        ['guide_200/app1', 'UP L7OK'],
        ['rstring_200/app1', 'DOWN L7RSP'],
        ['rstring_degraded/app1', 'UP L7OK'],
      ]);
      let states = new Map<string, string>();
      // Bounded: 50 reads, 100 ms apart (HAProxy checks every 100 ms, fall 1, rise 1).
      for (let i = 0; i < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (!existsSync(socketPath)) continue;
        states = await serverStates(socketPath);
        if ([...expected].every(([server, state]) => states.get(server) === state)) break;
      }
      expect(Object.fromEntries(states), stderr).toEqual(Object.fromEntries(expected));
    });
  },
);
