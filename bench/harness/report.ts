/** The figures of one benchmark run and their Markdown report, with the targets checked. */
import { CACHE_TTL_MS, HANG_TIMEOUT_MS, SLOW_CHECK_MS } from '../servers/common.js';
import type { BenchConfig } from './config.js';
import { BASELINE, EXISTING, NODE_BASELINE, type Contestant } from './contestants.js';
import { percentile, type LoadResult, type ProbeOutcome } from './load.js';
import type { Machine } from './machine.js';

/** One load run, with the check executions counted by the server during it. */
export interface RunFigure extends LoadResult {
  readonly executions?: number;
  /** Server CPU time (user + system) per response, in microseconds. */
  readonly cpuMicrosPerResponse?: number;
}

/** Every run of one contestant in one load scenario. */
export interface Figure {
  readonly contestant: Contestant;
  readonly runs: readonly RunFigure[];
}

/**
 * A server measured in pairs with the baseline: in each round both were loaded at once,
 * on the same CPU, so both saw the same machine.
 */
export interface PairedFigure {
  readonly contestant: Contestant;
  readonly path: 'live' | 'ready';
  readonly rounds: { readonly baseline: RunFigure; readonly contestant: RunFigure }[];
}

/** Per round: the server's req/s over the baseline's, and the baseline's CPU per response over the server's. */
function pairedRatios(figure: PairedFigure): { rps: number[]; cpu: number[] } {
  return {
    rps: figure.rounds.map((r) => r.contestant.requestsPerSecond / r.baseline.requestsPerSecond),
    cpu: figure.rounds.map(
      (r) => (r.baseline.cpuMicrosPerResponse ?? NaN) / (r.contestant.cpuMicrosPerResponse ?? NaN),
    ),
  };
}

export interface HangOutcome {
  readonly contestant: Contestant;
  readonly outcomes: readonly ProbeOutcome[];
  readonly elapsedMs: number;
}

export interface ThrowOutcome {
  readonly contestant: Contestant;
  readonly variant: 'throw-sync' | 'throw-async';
  readonly outcomes: readonly ProbeOutcome[];
  readonly secretLeaked: boolean;
  readonly stackLeaked: boolean;
  readonly alive: boolean;
  /** What the server printed, when it died. */
  readonly exitNote: string;
}

/**
 * Memory of one contestant, one sample per run (fresh servers each run). "As found" is read
 * whenever V8 last collected; "after GC" after two full collections in the server, which is
 * what the process retains.
 */
export interface RssFigure {
  readonly contestant: Contestant;
  /** RSS 1 s after start, as found. */
  readonly idleBytes: number[];
  /** RSS 1 s after start, after GC. */
  readonly idleGcBytes: number[];
  /** RSS 1 s after the load, as found. */
  readonly afterBytes: number[];
  /** RSS 1 s after the load, after GC: the figure the target is judged on. */
  readonly afterGcBytes: number[];
  /** V8 heap in use after the load and a GC. */
  readonly heapAfterGcBytes: number[];
  /** The largest RSS the process reached (`process.resourceUsage().maxRSS`). */
  readonly peakBytes: number[];
}

/** An RssFigure with no samples yet. */
export function emptyRssFigure(contestant: Contestant): RssFigure {
  return {
    contestant,
    idleBytes: [],
    idleGcBytes: [],
    afterBytes: [],
    afterGcBytes: [],
    heapAfterGcBytes: [],
    peakBytes: [],
  };
}

/** The median of `values` (the lower middle for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

export interface Results {
  readonly config: BenchConfig;
  readonly machine: Machine;
  readonly versions: readonly [string, string][];
  readonly pinning: string;
  readonly command: string;
  readonly startedAt: Date;
  finishedAt?: Date;
  /** The 1-minute load average when the run ended. */
  loadAverageAtEnd?: number;
  readonly live: Figure[];
  readonly ready: Figure[];
  /** Scenarios 1 and 2 again, in pairs with the baseline (see {@link PairedFigure}). */
  readonly paired: PairedFigure[];
  readonly slow: Figure[];
  readonly hangLoad: Figure[];
  readonly hang: HangOutcome[];
  readonly throws: ThrowOutcome[];
  readonly rss: RssFigure[];
  /** The SSE fan-out section, when `sse-fanout.ts` ran. */
  sse?: string;
}

