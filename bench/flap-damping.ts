/**
 * Flap damping (issue 15), a simulation on an injected clock: a check that fails at random
 * in 10% of its runs (seeded), run 10,000 times, once per simulated second, with
 * `cacheTtlMs: 0` and `await health.run()` per step. Counts the reported transitions (the
 * runner's `change` events for that check) with the default thresholds and with
 * `failureThreshold: 3, successThreshold: 2`, on the same sequence of outcomes.
 *
 * `npx tsx bench/flap-damping.ts` (after `npm run build`: it runs the built `dist/`).
 * `BENCH_SEED` sets the seed. Also scenario 9 of `run.ts`.
 */
import { loadHealthProbes } from './servers/common.js';
import { isMain, mulberry32, seedFromEnv, simClock } from './sim/clock.js';

/** The default seed: the issue's number. */
export const FLAP_SEED = 15;

/** One threshold setting simulated. */
export interface FlapSetting {
  readonly label: string;
  readonly failureThreshold?: number;
  readonly successThreshold?: number;
}

/** What one setting reported over the whole sequence. */
export interface FlapRow {
  readonly setting: FlapSetting;
  /** `change` events of the check after its first status (UP to DOWN and back). */
  readonly transitions: number;
  readonly toDown: number;
  readonly toUp: number;
  /** Runs after which the check reported DOWN. */
  readonly reportedDown: number;
  /** Runs after which it reported DOWN while that run had succeeded (a threshold still pending). */
  readonly downAfterSuccess: number;
  /** Times the check function ran: one per step, or the simulation is wrong. */
  readonly checkRuns: number;
}

export interface FlapResult {
  readonly seed: number;
  readonly runs: number;
  readonly failureRate: number;
  readonly stepMs: number;
  /** Runs that failed, as drawn. */
  readonly failedRuns: number;
  /** Streaks of at least 3 failed runs in a row, as drawn. */
  readonly streaksOf3: number;
  readonly longestStreak: number;
  readonly rows: readonly FlapRow[];
  readonly wallMs: number;
}

export const FLAP_SETTINGS: readonly FlapSetting[] = [
  { label: 'defaults (`failureThreshold: 1, successThreshold: 1`)' },
  { label: '`failureThreshold: 3`', failureThreshold: 3 },
  { label: '`failureThreshold: 3, successThreshold: 2`', failureThreshold: 3, successThreshold: 2 },
];

/** The target: the 3/2 setting reports at least this many times fewer transitions. */
export const FLAP_TARGET_RATIO = 20;

export async function flapDamping({
  seed = FLAP_SEED,
  runs = 10_000,
  failureRate = 0.1,
  stepMs = 1000,
  settings = FLAP_SETTINGS,
} = {}): Promise<FlapResult> {
  const { createHealth } = await loadHealthProbes();
  const started = performance.now();
  const random = mulberry32(seed);
  const fails = Array.from({ length: runs }, () => random() < failureRate);
  let streaksOf3 = 0;
  let longestStreak = 0;
  let streak = 0;
  for (const failed of [...fails, false]) {
    if (failed) {
      streak++;
      continue;
    }
    if (streak >= 3) streaksOf3++;
    longestStreak = Math.max(longestStreak, streak);
    streak = 0;
  }
  const rows: FlapRow[] = [];
  for (const setting of settings) {
    const clock = simClock();
    let step = 0;
    let checkRuns = 0;
    const { failureThreshold, successThreshold } = setting;
    const health = createHealth({
      clock: clock.now,
      timers: clock.timers,
      cacheTtlMs: 0,
      checks: {
        dependency: {
          ...(failureThreshold === undefined ? {} : { failureThreshold }),
          ...(successThreshold === undefined ? {} : { successThreshold }),
          check: () => {
            checkRuns++;
            return fails[step] === true ? false : undefined;
          },
        },
      },
    });
    const counts = { toDown: 0, toUp: 0 };
    health.on('change', ({ name, previous, current }) => {
      if (name !== 'dependency' || previous === undefined) return;
      if (current === 'DOWN') counts.toDown++;
      else if (previous === 'DOWN') counts.toUp++;
    });
    let reportedDown = 0;
    let downAfterSuccess = 0;
    for (step = 0; step < runs; step++) {
      clock.advance(stepMs);
      const report = await health.run();
      if (report.components.dependency?.status !== 'DOWN') continue;
      reportedDown++;
      if (fails[step] !== true) downAfterSuccess++;
    }
    health.close();
    rows.push({
      setting,
      transitions: counts.toDown + counts.toUp,
      ...counts,
      reportedDown,
      downAfterSuccess,
      checkRuns,
    });
  }
  return {
    seed,
    runs,
    failureRate,
    stepMs,
    failedRuns: fails.filter(Boolean).length,
    streaksOf3,
    longestStreak,
    rows,
    wallMs: performance.now() - started,
  };
}

const n = (value: number) => value.toLocaleString('en-US');

/** The damping of the 3/2 setting against the defaults, or `undefined` when not simulated. */
export function flapRatio(result: FlapResult): number | undefined {
  const base = result.rows.find((r) => r.setting.failureThreshold === undefined);
  const damped = result.rows.find(
    (r) => r.setting.failureThreshold === 3 && r.setting.successThreshold === 2,
  );
  if (base === undefined || damped === undefined) return undefined;
  return base.transitions / Math.max(1, damped.transitions);
}

/** The result as Markdown: the setup, one row per setting, and the target. */
export function renderFlapDamping(result: FlapResult): string {
  const ratio = flapRatio(result);
  const rows = result.rows.map((row) => {
    const base = result.rows[0];
    const fewer =
      base === undefined || row === base
        ? '1x'
        : `${(base.transitions / Math.max(1, row.transitions)).toFixed(1)}x fewer`;
    return `| ${row.setting.label} | ${n(row.transitions)} (${n(row.toDown)} to DOWN, ${n(row.toUp)} to UP) | ${fewer} | ${n(row.reportedDown)} | ${n(row.downAfterSuccess)} | ${n(row.checkRuns)} |`;
  });
  return [
    `Seed ${result.seed} (mulberry32), ${n(result.runs)} runs, one per ${result.stepMs / 1000} s of simulated time, each failing with probability ${result.failureRate}: ${n(result.failedRuns)} failed runs, ${n(result.streaksOf3)} streaks of 3 or more failures in a row (longest ${result.longestStreak}). \`cacheTtlMs: 0\`, one \`await health.run()\` per step; every setting sees the same outcomes. Simulated in ${(result.wallMs / 1000).toFixed(1)} s.`,
    '',
    '| setting | reported transitions | vs defaults | runs reported DOWN | of which the run itself succeeded | check runs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Target: at least ${FLAP_TARGET_RATIO}x fewer transitions with \`failureThreshold: 3, successThreshold: 2\`: ${ratio === undefined ? 'not simulated' : `${ratio.toFixed(1)}x, ${ratio >= FLAP_TARGET_RATIO ? 'met' : '**not met**'}`}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const seed = seedFromEnv(FLAP_SEED);
  const result = await flapDamping({ seed });
  process.stdout.write(`${renderFlapDamping(result)}\n`);
}
