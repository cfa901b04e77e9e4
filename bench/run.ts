/**
 * The side-by-side benchmark: starts every server as a process of its own (pinned to CPU
 * 0), loads it from another (autocannon, pinned to CPU 1), and writes a Markdown report.
 * `npm run bench` at the repository root builds the package first. Settings: see
 * `harness/config.ts` and the README.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_TTL_MS, type CheckKind, SECRET } from './servers/common.js';
import { backoffSimulation } from './backoff.js';
import { flapDamping } from './flap-damping.js';
import {
  commandLine,
  readConfig,
  type BenchConfig,
  type ScenarioNumber,
} from './harness/config.js';
import { BASELINE, CONTESTANTS, PAIRED, type Contestant } from './harness/contestants.js';
import { autocannon, probe, probeSeries } from './harness/load.js';
import { machine, versions } from './harness/machine.js';
import { measureOverTime, overTimeServers } from './harness/over-time.js';
import {
  compileScript,
  compileServers,
  pinning,
  ServerProcess,
  type Pinning,
} from './harness/processes.js';
import { renderOverTimeReport, type OverTimeResults } from './harness/report-over-time.js';
import {
  emptyRssFigure,
  renderReport,
  type Figure,
  type PairedFigure,
  type Results,
  type RunFigure,
} from './harness/report.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = join(benchDir, '..');
const distDir = join(rootDir, 'dist');
const readmePath = join(benchDir, 'README.md');
/** Where each report goes in the README: between its two marks, else a new section at the end. */
const SECTIONS = {
  main: {
    start: '<!-- bench-results:start -->',
    end: '<!-- bench-results:end -->',
    heading: '## Results',
  },
  overTime: {
    start: '<!-- bench-over-time:start -->',
    end: '<!-- bench-over-time:end -->',
    heading: '## Health over time (issue 15): results',
  },
} as const;
type Section = (typeof SECTIONS)[keyof typeof SECTIONS];
const CLIENT_TIMEOUT_MS = 10_000;
const STACK = /\n\s+at |\bat \S+ \(|\.(?:[cm]?js|ts):\d+:\d+|node:internal/;

const running = new Set<ServerProcess>();

async function start(
  contestant: Contestant,
  kind: CheckKind,
  serversDir: string,
  pin: Pinning,
): Promise<ServerProcess> {
  const server = await ServerProcess.start(contestant, kind, serversDir, distDir, pin);
  running.add(server);
  return server;
}

async function stop(server: ServerProcess): Promise<void> {
  running.delete(server);
  await server.stop();
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** One measured run after a warm-up, with the check executions counted during it. */
async function measure(
  server: ServerProcess,
  path: string,
  config: BenchConfig,
  pin: Pinning,
): Promise<RunFigure> {
  const url = server.url(path);
  if (config.warmupS > 0) {
    await autocannon(url, { seconds: config.warmupS }, config.connections, pin);
  }
  const before = await server.stats();
  const result = await autocannon(url, { seconds: config.durationS }, config.connections, pin);
  const after = await server.stats();
  log(
    `  ${server.contestant.id} ${path}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms`,
  );
  return {
    ...result,
    executions: after.executions - before.executions,
    cpuMicrosPerResponse: (after.cpuMicros - before.cpuMicros) / Math.max(1, result.responses),
  };
}

/**
 * Load scenarios on servers started with `kind`: every (server, path) pair is run
 * `config.runs` times, the runs of all pairs interleaved so drift on the machine spreads
 * evenly. Returns the figures per path key, and the servers, still running.
 */
async function loadRounds(
  servers: readonly ServerProcess[],
  paths: readonly ('live' | 'ready')[],
  config: BenchConfig,
  pin: Pinning,
): Promise<Map<'live' | 'ready', Figure[]>> {
  const figures = new Map<'live' | 'ready', Figure[]>(paths.map((p) => [p, []]));
  const pairs = paths.flatMap((key) =>
    servers
      .filter((s) => s.contestant[key] !== undefined)
      .map((server) => {
        const runs: RunFigure[] = [];
        figures.get(key)?.push({ contestant: server.contestant, runs });
        return { server, path: server.contestant[key] ?? '/', runs };
      }),
  );
  for (let round = 1; round <= config.runs; round++) {
    log(`run ${round} of ${config.runs}`);
    for (const { server, path, runs } of pairs) runs.push(await measure(server, path, config, pin));
  }
  return figures;
}

/**
 * One paired round: `other` and `baseline` loaded at once for `seconds`, each by its own
 * autocannon (half the connections each, both on the load CPU), both servers on CPU 0.
 * Whatever slows the machine then slows both alike, so their ratio holds still where
 * runs taken one after the other drift apart (see the README).
 */
async function pairedRun(
  baseline: { server: ServerProcess; path: string },
  other: { server: ServerProcess; path: string },
  seconds: number,
  config: BenchConfig,
  pin: Pinning,
): Promise<[RunFigure, RunFigure]> {
  const connections = Math.floor(config.connections / 2);
  const both = [baseline, other];
  const before = await Promise.all(both.map(({ server }) => server.stats()));
  const loads = await Promise.all(
    both.map(({ server, path }) => autocannon(server.url(path), { seconds }, connections, pin)),
  );
  const after = await Promise.all(both.map(({ server }) => server.stats()));
  const [a, b] = loads.map((result, i) => ({
    ...result,
    cpuMicrosPerResponse:
      ((after[i]?.cpuMicros ?? 0) - (before[i]?.cpuMicros ?? 0)) / Math.max(1, result.responses),
  }));
  if (a === undefined || b === undefined) throw new Error('paired run lost a result');
  return [a, b];
}

/**
 * The paired measurements of {@link PAIRED} on running servers: a warm-up pair each, then
 * `config.pairedRuns` rounds, the pairs interleaved within each round.
 */
async function pairedRounds(
  servers: readonly ServerProcess[],
  paths: readonly ('live' | 'ready')[],
  config: BenchConfig,
  pin: Pinning,
): Promise<PairedFigure[]> {
  const base = servers.find((s) => s.contestant.id === BASELINE);
  if (base === undefined || config.pairedRuns === 0) return [];
  const baseline = { server: base, path: base.contestant.live };
  const pairs = PAIRED.filter(({ path }) => paths.includes(path)).flatMap(({ id, path }) => {
    const server = servers.find((s) => s.contestant.id === id);
    const url = server?.contestant[path];
    if (server === undefined || url === undefined) return [];
    const figure: PairedFigure = { contestant: server.contestant, path, rounds: [] };
    return [{ other: { server, path: url }, figure }];
  });
  log(`paired with ${BASELINE}: ${pairs.length} pair(s), ${config.pairedRuns} round(s)`);
  if (config.warmupS > 0) {
    for (const { other } of pairs) await pairedRun(baseline, other, config.warmupS, config, pin);
  }
  for (let round = 1; round <= config.pairedRuns; round++) {
    for (const { other, figure } of pairs) {
      const [b, c] = await pairedRun(baseline, other, config.pairedDurationS, config, pin);
      figure.rounds.push({ baseline: b, contestant: c });
      log(
        `  paired ${figure.contestant.id} ${figure.path}: ${(c.requestsPerSecond / b.requestsPerSecond).toFixed(3)}x`,
      );
    }
  }
  return pairs.map(({ figure }) => figure);
}

async function startAll(
  contestants: readonly Contestant[],
  kind: CheckKind,
  serversDir: string,
  pin: Pinning,
): Promise<ServerProcess[]> {
  const servers: ServerProcess[] = [];
  for (const contestant of contestants)
    servers.push(await start(contestant, kind, serversDir, pin));
  return servers;
}

async function main(): Promise<void> {
  const config = readConfig();
  if (!existsSync(join(distDir, 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` at the repository root first');
  }
  const pin = pinning();
  const results: Results = {
    config,
    machine: machine(),
    versions: versions(benchDir, rootDir),
    pinning: pin.description,
    command: commandLine(),
    startedAt: new Date(),
    live: [],
    ready: [],
    paired: [],
    slow: [],
    hangLoad: [],
    hang: [],
    throws: [],
    rss: [],
  };
  const contestants = CONTESTANTS.filter((c) => config.only.size === 0 || config.only.has(c.id));
  const loaded = contestants.filter((c) => c.memoryOnly !== true);
  const withChecks = loaded.filter((c) => c.ready !== undefined);
  const serversDir = await compileServers(benchDir);
  const wants = (n: ScenarioNumber) => config.scenarios.has(n);
  const overTime: OverTimeResults = {
    config,
    machine: results.machine,
    pinning: pin.description,
    command: results.command,
    startedAt: results.startedAt,
    figures: [],
  };
  log(`${pin.description}\n${results.command}`);
  if (results.machine.loadAverage > 0.5) {
    log(
      `warning: load average ${results.machine.loadAverage.toFixed(2)}: other work skews the figures`,
    );
  }

  // Scenarios 1 and 2: the same servers, with three instant checks.
  if (wants(1) || wants(2)) {
    const paths = [...(wants(1) ? ['live' as const] : []), ...(wants(2) ? ['ready' as const] : [])];
    log('scenarios 1 and 2: liveness, readiness with 3 instant checks');
    const servers = await startAll(loaded, 'instant', serversDir, pin);
    const figures = await loadRounds(servers, paths, config, pin);
    results.live.push(...(figures.get('live') ?? []));
    results.ready.push(...(figures.get('ready') ?? []));
    results.paired.push(...(await pairedRounds(servers, paths, config, pin)));
    for (const server of servers) await stop(server);
  }

  // Scenario 6: fresh servers, each given the same load: a number of requests (not a
  // time, or the fastest servers would do the most work) on liveness, then on readiness
  // (liveness again where there is none).
  if (wants(6)) {
    log('scenario 6: RSS idle and after load');
    const samples = new Map(contestants.map((c) => [c, emptyRssFigure(c)]));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
    for (let round = 1; round <= config.runs; round++) {
      log(`run ${round} of ${config.runs}`);
      const servers = await startAll(contestants, 'instant', serversDir, pin);
      await settle();
      // As found first: a GC changes what the next reading sees.
      const idle = await Promise.all(servers.map((s) => s.stats()));
      const idleGc = await Promise.all(servers.map((s) => s.stats(true)));
      for (const [i, server] of servers.entries()) {
        const { live, ready = live } = server.contestant;
        for (const path of [live, ready]) {
          const amount = { requests: config.rssRequests };
          await autocannon(server.url(path), amount, config.connections, pin);
        }
        // Each server read the same time after its own load, not after the others'.
        await settle();
        const after = await server.stats();
        const afterGc = await server.stats(true);
        const figure = samples.get(server.contestant);
        figure?.idleBytes.push(idle[i]?.rssBytes ?? 0);
        figure?.idleGcBytes.push(idleGc[i]?.rssBytes ?? 0);
        figure?.afterBytes.push(after.rssBytes);
        figure?.afterGcBytes.push(afterGc.rssBytes);
        figure?.heapAfterGcBytes.push(afterGc.heapUsedBytes);
        figure?.peakBytes.push(afterGc.maxRssBytes);
      }
      for (const server of servers) await stop(server);
    }
    results.rss.push(...samples.values());
  }

  // Scenario 3: one 50 ms check.
  if (wants(3)) {
    log('scenario 3: readiness with one 50 ms check');
    const servers = await startAll(withChecks, 'slow', serversDir, pin);
    results.slow.push(...((await loadRounds(servers, ['ready'], config, pin)).get('ready') ?? []));
    for (const server of servers) await stop(server);
  }

  // Scenario 4: a check that never settles.
  if (wants(4)) {
    log('scenario 4: a check that never settles');
    const servers = await startAll(withChecks, 'hang', serversDir, pin);
    // Every server at once: a hanging request costs nothing but the wait. One warm-up
    // request first (1 s client timeout), then a wait of one cache TTL, so the series
    // starts with a fresh check run in a warm process.
    results.hang.push(
      ...(await Promise.all(
        servers.map(async (server) => {
          await probe(server.url(server.contestant.ready ?? '/'), 1000);
          await new Promise((resolve) => setTimeout(resolve, CACHE_TTL_MS + 200));
          const started = performance.now();
          const outcomes = await probeSeries(
            server.url(server.contestant.ready ?? '/'),
            10,
            100,
            CLIENT_TIMEOUT_MS,
          );
          return {
            contestant: server.contestant,
            outcomes,
            elapsedMs: performance.now() - started,
          };
        }),
      )),
    );
    const ours = servers.filter((s) => s.contestant.group === 'health-probes' && s.alive);
    for (const [key, figures] of await loadRounds(ours, ['ready'], config, pin)) {
      if (key === 'ready') results.hangLoad.push(...figures);
    }
    for (const server of servers) await stop(server);
  }

  // Scenario 5: a check that throws an error holding a secret.
  if (wants(5)) {
    log('scenario 5: a check that throws');
    for (const variant of ['throw-sync', 'throw-async'] as const) {
      for (const contestant of withChecks) {
        const server = await start(contestant, variant, serversDir, pin);
        const url = server.url(contestant.ready ?? '/');
        const outcomes = [];
        for (let i = 0; i < 3; i++) outcomes.push(await probe(url, CLIENT_TIMEOUT_MS));
        await new Promise((resolve) => setTimeout(resolve, 500));
        const live = server.alive ? await probe(server.url(contestant.live), 2000) : undefined;
        const alive = server.alive && typeof live?.status === 'number';
        const text = outcomes.map((o) => `${o.headers}\n${o.body}`).join('\n');
        results.throws.push({
          contestant,
          variant,
          outcomes,
          secretLeaked: text.includes(SECRET),
          stackLeaked: STACK.test(text),
          alive,
          exitNote: alive
            ? ''
            : (server.output.split('\n').find((l) => /Error|reject/i.test(l)) ?? ''),
        });
        await stop(server);
      }
    }
  }

  // Scenario 7: the SSE fan-out benchmark of its own.
  if (wants(7)) log('scenario 7: see the SSE fan-out section of bench/README.md');

  // Scenario 8: probe latency against check latency, one server at a time.
  const overTimeList = wants(8) ? overTimeServers(config.only) : [];
  if (overTimeList.length > 0) {
    log(`scenario 8: probe latency against check latency (${overTimeList.length} servers)`);
    const pacerFile = await compileScript(benchDir, 'harness/pacer.ts');
    for (const definition of overTimeList) {
      const server = await start(definition.contestant, 'instant', serversDir, pin);
      const figure = await measureOverTime(server, definition, pacerFile, config, pin);
      overTime.figures.push(figure);
      log(
        `  ${definition.contestant.id}: paced p99 live ${figure.paced.live.p99Ms.toFixed(2)} ms, ready ${figure.paced.ready.p99Ms.toFixed(2)} ms; under load p99 live ${figure.load.live.p99Ms} ms, ready ${figure.load.ready.p99Ms} ms`,
      );
      await stop(server);
    }
  }

  // Scenarios 9 and 10: simulations on an injected clock, no server.
  if (wants(9)) {
    log('scenario 9: flap damping (simulated)');
    overTime.flap = await flapDamping();
  }
  if (wants(10)) {
    log('scenario 10: back-off (simulated)');
    overTime.backoff = await backoffSimulation();
  }

  results.finishedAt = new Date();
  results.loadAverageAtEnd = loadavg()[0];
  overTime.finishedAt = results.finishedAt;
  overTime.loadAverageAtEnd = results.loadAverageAtEnd;
  const reports: [Section, string][] = [];
  if ([1, 2, 3, 4, 5, 6, 7].some((n) => config.scenarios.has(n as ScenarioNumber))) {
    reports.push([SECTIONS.main, renderReport(results)]);
  }
  if (wants(8) || wants(9) || wants(10)) {
    reports.push([SECTIONS.overTime, renderOverTimeReport(overTime)]);
  }
  writeReports(config, reports);
}

/**
 * Writes each report where `BENCH_REPORT` says: by default each into its marked section of
 * the README (the sections of scenarios that did not run are left as they are).
 */
function writeReports(config: BenchConfig, reports: readonly [Section, string][]): void {
  const all = reports.map(([, report]) => report).join('\n\n');
  process.stdout.write(`${all}\n`);
  if (config.report === '-') return;
  if (config.report !== undefined) {
    writeFileSync(config.report, `${all}\n`);
    log(`report written to ${config.report}`);
    return;
  }
  let readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  for (const [{ start: startMark, end: endMark, heading }, report] of reports) {
    const start = readme.indexOf(startMark);
    const end = readme.indexOf(endMark);
    const section = `${startMark}\n${report}\n${endMark}`;
    readme =
      start !== -1 && end > start
        ? readme.slice(0, start) + section + readme.slice(end + endMark.length)
        : `${readme.trimEnd()}\n\n${heading}\n\n${section}\n`;
  }
  writeFileSync(readmePath, readme);
  log(`report written to ${readmePath}`);
}

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((server) => stop(server)));
}

process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await stopAll();
}
