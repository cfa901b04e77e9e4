/**
 * The report of scenarios 8 to 10 (issue 15: health over time), in Markdown, with its
 * targets checked. Written to its own marked section of `bench/README.md`.
 */
import { renderBackoff, type BackoffResult } from '../backoff.js';
import {
  FLAP_TARGET_RATIO,
  flapRatio,
  renderFlapDamping,
  type FlapResult,
} from '../flap-damping.js';
import { describeMode, OVER_TIME_TIMEOUT_MS } from '../servers/over-time.js';
import type { BenchConfig } from './config.js';
import type { LoadResult } from './load.js';
import type { Machine } from './machine.js';
import { PROBE_RATE, type OverTimeFigure, type PathLatency } from './over-time.js';

export interface OverTimeResults {
  readonly config: BenchConfig;
  readonly machine: Machine;
  readonly pinning: string;
  readonly command: string;
  readonly startedAt: Date;
  finishedAt?: Date;
  loadAverageAtEnd?: number;
  readonly figures: OverTimeFigure[];
  flap?: FlapResult;
  backoff?: BackoffResult;
}

/** The target of (a) and (b): readiness p99 at most this many times liveness p99. */
export const P99_TARGET = 1.2;

const number = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) =>
  !Number.isFinite(value) ? '?' : value < 10 ? value.toFixed(2) : number(value);
const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function statuses(counts: Readonly<Record<string, number>>, errors: number): string {
  const list = Object.entries(counts).map(([code, count]) => `${number(count)}x ${code}`);
  if (errors > 0) list.push(`${errors} errors`);
  return list.join(', ') || 'none';
}

const pathCells = (p: PathLatency) => `${ms(p.p50Ms)} / ${ms(p.p99Ms)} / ${ms(p.maxMs)}`;
const loadCells = (r: LoadResult) =>
  `${number(r.requestsPerSecond)}; ${ms(r.p99Ms)} (${ms(r.p999Ms)}, ${ms(r.maxMs)})`;

/** Whether a figure's mode is one issue 15 added (a background check or SWR). */
const isNew = (figure: OverTimeFigure) => figure.server.mode !== 'on-request';
const pacedRatio = (f: OverTimeFigure) => f.paced.ready.p99Ms / f.paced.live.p99Ms;
const loadRatio = (f: OverTimeFigure) => f.load.ready.p99Ms / f.load.live.p99Ms;
/** autocannon's latencies are whole milliseconds: within 1.2x, or within that 1 ms. */
const loadMet = (f: OverTimeFigure) =>
  f.load.ready.p99Ms <= Math.max(P99_TARGET * f.load.live.p99Ms, f.load.live.p99Ms + 1);

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Each target of issue 15 measured in this run. */
export function overTimeTargets(results: OverTimeResults): Target[] {
  const list: Target[] = [];
  for (const f of results.figures) {
    const where = `${f.server.contestant.label}, one ${f.server.checkMs} ms check, ${describeMode(f.server.mode)}`;
    const measured = `paced: ${x(pacedRatio(f))} (${ms(f.paced.ready.p99Ms)} vs ${ms(f.paced.live.p99Ms)} ms; paired difference p99 ${ms(f.paced.excess.p99Ms)} ms); under load: ${x(loadRatio(f))} (${ms(f.load.ready.p99Ms)} vs ${ms(f.load.live.p99Ms)} ms)`;
    // What a probe waited for beyond what liveness did, with the machine's stalls taken out.
    const waited = f.paced.excess.p99Ms > f.server.checkMs / 2;
    if (isNew(f)) {
      list.push({
        name: `${where}: readiness p99 within ${P99_TARGET}x of liveness p99`,
        measured,
        met: pacedRatio(f) <= P99_TARGET && loadMet(f),
      });
    } else {
      list.push({
        name: `${where}: shows the old dependency (readiness p99 above ${P99_TARGET}x liveness p99, or paired difference p99 above half the check's time)`,
        measured,
        met: pacedRatio(f) > P99_TARGET || waited || !loadMet(f),
      });
    }
  }
  const ratio = results.flap === undefined ? undefined : flapRatio(results.flap);
  if (ratio !== undefined) {
    list.push({
      name: `flap damping: \`failureThreshold: 3, successThreshold: 2\` reports >= ${FLAP_TARGET_RATIO}x fewer transitions than the defaults`,
      measured: `${ratio.toFixed(1)}x`,
      met: ratio >= FLAP_TARGET_RATIO,
    });
  }
  return list;
}

