// Issue 16: what a check's history costs. Two measurements, each bounded in count and time:
//
// (a) Memory: a runner with 50 checks, each run once a second for an hour of simulated time
//     (an injected clock, cacheTtlMs 0, one run() per simulated second: 3600 runs of each
//     check), with history on (the defaults: 3600 runs, 200 transitions) and off. Each
//     configuration runs in a child process of its own so one cannot inflate the other;
//     heapUsed and RSS are read after a full GC (--expose-gc), and the difference between
//     the two, divided by 50, is the cost of one check's history. The checks flip every
//     15 runs with a 40-character message, so the transition ring is full (240 > 200): the
//     worst case.
// (b) Time: the cost of one check run with history on against off, in one process: two
//     runners of 50 synchronous checks, run alternately in rounds of ROUND_RUNS awaited
//     run() calls (10,000 check runs), on/off interleaved, timed in CPU time of this process
//     (process.cpuUsage: the machine is shared); the median of the per-check-run difference
//     over the rounds, after a warm-up that fills the rings.
//
// Run: node --expose-gc --import tsx bench/history-memory.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHealth, type Check } from '../lib/index.js';

const CHECKS = 50;
const SIMULATED_SECONDS = 3600;
const FLIP_EVERY = 15;
const ROUNDS = 61;
const ROUND_RUNS = 200;
const MEMORY_REPEATS = 3;
const TIMEOUT_MS = 5 * 60_000;

const gc = (globalThis as { gc?: () => void }).gc;

function collect(): void {
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

async function memoryChild(history: boolean): Promise<void> {
  let now = Date.UTC(2026, 0, 1);
  let second = 0;
  collect();
  const before = process.memoryUsage();
  const checks: Record<string, Check> = {};
  for (let i = 0; i < CHECKS; i++) {
    checks[`dependency-${i}`] = () =>
      Math.floor((second + i) / FLIP_EVERY) % 2 === 0
        ? true
        : { status: 'DOWN', message: `connection refused by 10.0.0.${i}:5432 (try ${second})` };
  }
  const health = createHealth({
    clock: () => now,
    cacheTtlMs: 0,
    checks,
    ...(history ? {} : { history: false }),
  });
  const started = performance.now();
  for (second = 0; second < SIMULATED_SECONDS; second++) {
    await health.run();
    now += 1000;
  }
  const runMs = performance.now() - started;
  collect();
  const after = process.memoryUsage();
  const kept = health.history()?.checks['dependency-0'];
  process.stdout.write(
    JSON.stringify({
      history,
      heapUsed: after.heapUsed - before.heapUsed,
      arrayBuffers: after.arrayBuffers - before.arrayBuffers,
      rss: after.rss - before.rss,
      runs: kept?.runs.at.length ?? 0,
      transitions: kept?.transitions.length ?? 0,
      runMs,
    }),
  );
  health.close();
}

interface MemoryFigures {
  history: boolean;
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
  runs: number;
  transitions: number;
  runMs: number;
}

function memoryIn(history: boolean): MemoryFigures {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), 'memory', String(history)],
    { encoding: 'utf8', timeout: TIMEOUT_MS },
  );
  return JSON.parse(output) as MemoryFigures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** CPU time of this process, in microseconds: less disturbed by other processes than the wall clock. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function timeRuns(): Promise<{ on: number; off: number; delta: number[] }> {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const checks: Record<string, Check> = {};
  for (let i = 0; i < CHECKS; i++) checks[`dependency-${i}`] = () => true;
  const on = createHealth({ clock, cacheTtlMs: 0, checks });
  const off = createHealth({ clock, cacheTtlMs: 0, history: false, checks });
  // Microseconds of CPU per check run, over ROUND_RUNS runs of every check.
  const round = async (health: typeof on) => {
    const started = cpuMicros();
    for (let i = 0; i < ROUND_RUNS; i++) {
      now += 1000;
      await health.run();
    }
    return (cpuMicros() - started) / (ROUND_RUNS * CHECKS);
  };
  // Warm-up: both paths optimised, and both rings full, before anything is measured.
  for (let i = 0; i < 20; i++) {
    await round(on);
    await round(off);
  }
  const onTimes: number[] = [];
  const offTimes: number[] = [];
  const deltas: number[] = [];
  const deadline = performance.now() + TIMEOUT_MS;
  for (let r = 0; r < ROUNDS && performance.now() < deadline; r++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const [a, b] = r % 2 === 0 ? [on, off] : [off, on];
    const first = await round(a);
    const second = await round(b);
    const [onTime, offTime] = a === on ? [first, second] : [second, first];
    onTimes.push(onTime);
    offTimes.push(offTime);
    deltas.push(onTime - offTime);
  }
  on.close();
  off.close();
  return { on: median(onTimes), off: median(offTimes), delta: deltas };
}

