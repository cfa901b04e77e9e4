/**
 * Back-off (issue 15), a simulation on an injected clock: a dependency that is UP, then
 * down for 60 s of simulated time, then UP again, behind an on-request check with
 * `cacheTtlMs: 1000`, probed every 100 ms and every 1000 ms (`await health.run()` per
 * probe). Counts the runs against the dependency with and without
 * `backoff: { maxMs: 16000 }` (jitter at its default 0.1, drawn from a seeded `random`), and
 * the time from its recovery to the first UP report.
 *
 * `npx tsx bench/backoff.ts` (after `npm run build`: it runs the built `dist/`).
 * `BENCH_SEED` sets the seed. Also scenario 10 of `run.ts`.
 */
import { loadHealthProbes } from './servers/common.js';
import { isMain, mulberry32, seedFromEnv, simClock } from './sim/clock.js';

/** The default seed: the issue's number. */
export const BACKOFF_SEED = 15;
export const BACKOFF_TTL_MS = 1000;
export const BACKOFF_MAX_MS = 16_000;

/** One simulated case: how often the probe comes, and whether back-off is on. */
export interface BackoffCase {
  readonly probeEveryMs: number;
  readonly backoff: boolean;
}

export interface BackoffRow extends BackoffCase {
  /** Runs of the check while the dependency was down. */
  readonly outageRuns: number;
  /** Runs over the whole simulation (before, during and after the outage). */
  readonly totalRuns: number;
  /** Probes answered over the whole simulation. */
  readonly probes: number;
  /** When the runs during the outage started, in seconds after the outage began. */
  readonly outageRunAtS: readonly number[];
  /** From the outage's start to the first probe that saw DOWN, in ms. */
  readonly toDownMs: number | undefined;
  /** From the recovery to the first probe that saw UP again, in ms. */
  readonly toUpMs: number | undefined;
}

export interface BackoffResult {
  readonly seed: number;
  readonly upBeforeMs: number;
  readonly outageMs: number;
  readonly upAfterMs: number;
  readonly rows: readonly BackoffRow[];
  /** The same cases over {@link BackoffResult.spreadOutages} outages with random phase and jitter. */
  readonly spreads: readonly BackoffSpread[];
  readonly spreadOutages: number;
  readonly wallMs: number;
}

export const BACKOFF_CASES: readonly BackoffCase[] = [
  { probeEveryMs: 100, backoff: false },
  { probeEveryMs: 100, backoff: true },
  { probeEveryMs: 1000, backoff: false },
  { probeEveryMs: 1000, backoff: true },
];

/** One outage simulated for one case. */
async function simulate(
  createHealth: Awaited<ReturnType<typeof loadHealthProbes>>['createHealth'],
  { probeEveryMs, backoff }: BackoffCase,
  seed: number,
  upBeforeMs: number,
  outageMs: number,
  upAfterMs: number,
): Promise<BackoffRow> {
  const clock = simClock();
  const downFrom = clock.now() + upBeforeMs;
  const downUntil = downFrom + outageMs;
  const outageRunAtS: number[] = [];
  let totalRuns = 0;
  const health = createHealth({
    clock: clock.now,
    timers: clock.timers,
    // Each case starts from the same seed, so only the back-off setting differs.
    random: mulberry32(seed),
    cacheTtlMs: BACKOFF_TTL_MS,
    ...(backoff ? { backoff: { maxMs: BACKOFF_MAX_MS } } : {}),
    checks: {
      dependency: () => {
        totalRuns++;
        const now = clock.now();
        if (now < downFrom || now >= downUntil) return undefined;
        outageRunAtS.push((now - downFrom) / 1000);
        return false;
      },
    },
  });
  let toDownMs: number | undefined;
  let toUpMs: number | undefined;
  let probes = 0;
  const end = downUntil + upAfterMs;
  while (clock.now() + probeEveryMs <= end) {
    clock.advance(probeEveryMs);
    const status = (await health.run()).components.dependency?.status;
    probes++;
    const now = clock.now();
    if (toDownMs === undefined && now >= downFrom && status === 'DOWN') toDownMs = now - downFrom;
    if (toUpMs === undefined && now >= downUntil && status === 'UP') toUpMs = now - downUntil;
  }
  health.close();
  return {
    probeEveryMs,
    backoff,
    outageRuns: outageRunAtS.length,
    totalRuns,
    probes,
    outageRunAtS,
    toDownMs,
    toUpMs,
  };
}

/** Runs while down and recovery to UP over many outages of one case. */
export interface BackoffSpread extends BackoffCase {
  readonly outageRuns: readonly number[];
  /** `Infinity` for an outage after which no probe saw UP. */
  readonly toUpMs: readonly number[];
}

