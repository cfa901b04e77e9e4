// A real load balancer: Debian's HAProxy, run on examples/haproxy.cfg (the checked-in file,
// its ${VAR} placeholders filled from the environment) in front of two instances of
// examples/demo.ts (which imports the built package: `npm run build` first, as `npm test`
// does). Health checks GET /health/ready every 200 ms, fall 2, rise 2; the test reads
// server states from `show stat` on the stats socket.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild, spawnTs, type Child } from './fixtures/child.js';
import { delay, keepAliveAgents, request, runLoad, Tally } from './fixtures/load.js';
import { servicesRequired } from './helpers/services.js';

const HAPROXY = '/usr/sbin/haproxy';
const INTER_MS = 200;
const FALL = 2;
const RISE = 2;
/** The app's drain: longer than HAProxy's worst detection time, (FALL + 1) * INTER_MS. */
const DRAIN_DELAY_MS = 1500;
/** Slack for a loaded 2-core CI machine on every "within" bound. */
const MARGIN_MS = 600;
const haproxyPresent = existsSync(HAPROXY);

if (!haproxyPresent && servicesRequired) {
  throw new Error(`${HAPROXY} is missing: .ci/run installs the haproxy package`);
}

/** A free loopback port (bound, read, released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type StatRow = Record<string, string>;

/** `show stat` through the stats socket, as rows keyed `backend/server`. */
async function showStat(socketPath: string): Promise<Map<string, StatRow>> {
  const csv = await new Promise<string>((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error('show stat timed out')));
    socket.once('connect', () => socket.write('show stat\n'));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
  const [header = '', ...lines] = csv.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const rows = new Map<string, StatRow>();
  for (const line of lines) {
    const values = line.split(',');
    const row = Object.fromEntries(columns.map((column, i) => [column, values[i] ?? '']));
    rows.set(`${row.pxname}/${row.svname}`, row);
  }
  return rows;
}