/** The run with the median req/s (the lower middle for an even count). */
export function medianRun(figure: Figure): RunFigure | undefined {
  const sorted = [...figure.runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function rps(figures: readonly Figure[], id: string): number | undefined {
  const figure = figures.find((f) => f.contestant.id === id);
  return figure === undefined ? undefined : medianRun(figure)?.requestsPerSecond;
}

/** Server CPU per response of the median run, as text. */
function cpu(figures: readonly Figure[], id: string): string {
  const figure = figures.find((f) => f.contestant.id === id);
  const value = figure === undefined ? undefined : medianRun(figure)?.cpuMicrosPerResponse;
  return value === undefined ? '?' : `${Math.round(value)} µs`;
}

const number = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (value < 10 ? value.toFixed(1) : number(value));
const ratio = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const yes = (value: boolean) => (value ? 'yes' : 'no');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function loadTable(figures: readonly Figure[], baseline: number | undefined, slow = false): string {
  const head = [
    'server',
    'req/s',
    'p50 ms',
    'p99 ms',
    'x bare `res.json`',
    'server CPU µs/response',
    'non-2xx',
    'runs (req/s)',
  ];
  if (slow) head.push('check runs', 'runs per response');
  const rows = figures.map((figure) => {
    const run = medianRun(figure);
    if (run === undefined) return [figure.contestant.label, 'no run'];
    const row = [
      figure.contestant.label,
      number(run.requestsPerSecond),
      ms(run.p50Ms),
      ms(run.p99Ms),
      ratio(baseline === undefined ? undefined : run.requestsPerSecond / baseline),
      run.cpuMicrosPerResponse === undefined ? '?' : number(run.cpuMicrosPerResponse),
      run.non2xx + run.errors === 0 ? '0' : `${run.non2xx} (+${run.errors} errors)`,
      figure.runs.map((r) => number(r.requestsPerSecond)).join(', '),
    ];
    if (slow) {
      row.push(
        `${run.executions ?? '?'}`,
        run.executions === undefined ? '?' : (run.executions / run.responses).toFixed(4),
      );
    }
    return row;
  });
  return table(head, rows);
}

function statuses(outcomes: readonly ProbeOutcome[]): string {
  const counts = new Map<string, number>();
  for (const { status } of outcomes) counts.set(`${status}`, (counts.get(`${status}`) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}x ${status}`).join(', ');
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  const cut = flat.length > 140 ? `${flat.slice(0, 140)}...` : flat;
  return cut === '' ? '(empty)' : `\`${cut.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** Each target of the benchmark issue, measured in this run. */
export function targets(results: Results): Target[] {
  const list: Target[] = [];
  const base = rps(results.live, BASELINE);
  for (const [scenario, path, figures] of [
    ['liveness', 'live', results.live],
    ['cached readiness (3 checks)', 'ready', results.ready],
  ] as const) {
    const value = rps(figures, 'hp-router');
    if (value === undefined || base === undefined) continue;
    const r = value / base;
    const name = `\`healthRouter\` in Express 4, ${scenario} >= 1.5x bare \`res.json\``;
    const oneAfterAnother = `${ratio(r)} (${number(value)} vs ${number(base)} req/s; CPU per response ${cpu(figures, 'hp-router')} vs ${cpu(results.live, BASELINE)})`;
    const paired = results.paired.find((f) => f.contestant.id === 'hp-router' && f.path === path);
    if (paired === undefined || paired.rounds.length === 0) {
      list.push({ name, measured: `one after another: ${oneAfterAnother}`, met: r >= 1.5 });
      continue;
    }
    // Judged on the paired rounds: one-after-another ratios drift with the machine.
    const ratios = pairedRatios(paired);
    const rpsRatio = median(ratios.rps);
    list.push({
      name,
      measured: `paired: ${ratio(rpsRatio)} (rounds ${ratios.rps.map((x) => x.toFixed(2)).join(', ')}; CPU per response ${ratio(median(ratios.cpu))}); one after another: ${oneAfterAnother}`,
      met: rpsRatio >= 1.5,
    });
  }
  const slow = results.slow.find((f) => f.contestant.id === 'hp-router');
  const slowRun = slow === undefined ? undefined : medianRun(slow);
  const existing = Math.max(...EXISTING.map((id) => rps(results.slow, id) ?? 0));
  if (slowRun !== undefined && existing > 0) {
    const r = slowRun.requestsPerSecond / existing;
    list.push({
      name: `one ${SLOW_CHECK_MS} ms check, ${CACHE_TTL_MS / 1000} s TTL: >= 8x the best existing library`,
      measured: `${ratio(r)} (${number(slowRun.requestsPerSecond)} vs ${number(existing)} req/s)`,
      met: r >= 8,
    });
  }
  if (slow !== undefined && slow.runs.length > 0) {
    const worst = Math.max(...slow.runs.map((run) => run.executions ?? Infinity));
    const limit = results.config.durationS / (CACHE_TTL_MS / 1000) + 2;
    list.push({
      name: `check executions per ${results.config.durationS} s run <= duration / TTL + 2 = ${limit}`,
      measured: `${worst} (worst run)`,
      met: worst <= limit,
    });
  }
  for (const id of ['hp-router', 'hp-with-health']) {
    const hang = results.hang.find((h) => h.contestant.id === id);
    if (hang === undefined) continue;
    const all503 = hang.outcomes.every((o) => o.status === 503);
    const p99 = percentile(
      hang.outcomes.map((o) => o.latencyMs),
      99,
    );
    const load = results.hangLoad.find((f) => f.contestant.id === id);
    const loadRun = load === undefined ? undefined : medianRun(load);
    const loadOk =
      loadRun === undefined ||
      (loadRun.non2xx === loadRun.responses && loadRun.statusCodes['503'] === loadRun.responses);
    const loadP99 = loadRun?.p99Ms ?? 0;
    list.push({
      name: `never-settling check, \`timeoutMs: ${HANG_TIMEOUT_MS}\` (${hang.contestant.label}): all 503, p99 < 250 ms`,
      measured:
        `${statuses(hang.outcomes)}, p99 ${ms(p99)} ms` +
        (loadRun === undefined
          ? ''
          : `; under load ${loadOk ? 'all 503' : JSON.stringify(loadRun.statusCodes)}, p99 ${ms(loadP99)} ms`),
      met: all503 && p99 < 250 && loadOk && loadP99 < 250,
    });
  }
  for (const outcome of results.throws.filter((t) => t.contestant.group === 'health-probes')) {
    const all503 = outcome.outcomes.every((o) => o.status === 503);
    list.push({
      name: `throwing check, ${outcome.variant} (${outcome.contestant.label}): 503, no secret, no stack, alive`,
      measured: `${statuses(outcome.outcomes)}; secret ${outcome.secretLeaked ? 'LEAKED' : 'not shown'}; stack ${outcome.stackLeaked ? 'LEAKED' : 'not shown'}; ${outcome.alive ? 'alive' : 'DEAD'}`,
      met: all503 && !outcome.secretLeaked && !outcome.stackLeaked && outcome.alive,
    });
  }
  const bare = results.rss.find((r) => r.contestant.id === BASELINE);
  for (const id of ['hp-router', 'hp-with-health']) {
    const own = results.rss.find((r) => r.contestant.id === id);
    if (bare === undefined || own === undefined) continue;
    const r = median(own.afterGcBytes) / median(bare.afterGcBytes);
    list.push({
      name: `RSS after load and a full GC (${own.contestant.label}) within 10% of bare Express`,
      measured: `${mb(median(own.afterGcBytes))} MB vs ${mb(median(bare.afterGcBytes))} MB (${ratio(r)}); as found ${mb(median(own.afterBytes))} vs ${mb(median(bare.afterBytes))} MB`,
      met: r <= 1.1,
    });
  }
  const node = rps(results.live, NODE_BASELINE);
  const fast = rps(results.live, 'hp-with-health');
  if (node !== undefined && fast !== undefined) {
    list.push({
      name: '`withHealth` liveness >= 0.8x bare `node:http`',
      measured: `${ratio(fast / node)} (${number(fast)} vs ${number(node)} req/s; CPU per response ${cpu(results.live, 'hp-with-health')} vs ${cpu(results.live, NODE_BASELINE)})`,
      met: fast / node >= 0.8,
    });
  }
  return list;
}

/** The whole report, in Markdown. */
export function renderReport(results: Results): string {
  const { config, machine } = results;
  const base = rps(results.live, BASELINE);
  const out: string[] = [];
  const minutes = (
    ((results.finishedAt ?? new Date()).getTime() - results.startedAt.getTime()) /
    60_000
  ).toFixed(1);
  out.push(
    `Run of ${results.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${minutes} min): \`${results.command}\``,
    '',
    `- Machine: ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}; ${machine.os}; Node ${machine.node}; 1-minute load average ${machine.loadAverage.toFixed(2)} at the start, ${results.loadAverageAtEnd?.toFixed(2) ?? '?'} at the end (the run itself keeps about 2 busy).`,
    `- Load: autocannon, ${config.connections} connections, ${config.durationS} s after a ${config.warmupS} s warm-up, median of ${config.runs} run(s), runs of all servers interleaved; ${results.pinning}.`,
    `- Versions: ${results.versions.map(([name, v]) => `${name} ${v}`).join(', ')}.`,
    '- Server CPU µs/response: CPU time (user + system) of the server process during the measured run, per response. The load generator does not bound it, so it separates the fastest servers where req/s cannot.',
    `- Ratios are to bare Express 4 \`res.json()\` liveness of the same run${base === undefined ? ' (not measured in this run)' : ` (${number(base)} req/s)`}.`,
    '',
  );
  const list = targets(results);
  if (list.length > 0) {
    out.push(
      '### Targets',
      '',
      table(
        ['target', 'measured', 'met'],
        list.map((t) => [t.name, t.measured, t.met === undefined ? '?' : t.met ? 'yes' : '**no**']),
      ),
      '',
    );
  }
  const na = (figures: readonly Figure[], all: readonly Contestant[]) =>
    all
      .filter((c) => c.noChecks !== undefined && !figures.some((f) => f.contestant === c))
      .map((c) => `${c.label}: n/a (${c.noChecks ?? ''}).`)
      .join(' ');
  const everyone = [...new Set([...results.live, ...results.ready].map((f) => f.contestant))];
  if (results.live.length > 0) {
    out.push('### 1. Liveness, no checks', '', loadTable(results.live, base), '');
  }
  if (results.ready.length > 0) {
    out.push(
      '### 2. Readiness, 3 instant checks',
      '',
      loadTable(results.ready, base),
      '',
      na(results.ready, everyone),
      '',
    );
  }
  if (results.paired.length > 0) {
    out.push(
      '### 1 and 2 in pairs with the baseline',
      '',
      `Each server and bare Express 4 \`res.json()\` liveness loaded at the same time, both on the server CPU, each by its own autocannon with ${Math.floor(config.connections / 2)} connections; ${config.pairedDurationS} s per round after a ${config.warmupS} s warm-up, ${config.pairedRuns} rounds, the pairs interleaved. Both servers then see the same machine, so the ratio holds still where runs taken one after the other drift apart. "x bare" is the median of the per-round ratios of req/s; "x by CPU" the same for the baseline's CPU time per response over the server's (the two agree when the CPU is shared evenly). The Express-mounted targets are judged on "x bare".`,
      '',
      table(
        [
          'server',
          'path',
          'x bare `res.json`',
          'x by CPU',
          'rounds (x bare)',
          'req/s (server / baseline)',
        ],
        results.paired.map((figure) => {
          const ratios = pairedRatios(figure);
          return [
            figure.contestant.label,
            figure.contestant[figure.path] ?? '?',
            ratio(median(ratios.rps)),
            ratio(median(ratios.cpu)),
            ratios.rps.map((x) => x.toFixed(2)).join(', '),
            figure.rounds
              .map(
                (r) =>
                  `${number(r.contestant.requestsPerSecond)} / ${number(r.baseline.requestsPerSecond)}`,
              )
              .join(', '),
          ];
        }),
      ),
      '',
    );
  }
  if (results.slow.length > 0) {
    out.push(
      `### 3. Readiness, one ${SLOW_CHECK_MS} ms check`,
      '',
      `health-probes caches a result for ${CACHE_TTL_MS / 1000} s (its default \`cacheTtlMs\`) and shares a run in flight; "check runs" counts the executions of the check during the measured run.`,
      '',
      loadTable(results.slow, base, true),
      '',
    );
  }
  if (results.hang.length > 0) {
    out.push(
      '### 4. A check that never settles',
      '',
      `After one warm-up request and a wait of one cache TTL: 10 requests, one every 100 ms, each with a 10 s client timeout. health-probes runs with \`timeoutMs: ${HANG_TIMEOUT_MS}\`: the first request runs the check, the next ones share that run or its cached result.`,
      '',
      table(
        ['server', 'answered', 'statuses', 'p50 ms', 'p99 ms', 'all answered after ms'],
        results.hang.map(({ contestant, outcomes, elapsedMs }) => {
          const latencies = outcomes.map((o) => o.latencyMs);
          return [
            contestant.label,
            `${outcomes.filter((o) => typeof o.status === 'number').length} of ${outcomes.length}`,
            statuses(outcomes),
            ms(percentile(latencies, 50)),
            ms(percentile(latencies, 99)),
            number(elapsedMs),
          ];
        }),
      ),
      '',
    );
    if (results.hangLoad.length > 0) {
      out.push(
        `Under load (${config.connections} connections), health-probes only (every request of the others hangs):`,
        '',
        table(
          ['server', 'req/s', 'p50 ms', 'p99 ms', 'statuses'],
          results.hangLoad.map((figure) => {
            const run = medianRun(figure);
            return [
              figure.contestant.label,
              run === undefined ? '?' : number(run.requestsPerSecond),
              run === undefined ? '?' : ms(run.p50Ms),
              run === undefined ? '?' : ms(run.p99Ms),
              run === undefined
                ? '?'
                : Object.entries(run.statusCodes)
                    .map(([code, count]) => `${number(count)}x ${code}`)
                    .join(', ') + (run.errors > 0 ? `, ${run.errors} errors` : ''),
            ];
          }),
        ),
        '',
      );
    }
  }
  if (results.throws.length > 0) {
    out.push(
      '### 5. A check that throws an error holding a secret',
      '',
      'The error message holds a password; `throw-sync` throws from the check function, `throw-async` rejects. health-probes runs with `exposeErrors: false`. Three requests each; "alive" is the process still running and answering liveness 500 ms later.',
      '',
      table(
        ['server', 'variant', 'statuses', 'body', 'secret leaked', 'stack leaked', 'alive'],
        results.throws.map((t) => [
          t.contestant.label,
          t.variant,
          statuses(t.outcomes),
          excerpt(t.outcomes[0]?.body ?? ''),
          yes(t.secretLeaked),
          yes(t.stackLeaked),
          t.alive ? 'yes' : `**no**${t.exitNote === '' ? '' : `: ${excerpt(t.exitNote)}`}`,
        ]),
      ),
      '',
    );
  }
  if (results.rss.length > 0) {
    const bare = results.rss.find((r) => r.contestant.id === BASELINE);
    const x = (r: RssFigure) =>
      ratio(bare === undefined ? undefined : median(r.afterGcBytes) / median(bare.afterGcBytes));
    out.push(
      '### 6. Resident set size',
      '',
      `Fresh servers in each run: read 1 s after start, then given the same load one after the other (${number(config.rssRequests)} requests on liveness, then ${number(config.rssRequests)} on readiness, liveness again where there is none, ${config.connections} connections) and read again 1 s after their own load. Each reading is taken as found, then after two full GCs in the server (every server runs with \`--expose-gc\`). The as-found figure depends on when V8 last collected and swings by tens of MB between runs of the same server; the figure after GC is what the process retains, and the target is judged on it. Peak is the largest RSS the process reached. Medians of ${config.runs} run(s).`,
      '',
      table(
        [
          'server',
          'idle MB (after GC)',
          'after load MB (after GC)',
          'x bare Express',
          'heap used after load MB',
          'peak MB',
          'after load, each run MB (after GC)',
          'after load, each run MB (as found)',
        ],
        results.rss.map((r) => [
          r.contestant.label,
          `${mb(median(r.idleBytes))} (${mb(median(r.idleGcBytes))})`,
          `${mb(median(r.afterBytes))} (${mb(median(r.afterGcBytes))})`,
          x(r),
          mb(median(r.heapAfterGcBytes)),
          mb(median(r.peakBytes)),
          r.afterGcBytes.map(mb).join(', '),
          r.afterBytes.map(mb).join(', '),
        ]),
      ),
      '',
    );
  }
  if (config.scenarios.has(7)) {
    out.push(
      '### 7. SSE fan-out',
      '',
      results.sse ?? 'See [SSE fan-out](#sse-fan-out) below (`bench/sse-fanout.ts`).',
      '',
    );
  }
  return out.join('\n');
}