/** The report of scenarios 8 to 10, in Markdown. */
export function renderOverTimeReport(results: OverTimeResults): string {
  const { config, machine } = results;
  const minutes = (
    ((results.finishedAt ?? new Date()).getTime() - results.startedAt.getTime()) /
    60_000
  ).toFixed(1);
  const out: string[] = [
    `Run of ${results.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${minutes} min): \`${results.command}\``,
    '',
    `- Machine: ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}; ${machine.os}; Node ${machine.node}; 1-minute load average ${machine.loadAverage.toFixed(2)} at the start, ${results.loadAverageAtEnd?.toFixed(2) ?? '?'} at the end; ${results.pinning}.`,
    '',
  ];
  const list = overTimeTargets(results);
  if (list.length > 0) {
    out.push(
      '### Targets of issue 15',
      '',
      table(
        ['target', 'measured', 'met'],
        list.map((t) => [t.name, t.measured, t.met ? 'yes' : '**no**']),
      ),
      '',
    );
  }
  if (results.figures.length > 0) {
    const row = (f: OverTimeFigure, cells: string[]) => [
      f.server.contestant.label,
      `${f.server.checkMs} ms`,
      describeMode(f.server.mode),
      ...cells,
    ];
    out.push(
      '### 8. Probe latency against check latency',
      '',
      `One server per row, one check taking the stated time (\`timeoutMs: ${OVER_TIME_TIMEOUT_MS}\`), liveness and readiness of that server measured in the same run. **Paced probes**: ${PROBE_RATE} requests per second on each path, interleaved, each sent on schedule whether or not earlier ones were answered (an open loop, as probes arrive), for ${config.durationS} s after a ${config.warmupS} s warm-up under load; each timed from its send to the end of its body, in the prober's process on the load CPU. One run per server: the two paths are compared within it. "Paired" is each readiness probe's latency minus that of the slower of its two liveness neighbours (sent 2.5 ms before and after it): a stall delays a readiness probe and at least one neighbour alike and drops out, what stays is what readiness waited for.`,
      '',
      table(
        [
          'server',
          'check',
          'mode',
          'liveness p50 / p99 / max ms',
          'readiness p50 / p99 / max ms',
          'readiness p99 / liveness p99',
          'readiness minus slower liveness neighbour, paired: p50 / p99 ms',
          'readiness statuses',
          'check runs',
          'late sends',
        ],
        results.figures.map((f) =>
          row(f, [
            pathCells(f.paced.live),
            pathCells(f.paced.ready),
            x(pacedRatio(f)),
            `${ms(f.paced.excess.p50Ms)} / ${ms(f.paced.excess.p99Ms)}`,
            statuses(f.paced.ready.statuses, f.paced.ready.errors),
            `${f.paced.executions}`,
            `${f.paced.lateSends}`,
          ]),
        ),
      ),
      '',
      `**Under load**: right after, both paths loaded at once for ${config.durationS} s, each by its own autocannon with ${Math.floor(config.connections / 2)} connections (a closed loop: a connection waits for its answer before the next request). autocannon counts latencies in whole milliseconds, and only of 2xx answers.`,
      '',
      table(
        [
          'server',
          'check',
          'mode',
          'liveness req/s; p99 (p99.9, max) ms',
          'readiness req/s; p99 (p99.9, max) ms',
          'readiness p99 / liveness p99',
          'readiness req/s / liveness req/s',
          'readiness non-2xx',
          'check runs',
        ],
        results.figures.map((f) =>
          row(f, [
            loadCells(f.load.live),
            loadCells(f.load.ready),
            x(loadRatio(f)),
            x(f.load.ready.requestsPerSecond / f.load.live.requestsPerSecond),
            `${f.load.ready.non2xx + f.load.ready.errors}`,
            `${f.load.executions}`,
          ]),
        ),
      ),
      '',
    );
  }
  if (results.flap !== undefined) {
    out.push('### 9. Flap damping', '', renderFlapDamping(results.flap), '');
  }
  if (results.backoff !== undefined) {
    out.push('### 10. Back-off', '', renderBackoff(results.backoff), '');
  }
  return out.join('\n');
}