/** Polls `read` every 20 ms until `test` holds; resolves with the value and the time. */
async function pollUntil<T>(
  read: () => Promise<T>,
  test: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<{ value: T; at: number }> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    if (test(value)) return { value, at: performance.now() };
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Whether a TCP connection to `port` is accepted (then closed at once, sending nothing). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!haproxyPresent)('HAProxy in front of two demo instances', () => {
  const children: Child[] = [];
  const agents: Agent[] = [];
  let dir = '';
  let statsSocket = '';
  let frontend = '';
  const apps: { name: string; port: number; child: Child; maintenanceFile: string }[] = [];

  const stat = async (server: string) => {
    const row = (await showStat(statsSocket)).get(`app/${server}`);
    if (row === undefined) throw new Error(`no app/${server} in show stat`);
    return row;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'health-probes-haproxy-'));
    statsSocket = join(dir, 'stats.sock');
    for (const name of ['app1', 'app2']) {
      const port = await freePort();
      const maintenanceFile = join(dir, `${name}.maintenance`);
      const child = spawnTs('examples/demo.ts', {
        PORT: String(port),
        HOST: '127.0.0.1',
        MAINTENANCE_FILE: maintenanceFile,
        DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        SHUTDOWN_TIMEOUT_MS: '5000',
      });
      children.push(child);
      apps.push({ name, port, child, maintenanceFile });
    }
    const probeAgent = new Agent();
    agents.push(probeAgent);
    for (const app of apps) {
      await app.child.waitForLine((line) => line.startsWith('demo listening'), 20_000);
      await pollUntil(
        () => request(probeAgent, `http://127.0.0.1:${app.port}/health/ready`),
        (outcome) => outcome.status === 200,
        10_000,
        `${app.name} ready`,
      );
    }
    const frontendPort = await freePort();
    frontend = `http://127.0.0.1:${frontendPort}`;
    children.push(
      spawnChild(HAPROXY, ['-db', '-f', 'examples/haproxy.cfg'], {
        HAPROXY_BIND: `127.0.0.1:${frontendPort}`,
        APP1_ADDR: `127.0.0.1:${apps[0]!.port}`,
        APP2_ADDR: `127.0.0.1:${apps[1]!.port}`,
        HAPROXY_CHECK_INTER: `${INTER_MS}ms`,
        HAPROXY_STATS_SOCKET: statsSocket,
      }),
    );
    await pollUntil(
      async () => (existsSync(statsSocket) ? [await stat('app1'), await stat('app2')] : []),
      (rows) =>
        rows.length === 2 && rows.every((r) => r.status === 'UP' && r.check_status === 'L7OK'),
      10_000,
      'both servers UP in HAProxy',
    );
  }, 60_000);

  afterAll(async () => {
    for (const agent of agents) agent.destroy();
    await Promise.all(children.map((child) => child.stop()));
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** Load through the frontend until `stop()`; every outcome tallied. */
  function loadThroughFrontend(stop: () => boolean) {
    const tally = new Tally();
    const loadAgents = keepAliveAgents(3, 2);
    agents.push(...loadAgents);
    const done = runLoad({
      agents: loadAgents,
      workers: 6,
      maxRequests: 30_000,
      maxMs: 30_000,
      url: () => `${frontend}/api/time`,
      stop,
      onOutcome: (outcome) => tally.add(outcome),
    });
    return { tally, done };
  }

  it('takes an instance whose critical check fails out of rotation within (fall + 1) * inter, every request still served, and back in once it recovers', async () => {
    const app1 = apps[0]!;
    let stop = false;
    const { tally, done } = loadThroughFrontend(() => stop);
    await delay(300);

    await writeFile(app1.maintenanceFile, '');
    const failedAt = performance.now();
    const down = await pollUntil(
      () => stat('app1'),
      (row) => row.status === 'DOWN',
      10_000,
      'app1 DOWN',
    );
    const servedAtDown = Number(down.value.stot);
    await delay(4 * INTER_MS);
    const servedLater = Number((await stat('app1')).stot);
    const app2Before = Number((await stat('app2')).stot);

    await unlink(app1.maintenanceFile);
    const restoredAt = performance.now();
    const up = await pollUntil(
      () => stat('app1'),
      (row) => row.status === 'UP',
      10_000,
      'app1 UP again',
    );
    await delay(2 * INTER_MS);
    stop = true;
    await done;
    const app1After = Number((await stat('app1')).stot);
    const app2After = Number((await stat('app2')).stot);

    console.info(
      `HAProxy maintenance: ${tally.describe()}; DOWN after ${Math.round(down.at - failedAt)} ms ` +
        `(${down.value.check_status} ${down.value.check_code}); UP after ${Math.round(up.at - restoredAt)} ms`,
    );
    expect(tally.counts, tally.describe()).toMatchObject({ ok: tally.total });
    expect(tally.total).toBeGreaterThan(50);
    // DOWN because readiness answered 503 (a layer-7 status), not because it was unreachable.
    expect(down.value.check_status).toBe('L7STS');
    expect(down.value.check_code).toBe('503');
    expect(down.at - failedAt).toBeLessThan((FALL + 1) * INTER_MS + MARGIN_MS);
    expect(up.at - restoredAt).toBeLessThan((RISE + 1) * INTER_MS + MARGIN_MS);
    // No request went to app1 while it was DOWN; app2 served them; app1 serves again.
    expect(servedLater).toBe(servedAtDown);
    expect(app2Before).toBeGreaterThan(0);
    expect(app2After).toBeGreaterThan(app2Before);
    expect(app1After).toBeGreaterThan(servedLater);
  });

  it('SIGTERM to an instance under load: zero failed requests, and HAProxy marks it DOWN (on its 503 readiness) before it stops accepting', async () => {
    const app1 = apps[0]!;
    const before = await stat('app1');
    let stop = false;
    const { tally, done } = loadThroughFrontend(() => stop);
    await delay(300);

    const killedAt = performance.now();
    app1.child.process.kill('SIGTERM');
    const [down, closed] = await Promise.all([
      pollUntil(
        () => stat('app1'),
        (row) => row.status === 'DOWN',
        10_000,
        'app1 DOWN',
      ),
      pollUntil(
        () => accepts(app1.port),
        (accepted) => !accepted,
        10_000,
        'app1 closed',
      ),
    ]);
    const exit = await app1.child.exited;
    await delay(300);
    stop = true;
    await done;
    const after = await stat('app1');

    console.info(
      `HAProxy SIGTERM: ${tally.describe()}; DOWN after ${Math.round(down.at - killedAt)} ms ` +
        `(${down.value.check_status} ${down.value.check_code}); listener closed after ` +
        `${Math.round(closed.at - killedAt)} ms; exit ${exit.code} after ${Math.round(exit.at - killedAt)} ms; ` +
        `app1 econ ${after.econ} eresp ${after.eresp} wretr ${after.wretr} wredis ${after.wredis}`,
    );
    expect(tally.counts, tally.describe()).toMatchObject({ ok: tally.total });
    expect(tally.total).toBeGreaterThan(50);
    expect(down.value.check_status).toBe('L7STS');
    expect(down.value.check_code).toBe('503');
    expect(down.at - killedAt).toBeLessThan((FALL + 1) * INTER_MS + MARGIN_MS);
    expect(down.at).toBeLessThan(closed.at);
    expect(closed.at - killedAt).toBeGreaterThanOrEqual(DRAIN_DELAY_MS - 50);
    expect(exit.code).toBe(0);
    // HAProxy neither failed to reach app1 nor had to retry or redispatch a request.
    for (const counter of ['econ', 'eresp', 'wretr', 'wredis'] as const) {
      expect(Number(after[counter]), counter).toBe(Number(before[counter]));
    }
  });
});