const kB = (bytes: number) => (bytes / 1024).toFixed(1);

async function main(): Promise<void> {
  const [role, flag] = process.argv.slice(2);
  if (role === 'memory') return memoryChild(flag === 'true');
  // Each configuration MEMORY_REPEATS times, alternating; the median of each figure.
  const samples: MemoryFigures[][] = [[], []];
  for (let i = 0; i < MEMORY_REPEATS; i++) {
    samples[0]?.push(memoryIn(true));
    samples[1]?.push(memoryIn(false));
  }
  const middle = (list: MemoryFigures[] = []): MemoryFigures => ({
    history: list[0]?.history ?? false,
    heapUsed: median(list.map((f) => f.heapUsed)),
    arrayBuffers: median(list.map((f) => f.arrayBuffers)),
    rss: median(list.map((f) => f.rss)),
    runs: list[0]?.runs ?? 0,
    transitions: list[0]?.transitions ?? 0,
    runMs: median(list.map((f) => f.runMs)),
  });
  const withHistory = middle(samples[0]);
  const without = middle(samples[1]);
  const perCheck = (key: 'heapUsed' | 'rss' | 'arrayBuffers') =>
    (withHistory[key] - without[key]) / CHECKS;
  const retained = perCheck('heapUsed') + perCheck('arrayBuffers');
  console.log(`(a) ${CHECKS} checks, ${SIMULATED_SECONDS} runs each (1/s for an hour, simulated)`);
  console.log(
    `    kept per check: ${withHistory.runs} runs, ${withHistory.transitions} transitions`,
  );
  for (const figures of [withHistory, without]) {
    console.log(
      `    history ${figures.history ? 'on ' : 'off'}: heapUsed +${kB(figures.heapUsed)} kB, ArrayBuffers +${kB(figures.arrayBuffers)} kB, RSS +${kB(figures.rss)} kB, ${(figures.runMs / 1000).toFixed(1)} s for the runs`,
    );
  }
  console.log(
    `    per check (median of ${MEMORY_REPEATS} processes each): retained ${kB(retained)} kB = heapUsed ${kB(perCheck('heapUsed'))} kB + ArrayBuffers ${kB(perCheck('arrayBuffers'))} kB; RSS ${kB(perCheck('rss'))} kB (target < 100 kB)`,
  );
  const time = await timeRuns();
  const sorted = [...time.delta].sort((a, b) => a - b);
  console.log(
    `(b) CPU per check run (${CHECKS} checks, ${ROUNDS} rounds of ${ROUND_RUNS} run() each, on/off interleaved): on ${time.on.toFixed(2)} µs, off ${time.off.toFixed(2)} µs`,
  );
  console.log(
    `    history costs ${median(time.delta).toFixed(2)} µs more per run (median of rounds; quartiles ${sorted[Math.floor(sorted.length / 4)]?.toFixed(2)} to ${sorted[Math.floor((3 * sorted.length) / 4)]?.toFixed(2)} µs; target < 2 µs)`,
  );
}

await main();
