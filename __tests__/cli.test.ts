// The `health-probes` bin as published: dist/cli/main.js run by node in a child process,
// against real servers and files. `npm test` builds first; alone, run `npm run build`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHealthFile } from '../lib/health-file.js';
import { createHealth, healthRouter, type CheckResult } from '../lib/index.js';
import { listen, type TestServer } from './helpers/server.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const built = statSync(CLI).mtimeMs;
  const sources = await readdir(join(process.cwd(), 'lib', 'cli'));
  const stale = sources.filter((f) => statSync(join('lib', 'cli', f)).mtimeMs > built);
  if (stale.length > 0)
    throw new Error(`dist is older than lib/cli/${stale[0]}: run npm run build`);
});

/** The environment of a child: no colour settings inherited from the test runner. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([key]) => key !== 'FORCE_COLOR' && key !== 'NO_COLOR',
  );
  return { ...Object.fromEntries(inherited), ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the bin to completion (killed after 20 s). */
function runCli(args: string[], env?: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

/** A long-running bin (`watch`) whose output lines the test waits for. */
class Running {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #changed: () => void = () => undefined;

  constructor(args: string[]) {
    this.#child = spawn(process.execPath, [CLI, ...args], { env: childEnv() });
    const collect = (lines: string[]) => {
      let partial = '';
      return (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts);
        this.#changed();
      };
    };
    this.#child.stdout?.on('data', collect(this.stdout));
    this.#child.stderr?.on('data', collect(this.stderr));
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first line of `stream` from index `from` matching `pattern`. */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, from = 0, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this[stream].findIndex((line, i) => i >= from && pattern.test(line));
      if (index !== -1) return { line: this[stream][index] ?? '', index };
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no ${stream} line matched ${String(pattern)}; stdout: ${this.stdout.join(' / ')}; stderr: ${this.stderr.join(' / ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Resolves with the exit code; rejects when the process is still running after `timeoutMs`. */
  async exit(timeoutMs = 15_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill('SIGTERM');
    await this.#exited;
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A runner whose single check the test switches. */
function switchableHealth(initial: CheckResult['status']) {
  const state = { status: initial, runs: 0 };
  const health = createHealth({
    cacheTtlMs: 0,
    checks: {
      db: () => ({ status: (state.runs++, state.status), message: `db is ${state.status}` }),
    },
  });
  return { health, state };
}

describe('health-probes probe', () => {
  const { health, state } = switchableHealth('UP');
  let server: TestServer;
  let redirectTargetHits = 0;
  const routes: Record<string, RequestListener> = {
    '/text': (_req, res) => res.end('hello'),
    '/redirect': (_req, res) => res.writeHead(302, { Location: '/target' }).end(),
    '/target': (_req, res) => {
      redirectTargetHits++;
      res.writeHead(500).end();
    },
    '/hang': () => undefined,
    '/hang-body': (_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"status":'),
    '/evil': (_req, res) => res.end(JSON.stringify({ status: '\u001b[2J\u009b31m' })),
  };
  const router = healthRouter(health);
  beforeAll(async () => {
    server = await listen((req, res) => {
      const route = routes[req.url ?? ''];
      if (route !== undefined) return route(req, res);
      req.url = (req.url ?? '').replace(/^\/health/, '') || '/';
      router(req, res);
    });
  });
  afterAll(async () => {
    health.close();
    await server.close();
  });

  it('exits 0 on 200 and prints the status code, the body status and the URL', async () => {
    state.status = 'UP';
    const run = await runCli(['probe', `${server.url}/health/ready`]);
    expect(run).toMatchObject({
      code: 0,
      stdout: `200 UP ${server.url}/health/ready\n`,
      stderr: '',
    });
  });

  it('exits 0 on DEGRADED, which readiness answers with 200', async () => {
    state.status = 'DEGRADED';
    const run = await runCli(['probe', `${server.url}/health/ready`]);
    expect(run).toMatchObject({ code: 0, stdout: `200 DEGRADED ${server.url}/health/ready\n` });
  });

  it('exits 1 on 503', async () => {
    state.status = 'DOWN';
    const run = await runCli(['probe', `${server.url}/health/ready`]);
    expect(run).toMatchObject({ code: 1, stdout: `503 DOWN ${server.url}/health/ready\n` });
  });

  it('exits 0 on a redirect without following it', async () => {
    const run = await runCli(['probe', `${server.url}/redirect`]);
    expect(run).toMatchObject({ code: 0, stdout: `302 - ${server.url}/redirect\n` });
    expect(redirectTargetHits).toBe(0);
  });

  it('prints - for a body without a status', async () => {
    const run = await runCli(['probe', `${server.url}/text`]);
    expect(run).toMatchObject({ code: 0, stdout: `200 - ${server.url}/text\n` });
  });

  it('exits 1 on a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/health`;
    const run = await runCli(['probe', url]);
    expect(run).toMatchObject({
      code: 1,
      stdout: `ERR connection refused (ECONNREFUSED) ${url}\n`,
    });
  });

  it.each(['/hang', '/hang-body'])(
    'exits 1 within the timeout on a server that hangs (%s)',
    async (path) => {
      const run = await runCli(['probe', `${server.url}${path}`, '--timeout', '500ms']);
      expect(run).toMatchObject({
        code: 1,
        stdout: `ERR timeout after 500ms ${server.url}${path}\n`,
      });
      expect(run.elapsedMs).toBeGreaterThanOrEqual(500);
      // Node's start-up on a loaded 2-core machine is the margin.
      expect(run.elapsedMs).toBeLessThan(500 + 5000);
    },
  );

  it('never prints control characters from the server', async () => {
    const run = await runCli(['probe', `${server.url}/evil`]);
    expect(run.stdout).toBe(`200 ?[2J?31m ${server.url}/evil\n`);
  });

  it('colours the code only on a terminal or with FORCE_COLOR, never with NO_COLOR', async () => {
    state.status = 'UP';
    const url = `${server.url}/health/ready`;
    expect((await runCli(['probe', url])).stdout).not.toContain('\u001b[');
    expect((await runCli(['probe', url], { FORCE_COLOR: '1' })).stdout).toBe(
      `\u001b[32m200\u001b[39m \u001b[32mUP\u001b[39m ${url}\n`,
    );
    expect((await runCli(['probe', url], { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).toBe(
      `200 UP ${url}\n`,
    );
  });
});

describe('usage errors exit 2 with the usage line on stderr', () => {
  it.each([
    ['no command', [], /^Usage: health-probes <command>/m],
    ['an unknown command', ['ping', 'http://127.0.0.1/'], /unknown command "ping"/],
    ['probe without a URL', ['probe'], /missing <url>\nUsage: health-probes probe <url>/],
    [
      'a URL that is not http',
      ['probe', 'ftp://127.0.0.1/'],
      /expected an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a duration without a unit',
      ['probe', 'http://127.0.0.1/', '--timeout', '2'],
      /--timeout: expected a duration/,
    ],
    [
      'a zero duration',
      ['probe', 'http://127.0.0.1/', '--timeout', '0s'],
      /--timeout: expected a duration/,
    ],
    [
      'a negative duration',
      ['probe', 'http://127.0.0.1/', '--timeout=-1s'],
      /--timeout: expected a duration/,
    ],
    [
      'a duration with spaces',
      ['probe', 'http://127.0.0.1/', '--timeout', '2 s'],
      /--timeout: expected a duration/,
    ],
    [
      'an unknown option',
      ['probe', 'http://127.0.0.1/', '--retries', '3'],
      /Unknown option '--retries'/,
    ],
    ['an option without a value', ['probe', 'http://127.0.0.1/', '--timeout'], /--timeout/],
    ['two URLs', ['probe', 'http://127.0.0.1/', 'http://127.0.0.1/'], /unexpected argument/],
    [
      'check-file without a path',
      ['check-file'],
      /missing <path>\nUsage: health-probes check-file/,
    ],
    [
      'a bad --max-age',
      ['check-file', '/tmp/x', '--max-age', '30'],
      /--max-age: expected a duration/,
    ],
    ['watch without a URL', ['watch'], /missing <url>\nUsage: health-probes watch/],
    [
      'a negative --max-retries',
      ['watch', 'http://127.0.0.1/', '--max-retries', '-1'],
      /--max-retries/,
    ],
    [
      'a bad --idle-timeout',
      ['watch', 'http://127.0.0.1/', '--idle-timeout', '1x'],
      /--idle-timeout: expected a duration/,
    ],
  ])('%s', async (_label, args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^Usage: /m);
  });

  it('--help prints the overview on stdout and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('health-probes probe <url> [--timeout 2s]');
    expect(run.stdout).toContain('health-probes check-file <path> [--max-age 30s]');
    expect(run.stdout).toContain('health-probes watch <url>');
  });

  it('--version prints the package version', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe('health-probes check-file', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'health-probes-cli-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('follows a file written by writeHealthFile(): UP, then DOWN on shutdown, then missing', async () => {
    const { health } = switchableHealth('UP');
    const file = writeHealthFile(health, { path: join(directory, 'health.json'), intervalMs: 20 });
    try {
      let run: Run | undefined;
      for (let i = 0; i < 100 && run?.code !== 0; i++)
        run = await runCli(['check-file', file.path]);
      expect(run?.code).toBe(0);
      expect(run?.stdout).toMatch(new RegExp(`^UP ${file.path} \\d+(ms|s) old\\n$`));

      health.markShuttingDown();
      for (let i = 0; i < 100 && run?.code === 0; i++)
        run = await runCli(['check-file', file.path]);
      expect(run?.code).toBe(1);
      expect(run?.stdout).toMatch(
        new RegExp(`^DOWN "shutting down" ${file.path} \\d+(ms|s) old\\n$`),
      );
    } finally {
      await file.close();
      health.close();
    }
    expect(await runCli(['check-file', file.path])).toMatchObject({
      code: 1,
      stdout: `ERR missing ${file.path}\n`,
    });
  });

  it('exits 0 on DEGRADED', async () => {
    const path = join(directory, 'degraded.json');
    await writeFile(path, JSON.stringify({ status: 'DEGRADED', components: {} }));
    expect(await runCli(['check-file', path])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^DEGRADED /) as string,
    });
  });

  it('--ignore-status: a fresh DOWN file passes (liveness), a stale one does not', async () => {
    const path = join(directory, 'down.json');
    await writeFile(path, JSON.stringify({ status: 'DOWN', components: {} }));
    expect(await runCli(['check-file', path])).toMatchObject({ code: 1 });
    expect(await runCli(['check-file', path, '--ignore-status'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^DOWN ${path} \\d+(ms|s) old\\n$`)) as string,
    });
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(path, minuteAgo, minuteAgo);
    expect(await runCli(['check-file', path, '--ignore-status'])).toMatchObject({
      code: 1,
      stdout: `STALE DOWN ${path} 1m old (max 30s)\n`,
    });
  });

  it('exits 1 on a stale file, 0 with a larger --max-age', async () => {
    const path = join(directory, 'stale.json');
    await writeFile(path, JSON.stringify({ status: 'UP', components: {} }));
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(path, minuteAgo, minuteAgo);
    expect(await runCli(['check-file', path])).toMatchObject({
      code: 1,
      stdout: `STALE UP ${path} 1m old (max 30s)\n`,
    });
    expect(await runCli(['check-file', path, '--max-age', '2m'])).toMatchObject({ code: 0 });
  });

  it.each([
    ['invalid JSON', '{"status":"UP"', 'not a health report (invalid JSON)'],
    [
      'JSON without a status',
      '{"ok":true}',
      'not a health report (no UP, DEGRADED or DOWN status)',
    ],
    [
      'a lowercase status',
      '{"status":"up"}',
      'not a health report (no UP, DEGRADED or DOWN status)',
    ],
  ])('exits 1 on %s', async (_label, content, reason) => {
    const path = join(directory, 'bad.json');
    await writeFile(path, content);
    expect(await runCli(['check-file', path])).toMatchObject({
      code: 1,
      stdout: `ERR ${reason} ${path}\n`,
    });
  });

  it('exits 1 on a directory', async () => {
    const path = join(directory, 'a-directory');
    await mkdir(path);
    expect(await runCli(['check-file', path])).toMatchObject({
      code: 1,
      stdout: `ERR not a file ${path}\n`,
    });
  });
});

describe('health-probes watch', () => {
  let watcher: Running | undefined;
  let tiny: TestServer | undefined;
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await tiny?.close();
    tiny = undefined;
  });

  it('prints one line per status change, reconnects after a restart on the same port, shows shutdown', async () => {
    const { health, state } = switchableHealth('UP');
    const router = healthRouter(health, { stream: { retryMs: 100 } });
    const listener: RequestListener = (req, res) => {
      req.url = (req.url ?? '').replace(/^\/health/, '') || '/';
      router(req, res);
    };
    const start = async (port: number): Promise<Server> => {
      const server = createServer(listener);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return server;
    };
    const stopServer = (server: Server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    let server = await start(0);
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    const url = `http://127.0.0.1:${address.port}/health/stream?poll_interval=0.1`;
    try {
      watcher = new Running(['watch', url]);
      await watcher.waitFor('stderr', /^connected to http:\/\/127\.0\.0\.1/);
      const first = await watcher.waitFor('stdout', /^\S+Z UP db=UP$/);

      state.status = 'DOWN';
      const down = await watcher.waitFor(
        'stdout',
        / DOWN db=DOWN\("db is DOWN"\)$/,
        first.index + 1,
      );
      state.status = 'UP';
      const up = await watcher.waitFor('stdout', / UP db=UP$/, down.index + 1);
      // Many more polls, no more lines: one line per change, not per event.
      const runs = state.runs;
      for (let i = 0; i < 100 && state.runs < runs + 5; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(state.runs).toBeGreaterThanOrEqual(runs + 5);
      expect(watcher.stdout.filter(Boolean)).toHaveLength(up.index + 1);
      expect(up.index).toBe(2);

      // The server goes away and comes back on the same port, now DOWN.
      await stopServer(server);
      const lost = await watcher.waitFor('stderr', /reconnecting in \d+ms$/);
      state.status = 'DOWN';
      server = await start(address.port);
      await watcher.waitFor('stderr', /^reconnected to /, lost.index + 1);
      const again = await watcher.waitFor('stdout', / DOWN db=DOWN/, up.index + 1);

      health.markShuttingDown();
      await watcher.waitFor('stdout', / DOWN "shutting down" db=DOWN/, again.index + 1);
    } finally {
      health.close();
      await watcher?.stop();
      await stopServer(server);
    }
  });

  it('reconnects when nothing arrives for --idle-timeout and gives up after --max-retries', async () => {
    // A stream that sends one event and then nothing, not even a heartbeat; on the next
    // connections, not even the event.
    let connections = 0;
    tiny = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('retry: 100\n\n');
      if (++connections > 1) return;
      const report = {
        status: 'DOWN',
        message: 'rm \u009b2J \u001b]0;title\u0007',
        components: {},
      };
      res.write(`event: health\ndata: ${JSON.stringify(report)}\n\n`);
    });
    watcher = new Running(['watch', tiny.url, '--idle-timeout', '300ms', '--max-retries', '1']);
    expect(await watcher.exit()).toBe(1);
    // Control characters from the server are printed as '?'.
    expect(watcher.stdout.filter(Boolean)).toEqual([
      expect.stringMatching(/^\S+ DOWN "rm \?2J \?]0;title\?"$/) as string,
    ]);
    // The first stream delivered an event, so its loss is the first failure, not a reset.
    expect(watcher.stderr.filter(Boolean).slice(1)).toEqual([
      'nothing received for 300ms; reconnecting in 100ms',
      `reconnected to ${tiny.url}/`,
      'ERR nothing received for 300ms; giving up after 2 attempts',
    ]);
    expect(connections).toBe(2);
  });

  it("also reads unnamed events in servicekit's shape and ignores other event names", async () => {
    tiny = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const healthy = { status: 'healthy', checks: { db: { state: 'healthy', message: 'ok' } } };
      const sick = { status: 'unhealthy', checks: { db: { state: 'unhealthy', message: 'gone' } } };
      res.write(`data: ${JSON.stringify(healthy)}\n\n`);
      res.write(`event: other\ndata: ${JSON.stringify(sick)}\n\n`);
      res.write(`data: ${JSON.stringify(healthy)}\n\n`);
      res.write(`data: ${JSON.stringify(sick)}\n\n`);
    });
    watcher = new Running(['watch', tiny.url, '--idle-timeout', '300ms', '--max-retries', '0']);
    expect(await watcher.exit()).toBe(1);
    expect(watcher.stdout.filter(Boolean)).toEqual([
      expect.stringMatching(/ healthy db=healthy$/) as string,
      expect.stringMatching(/ unhealthy db=unhealthy\("gone"\)$/) as string,
    ]);
  });

  it('exits 1 at once when the first answer is a 404 or not an event stream', async () => {
    const { health } = switchableHealth('UP');
    const server = await listen(healthRouter(health));
    try {
      const missing = await runCli(['watch', `${server.url}/nope`]);
      expect(missing).toMatchObject({ code: 1, stderr: `ERR answered 404 ${server.url}/nope\n` });
      const json = await runCli(['watch', `${server.url}/`]);
      expect(json.code).toBe(1);
      expect(json.stderr).toMatch(
        /^ERR not an event stream \(Content-Type application\/json.*use the stream route/,
      );
    } finally {
      health.close();
      await server.close();
    }
  });

  it('gives up on a closed port after --max-retries attempts', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/health/stream`;
    const run = await runCli(['watch', url, '--max-retries', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      'connection failed (ECONNREFUSED); reconnecting in 1s',
      'connection failed (ECONNREFUSED); reconnecting in 2s',
      'ERR connection failed (ECONNREFUSED); giving up after 3 attempts',
    ]);
  });
});

describe('the CLI never prints credentials, never hangs, never retries the impossible', () => {
  let watcher: Running | undefined;
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
  });

  it('probe sends the userinfo of the URL as Basic auth and prints the URL without it', async () => {
    const seen: (string | undefined)[] = [];
    const server = await listen((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"UP"}');
    });
    try {
      const port = new URL(server.url).port;
      const run = await runCli(['probe', `http://app:s3cr%40t@127.0.0.1:${port}/ready?token=abc`]);
      expect(run).toMatchObject({ code: 0, stdout: `200 UP http://127.0.0.1:${port}/ready\n` });
      expect(seen).toEqual([`Basic ${Buffer.from('app:s3cr@t').toString('base64')}`]);
      const refused = `http://app:s3cret@127.0.0.1:${await closedPort()}/ready`;
      const failed = await runCli(['probe', refused]);
      expect(failed.code).toBe(1);
      expect(failed.stdout + failed.stderr).not.toMatch(/app|s3cret/);
    } finally {
      await server.close();
    }
  });

  it('watch prints the URL without its userinfo, on the first connection and every retry', async () => {
    const url = `http://app:s3cret@127.0.0.1:${await closedPort()}/health/stream`;
    const run = await runCli(['watch', url, '--max-retries', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toMatch(/app|s3cret/);
    const { health } = switchableHealth('UP');
    const router = healthRouter(health, { stream: { retryMs: 100 } });
    const server = await listen((req, res) => {
      req.url = (req.url ?? '').replace(/^\/health/, '') || '/';
      router(req, res);
    });
    watcher = new Running(['watch', `${server.url.replace('//', '//app:s3cret@')}/health/stream`]);
    try {
      await watcher.waitFor('stderr', /connected to/);
      await watcher.waitFor('stdout', / UP db=UP/);
      expect(watcher.stderr.join('\n')).toContain(`connected to ${server.url}/health/stream`);
      expect([...watcher.stderr, ...watcher.stdout].join('\n')).not.toMatch(/app|s3cret/);
    } finally {
      await watcher.stop();
      watcher = undefined;
      health.close();
      await server.close();
    }
  });
  it('a usage error quotes the text it refuses with its secrets masked', async () => {
    const run = await runCli(['probe', 'ftp://app:s3cret@127.0.0.1/']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('got "ftp://app:***@127.0.0.1/"');
    expect(run.stderr).not.toContain('s3cret');
  });

  it.each([
    ['probe', ['probe', 'http://127.0.0.1:6000/health']],
    ['watch', ['watch', 'http://127.0.0.1:10080/health/stream']],
    ['watch on port 0', ['watch', 'http://127.0.0.1:0/health/stream']],
  ])(
    '%s on a port fetch() refuses is a usage error (exit 2), not a retry loop',
    async (_label, args) => {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/can never be requested/);
      expect(run.stderr).toMatch(/^Usage: /m);
    },
  );

  it.each([
    ['closes the connection at once', (socket: Socket) => socket.destroy()],
    ['ends the connection without a byte', (socket: Socket) => socket.end()],
    [
      'closes it after reading the request',
      (socket: Socket) => socket.once('data', () => socket.destroy()),
    ],
  ])('probe exits 1 with a message when the server %s', async (_label, onConnection) => {
    const server = createNetServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/health`;
      const run = await runCli(['probe', url, '--timeout', '1s']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^ERR .+ ${url.replace(/[.]/g, '\\.')}\\n$`));
      expect(run.elapsedMs).toBeLessThan(1000 + 5000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('check-file on a FIFO answers at once instead of waiting for a writer', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'health-probes-fifo-'));
    try {
      const path = join(directory, 'health.json');
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      const run = await runCli(['check-file', path]);
      expect(run).toMatchObject({ code: 1, stdout: `ERR not a file ${path}\n` });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
