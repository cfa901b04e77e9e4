// A real Prometheus (Debian's `prometheus` package) on a free loopback port with a temp
// storage dir, started the way __tests__/prometheus.test.ts does, plus promtool.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
/** Whether both binaries are installed. */
export const prometheusInstalled = existsSync(PROMETHEUS) && existsSync(PROMTOOL);

/** Runs promtool (20 s at most); resolves to its exit code and combined output. */
export function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: stdout + stderr });
    });
  });
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Polls `probe` every 250 ms until it returns a value, for at most `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/** One instant-vector sample of the query API. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One alert of `/api/v1/alerts`. */
export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

/** A running Prometheus. */
export interface RunningPrometheus {
  readonly url: string;
  /** The last 4000 characters of its log. */
  log(): string;
  /** An instant query; rejects on an API error (a bad expression) with Prometheus' message. */
  query(expression: string): Promise<Sample[]>;
  /** The active alerts (pending and firing). */
  alerts(): Promise<Alert[]>;
  /** SIGTERM, SIGKILL after 10 s; removes the temp dir. */
  close(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (prometheus.yml text) and `files` written beside it (rule
 * files), on a free loopback port; resolves once `/-/ready` answers (30 s at most).
 */
export async function startPrometheus(
  config: string,
  files: Record<string, string> = {},
): Promise<RunningPrometheus> {
  const directory = await mkdtemp(join(tmpdir(), 'health-probes-prometheus-'));
  // Empty console directories: the defaults point into /etc/prometheus.
  await mkdir(join(directory, 'consoles'));
  await mkdir(join(directory, 'console_libraries'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(directory, name), text);
  await writeFile(join(directory, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(directory, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.console.templates=${join(directory, 'consoles')}`,
      `--web.console.libraries=${join(directory, 'console_libraries')}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  };
  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
    return body.data;
  }
  try {
    await eventually(
      async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined),
      30_000,
      () => `Prometheus to be ready (its log: ${log})`,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    log: () => log,
    query: async (expression) =>
      (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expression)}`))
        .result,
    alerts: async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts,
    close,
  };
}
