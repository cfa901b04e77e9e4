/**
 * Scenario 8 (issue 15): readiness against liveness of the same server in the same run,
 * with one 50 ms or 700 ms check run in the background, on request with
 * stale-while-revalidate, or on request with a TTL only. Two measurements per server:
 * paced probes (an open loop at a fixed rate, what probes see) and autocannon load on both
 * paths at once (what a saturated server does).
 */
import { spawn } from 'node:child_process';
import {
  OVER_TIME_CHECK_MS,
  OVER_TIME_MODES,
  OVER_TIME_MOUNTS,
  type OverTimeMode,
  type OverTimeMount,
} from '../servers/over-time.js';
import type { BenchConfig } from './config.js';
import type { Contestant } from './contestants.js';
import { autocannon, percentile, type LoadResult } from './load.js';
import type { PacerResult } from './pacer.js';
import type { Pinning, ServerProcess } from './processes.js';

/** Paced probes per second on each path (liveness and readiness, interleaved). */
export const PROBE_RATE = 200;
/** Client timeout of one paced probe, in milliseconds. */
const PROBE_TIMEOUT_MS = 10_000;

/** One server of scenario 8. */
export interface OverTimeServer {
  readonly contestant: Contestant;
  readonly mount: OverTimeMount;
  readonly mode: OverTimeMode;
  readonly checkMs: number;
}

const MOUNTS: Record<OverTimeMount, { id: string; label: string }> = {
  router: { id: 'hp-router', label: 'health-probes `healthRouter` in Express 4' },
  'with-health': { id: 'hp-with-health', label: 'health-probes `withHealth` around Express 4' },
};

/**
 * The servers of scenario 8: each mount (kept when `only` is empty or names its contestant
 * id, `hp-router` or `hp-with-health`) with each check latency and mode.
 */
export function overTimeServers(only: ReadonlySet<string>): OverTimeServer[] {
  return OVER_TIME_MOUNTS.filter((mount) => only.size === 0 || only.has(MOUNTS[mount].id)).flatMap(
    (mount) =>
      OVER_TIME_CHECK_MS.flatMap((checkMs) =>
        OVER_TIME_MODES.map((mode) => ({
          mount,
          mode,
          checkMs,
          contestant: {
            id: `${MOUNTS[mount].id}:${mode}:${checkMs}`,
            label: MOUNTS[mount].label,
            group: 'health-probes' as const,
            server: 'health-probes-over-time',
            env: { BENCH_MODE: mode, BENCH_CHECK_MS: `${checkMs}`, BENCH_MOUNT: mount },
            live: '/health/live',
            ready: '/health/ready',
          },
        })),
      ),
  );
}

/** Latencies of one path, reduced. */
export interface PathLatency {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
}

export interface OverTimeFigure {
  readonly server: OverTimeServer;
  readonly paced: {
    readonly live: PathLatency;
    readonly ready: PathLatency;
    /** Readiness minus liveness of neighbouring probes (see `pairedExcess`). */
    readonly excess: { readonly p50Ms: number; readonly p99Ms: number };
    readonly lateSends: number;
    readonly executions: number;
  };
  readonly load: {
    readonly live: LoadResult;
    readonly ready: LoadResult;
    readonly executions: number;
  };
}

const answered = (values: readonly (number | null)[]) =>
  values.filter((value): value is number => value !== null);

/**
 * Each readiness probe's latency minus that of the slower of its two liveness neighbours
 * (sent 2.5 ms before and after it). A stall of the machine, of the server or of the
 * prober, delays a readiness probe and at least one neighbour alike, so it drops out of the
 * difference; what stays is the time readiness waited for something liveness did not.
 */
function pairedExcess(paths: PacerResult['paths']): { p50Ms: number; p99Ms: number } {
  const live = paths[0]?.latenciesMs ?? [];
  const ready = paths[1]?.latenciesMs ?? [];
  const excess: number[] = [];
  for (const [k, r] of ready.entries()) {
    const before = live[k];
    const after = live[k + 1];
    if (r === null || before === null || before === undefined) continue;
    if (after === null || after === undefined) continue;
    excess.push(r - Math.max(before, after));
  }
  return { p50Ms: percentile(excess, 50), p99Ms: percentile(excess, 99) };
}

function reduce(path: PacerResult['paths'][number] | undefined): PathLatency {
  const latencies = answered(path?.latenciesMs ?? []);
  return {
    count: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    statuses: path?.statuses ?? {},
    errors: path?.errors ?? 0,
  };
}

/** Runs the compiled prober at `pacerFile` against `urls`, pinned to the load CPU. */
async function pacedProbes(
  pacerFile: string,
  urls: readonly string[],
  seconds: number,
  pin: Pinning,
): Promise<PacerResult> {
  const [command, ...prefix] = [...pin.load, process.execPath];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PACER_URLS: urls.join(','),
    PACER_RATE: `${PROBE_RATE}`,
    PACER_SECONDS: `${seconds}`,
    PACER_TIMEOUT_MS: `${PROBE_TIMEOUT_MS}`,
  };
  delete env.NODE_OPTIONS;
  const child = spawn(command, [...prefix, pacerFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2048)));
  // The prober stops after its schedule and the last timeout; this only bounds a stuck one.
  const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000 + PROBE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(guard);
  if (code !== 0) throw new Error(`the paced prober exited with ${code}: ${stderr}`);
  return JSON.parse(stdout) as PacerResult;
}

/** Both paths of `server` loaded at once by two autocannons, half the connections each. */
function loadBoth(
  server: ServerProcess,
  seconds: number,
  config: BenchConfig,
  pin: Pinning,
): Promise<LoadResult[]> {
  const connections = Math.floor(config.connections / 2);
  const { live, ready = live } = server.contestant;
  return Promise.all(
    [live, ready].map((path) => autocannon(server.url(path), { seconds }, connections, pin)),
  );
}

/**
 * Scenario 8 on one running server: a warm-up (both paths under load; it also makes the
 * first check run), then the paced probes, then both paths under autocannon load at once.
 */
export async function measureOverTime(
  server: ServerProcess,
  definition: OverTimeServer,
  pacerFile: string,
  config: BenchConfig,
  pin: Pinning,
): Promise<OverTimeFigure> {
  const { live, ready = live } = server.contestant;
  if (config.warmupS > 0) await loadBoth(server, config.warmupS, config, pin);
  const beforePaced = await server.stats();
  const paced = await pacedProbes(
    pacerFile,
    [server.url(live), server.url(ready)],
    config.durationS,
    pin,
  );
  const afterPaced = await server.stats();
  const [liveLoad, readyLoad] = await loadBoth(server, config.durationS, config, pin);
  const afterLoad = await server.stats();
  if (liveLoad === undefined || readyLoad === undefined) throw new Error('a load run was lost');
  return {
    server: definition,
    paced: {
      live: reduce(paced.paths[0]),
      ready: reduce(paced.paths[1]),
      excess: pairedExcess(paced.paths),
      lateSends: paced.lateSends,
      executions: afterPaced.executions - beforePaced.executions,
    },
    load: {
      live: liveLoad,
      ready: readyLoad,
      executions: afterLoad.executions - afterPaced.executions,
    },
  };
}