export async function backoffSimulation({
  seed = BACKOFF_SEED,
  upBeforeMs = 10_000,
  outageMs = 60_000,
  upAfterMs = 30_000,
  cases = BACKOFF_CASES,
  spreadOutages = 100,
} = {}): Promise<BackoffResult> {
  const { createHealth } = await loadHealthProbes();
  const started = performance.now();
  const rows: BackoffRow[] = [];
  const spreads: BackoffSpread[] = [];
  for (const backoffCase of cases) {
    rows.push(await simulate(createHealth, backoffCase, seed, upBeforeMs, outageMs, upAfterMs));
    // The same outage again with its start moved by a random phase (0 to 999 ms, against
    // the probe and the TTL) and another jitter seed each time.
    const phase = mulberry32(seed ^ 0x9e3779b9);
    const spread = { ...backoffCase, outageRuns: [] as number[], toUpMs: [] as number[] };
    for (let k = 1; k <= spreadOutages; k++) {
      const shift = Math.floor(phase() * 1000);
      const row = await simulate(
        createHealth,
        backoffCase,
        seed + k,
        upBeforeMs + shift,
        outageMs,
        upAfterMs,
      );
      spread.outageRuns.push(row.outageRuns);
      spread.toUpMs.push(row.toUpMs ?? Infinity);
    }
    spreads.push(spread);
  }
  return {
    seed,
    upBeforeMs,
    outageMs,
    upAfterMs,
    rows,
    spreads,
    spreadOutages,
    wallMs: performance.now() - started,
  };
}

const seconds = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms)
    ? 'never'
    : ms < 1000
      ? `${Math.round(ms)} ms`
      : `${(ms / 1000).toFixed(1)} s`;

/** When the runs came: each time for a back-off, else the one period between them. */
function runTimes(at: readonly number[]): string {
  if (at.length <= 12) return at.map((s) => s.toFixed(1)).join(', ');
  const gaps = at.slice(1).map((s, i) => s - (at[i] ?? 0));
  const gap = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? Number.NaN;
  return `every ${gap.toFixed(1)} s, ${at[0]?.toFixed(1)} to ${at.at(-1)?.toFixed(1)}`;
}

/** min / median / max of `values`, each formatted. */
function spread(values: readonly number[], format: (value: number) => string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (i: number) => format(sorted[i] ?? Number.NaN);
  return `${at(0)} / ${at(Math.floor((sorted.length - 1) / 2))} / ${at(sorted.length - 1)}`;
}

/** The result as Markdown: the setup and one row per case. */
export function renderBackoff(result: BackoffResult): string {
  const rows = result.rows.map(
    (row) =>
      `| every ${row.probeEveryMs} ms | ${row.backoff ? `\`{ maxMs: ${BACKOFF_MAX_MS} }\`` : 'off'} | ${row.outageRuns} | ${runTimes(row.outageRunAtS)} | ${seconds(row.toDownMs)} | ${seconds(row.toUpMs)} | ${row.totalRuns} runs / ${row.probes} probes |`,
  );
  return [
    `Seed ${result.seed} (mulberry32, the back-off's \`random\`), \`cacheTtlMs: ${BACKOFF_TTL_MS}\`, default thresholds. The dependency is UP for ${result.upBeforeMs / 1000} s, down for ${result.outageMs / 1000} s, then UP for ${result.upAfterMs / 1000} s; each probe is one \`await health.run()\`. Back-off on: \`initialMs\` 1000, \`factor\` 2, \`jitter\` 0.1 (the defaults). Simulated in ${(result.wallMs / 1000).toFixed(1)} s.`,
    '',
    '| probe | back-off | runs against the dependency while down | at (s after it went down) | down to first DOWN report | recovery to first UP report | whole simulation |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `The same outage ${result.spreadOutages} more times per case, its start moved by a random 0 to 999 ms against the probes and the TTL and the jitter drawn from seeds ${result.seed + 1} to ${result.seed + result.spreadOutages}: min / median / max.`,
    '',
    '| probe | back-off | runs against the dependency while down | recovery to first UP report |',
    '| --- | --- | --- | --- |',
    ...result.spreads.map(
      (s) =>
        `| every ${s.probeEveryMs} ms | ${s.backoff ? `\`{ maxMs: ${BACKOFF_MAX_MS} }\`` : 'off'} | ${spread(s.outageRuns, String)} | ${spread(s.toUpMs, seconds)} |`,
    ),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const seed = seedFromEnv(BACKOFF_SEED);
  const result = await backoffSimulation({ seed });
  process.stdout.write(`${renderBackoff(result)}\n`);
}
