/**
 * Server processes: compiled once to JavaScript (no TypeScript loader in the measured
 * process), started pinned to CPU 0, asked for their figures over IPC, killed at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load, type CheckKind, type RunnerMessage, type ServerMessage } from '../servers/common.js';
import type { Contestant } from './contestants.js';

const START_TIMEOUT_MS = 15_000;
const STATS_TIMEOUT_MS = 5_000;
const OUTPUT_KEPT = 4_096;

/** `taskset -c <cpu>` prefixes, or none when taskset or a second CPU is missing. */
export interface Pinning {
  readonly server: readonly string[];
  readonly load: readonly string[];
  readonly description: string;
}

/** Pins servers to CPU 0 and the load generator to CPU 1 when `taskset` is there. */
export function pinning(): Pinning {
  const cpus = availableParallelism();
  const taskset = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  if (cpus < 2 || taskset.status !== 0) {
    return {
      server: [],
      load: [],
      description: `not pinned (${cpus < 2 ? 'one CPU' : 'no taskset'}): server and load share the CPUs`,
    };
  }
  return {
    server: ['taskset', '-c', '0'],
    load: ['taskset', '-c', '1'],
    description:
      'server pinned to CPU 0 (`taskset -c 0`), load generator to CPU 1 (`taskset -c 1`)',
  };
}

interface Esbuild {
  build: (options: {
    entryPoints: string[];
    outdir: string;
    format: 'esm';
    platform: 'node';
    target: string;
    logLevel: 'warning';
  }) => Promise<unknown>;
}

/**
 * Compiles `servers/*.ts` to `node_modules/.cache/health-probes-bench/servers/*.js`, inside
 * `bench/` so that the servers resolve `bench/node_modules`, and ignored by git and lint.
 */
export async function compileServers(benchDir: string): Promise<string> {
  const outdir = join(benchDir, 'node_modules', '.cache', 'health-probes-bench', 'servers');
  const sources = join(benchDir, 'servers');
  const { build } = await load<Esbuild>('esbuild');
  await build({
    entryPoints: readdirSync(sources)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(sources, file)),
    outdir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return outdir;
}

/**
 * Compiles one harness script that runs as a process of its own (the paced prober) to
 * `node_modules/.cache/health-probes-bench/<name>.js`, and returns its path.
 */
export async function compileScript(benchDir: string, source: string): Promise<string> {
  const outdir = join(benchDir, 'node_modules', '.cache', 'health-probes-bench');
  const { build } = await load<Esbuild>('esbuild');
  await build({
    entryPoints: [join(benchDir, source)],
    outdir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return join(outdir, basename(source).replace(/\.ts$/, '.js'));
}

/** Figures a server reports about itself. */
export interface ServerStats {
  readonly executions: number;
  /** Resident set size now (after a full GC when asked with `afterGc`). */
  readonly rssBytes: number;
  /** V8 heap in use now (after a full GC when asked with `afterGc`). */
  readonly heapUsedBytes: number;
  /** The largest resident set size the process has had so far. */
  readonly maxRssBytes: number;
  /** User and system CPU time of the process so far, in microseconds. */
  readonly cpuMicros: number;
}

/** One running server of one contestant. */
export class ServerProcess {
  readonly contestant: Contestant;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #output: { text: string };

  private constructor(
    contestant: Contestant,
    port: number,
    child: ChildProcess,
    output: { text: string },
  ) {
    this.contestant = contestant;
    this.port = port;
    this.#child = child;
    this.#output = output;
  }

  /** Starts the server of `contestant` with the checks of `kind` and waits until it listens. */
  static async start(
    contestant: Contestant,
    kind: CheckKind,
    serversDir: string,
    distDir: string,
    pin: Pinning,
  ): Promise<ServerProcess> {
    const file = join(serversDir, `${contestant.server}.js`);
    const [command, ...prefix] = [...pin.server, process.execPath];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...contestant.env,
      BENCH_CHECKS: kind,
      HEALTH_PROBES_DIST: pathToFileURL(`${distDir}/`).href,
      NODE_ENV: 'production',
    };
    delete env.NODE_OPTIONS; // no loader of the runner's in the measured process
    // --expose-gc only lets the runner ask for a full GC before reading memory (scenario 6);
    // it changes nothing else in V8, and every server gets it.
    const child = spawn(command, [...prefix, '--expose-gc', file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const output = { text: '' };
    const keep = (chunk: Buffer) => {
      output.text = (output.text + chunk.toString()).slice(-OUTPUT_KEPT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`${contestant.id} did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const onMessage = (message: ServerMessage) => {
        if (message.type !== 'ready') return;
        cleanup();
        resolve(message.port);
      };
      const onExit = (code: number | null) => {
        fail(new Error(`${contestant.id} exited (${code}) before listening:\n${output.text}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      function fail(error: Error) {
        cleanup();
        child.kill('SIGKILL');
        reject(error);
      }
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
    return new ServerProcess(contestant, port, child, output);
  }

  /** The URL of `path` on this server. */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The last few kilobytes the process wrote to stdout and stderr. */
  get output(): string {
    return this.#output.text;
  }

  /**
   * Check executions, memory and CPU time so far, asked over IPC; with `afterGc`, the
   * memory figures are read after two full garbage collections in the server.
   */
  stats(afterGc = false): Promise<ServerStats> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.contestant.id} did not answer stats`));
      }, STATS_TIMEOUT_MS);
      const onMessage = (message: ServerMessage) => {
        if (message.type !== 'stats') return;
        done();
        const { executions, rssBytes, heapUsedBytes, maxRssBytes, cpuMicros } = message;
        resolve({ executions, rssBytes, heapUsedBytes, maxRssBytes, cpuMicros });
      };
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      child.send((afterGc ? 'stats-gc' : 'stats') satisfies RunnerMessage);
    });
  }

  /** Kills the process and waits for it to exit. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGKILL');
    await exited;
  }
}
