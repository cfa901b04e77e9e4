/** The benchmark's settings, read once from the environment. */

/** Every scenario, by number, as the README and the report name them. */
export const SCENARIOS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
export type ScenarioNumber = (typeof SCENARIOS)[number];

export interface BenchConfig {
  /** Measured seconds per run (`BENCH_DURATION`, default 10). */
  readonly durationS: number;
  /** Warm-up seconds before each run, not measured (`BENCH_WARMUP`, default 2). */
  readonly warmupS: number;
  /** Runs per figure; the median run is reported (`BENCH_RUNS`, default 3). */
  readonly runs: number;
  /** Concurrent connections of the load generator (`BENCH_CONNECTIONS`, default 50). */
  readonly connections: number;
  /**
   * Rounds of each paired measurement, where a server and the baseline are loaded at once
   * on the same CPU (`BENCH_PAIRED_RUNS`, default 5; 0 leaves it out).
   */
  readonly pairedRuns: number;
  /** Measured seconds per paired round (`BENCH_PAIRED_DURATION`, default 5). */
  readonly pairedDurationS: number;
  /** Requests per path in the RSS scenario (`BENCH_RSS_REQUESTS`, default 20000). */
  readonly rssRequests: number;
  /** Contestant ids to run, all when empty (`BENCH_ONLY=hp-router,terminus`). */
  readonly only: ReadonlySet<string>;
  /** Scenarios to run (`BENCH_SCENARIOS=1,2`, default all). */
  readonly scenarios: ReadonlySet<ScenarioNumber>;
  /**
   * Where the report goes (`BENCH_REPORT`): unset, the marked section of
   * `bench/README.md`; `-`, standard output only; otherwise that file.
   */
  readonly report: string | undefined;
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${raw}`);
  }
  return value;
}

function list(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Reads and validates the `BENCH_*` variables. */
export function readConfig(): BenchConfig {
  const scenarios = list('BENCH_SCENARIOS').map(Number);
  for (const scenario of scenarios) {
    if (!(SCENARIOS as readonly number[]).includes(scenario)) {
      throw new RangeError(
        `BENCH_SCENARIOS takes numbers from 1 to ${SCENARIOS.length}, got ${scenario}`,
      );
    }
  }
  return {
    durationS: integer('BENCH_DURATION', 10, 1, 600),
    warmupS: integer('BENCH_WARMUP', 2, 0, 60),
    runs: integer('BENCH_RUNS', 3, 1, 15),
    connections: integer('BENCH_CONNECTIONS', 50, 2, 1000),
    pairedRuns: integer('BENCH_PAIRED_RUNS', 5, 0, 15),
    pairedDurationS: integer('BENCH_PAIRED_DURATION', 5, 1, 600),
    rssRequests: integer('BENCH_RSS_REQUESTS', 20_000, 1000, 10_000_000),
    only: new Set(list('BENCH_ONLY')),
    scenarios: new Set((scenarios.length > 0 ? scenarios : [...SCENARIOS]) as ScenarioNumber[]),
    report: process.env.BENCH_REPORT === '' ? undefined : process.env.BENCH_REPORT,
  };
}

/** The command that reproduces this run, with the settings that differ from the defaults. */
export function commandLine(): string {
  const names = [
    'DURATION',
    'WARMUP',
    'RUNS',
    'CONNECTIONS',
    'PAIRED_RUNS',
    'PAIRED_DURATION',
    'RSS_REQUESTS',
    'ONLY',
    'SCENARIOS',
  ];
  const set = names
    .map((name) => `BENCH_${name}`)
    .filter((name) => (process.env[name] ?? '') !== '')
    .map((name) => `${name}=${process.env[name] ?? ''}`);
  return [...set, 'npm run bench'].join(' ');
}
