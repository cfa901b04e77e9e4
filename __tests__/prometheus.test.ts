// The metrics as Prometheus itself sees them: promtool's linter and a real server that
// scrapes an app built like examples/metrics.ts. Needs the Debian `prometheus` package.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, healthRouter } from '../lib/index.js';
import { metrics } from '../lib/metrics/metrics.js';
import { listen } from './helpers/server.js';
import { servicesRequired } from './helpers/services.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const installed = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!installed && servicesRequired)
  throw new Error('prometheus/promtool missing: apt-get install prometheus');

/** Runs promtool with `input` on stdin; resolves to its exit code and output. */
function promtool(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Polls `probe` every 250 ms until it returns a value, for at most `timeoutMs`. */
async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The app of examples/metrics.ts, with checks in every state, on a loopback port. */
async function exampleApp() {
  const health = createHealth({
    checks: {
      config: () => true,
      cache: { check: () => ({ status: 'DEGRADED', message: 'hit ratio 40%' }), critical: false },
      search: {
        check: () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:9200');
        },
        critical: false,
      },
    },
  });
  const exported = metrics(health);
  const app = express();
  app.use('/health', healthRouter(health));
  app.get('/metrics', exported.handler);
  const server = await listen(app);
  return {
    server,
    async close() {
      exported.close();
      health.close();
      await server.close();
    },
  };
}

describe.skipIf(!installed)('promtool check metrics', () => {
  let app: Awaited<ReturnType<typeof exampleApp>>;
  beforeAll(async () => {
    app = await exampleApp();
  });
  afterAll(() => app.close());

  it('accepts what /metrics serves', async () => {
    const text = await (await fetch(`${app.server.url}/metrics`)).text();
    expect(text).toContain('health_check_status{check="search"} 0');
    const result = await promtool(['check', 'metrics'], text);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('is a real linter: it rejects a counter without _total', async () => {
    const result = await promtool(
      ['check', 'metrics'],
      '# HELP jobs Jobs.\n# TYPE jobs counter\njobs 1\n',
    );
    expect(result.code).not.toBe(0); // 3: lint problems
    expect(result.output).toMatch(/_total/);
  });
});

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe.skipIf(!installed)('a real Prometheus server', () => {
  let app: Awaited<ReturnType<typeof exampleApp>>;
  let directory: string;
  let prometheus: ChildProcess | undefined;
  let apiUrl: string;
  let log = '';

  beforeAll(async () => {
    app = await exampleApp();
    directory = await mkdtemp(join(tmpdir(), 'health-probes-prometheus-'));
    // Empty console directories: the defaults point into /etc/prometheus.
    await mkdir(join(directory, 'consoles'));
    await mkdir(join(directory, 'console_libraries'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: health-probes',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${app.server.port}']`,
      '',
    ].join('\n');
    await writeFile(join(directory, 'prometheus.yml'), config);
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    // Prometheus 2.x has no update check or telemetry; these flags keep every path and
    // socket inside the temp dir and on loopback.
    prometheus = spawn(
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
    prometheus.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    await eventually(
      async () => ((await fetch(`${apiUrl}/-/ready`)).ok ? true : undefined),
      30_000,
      'Prometheus to be ready',
    );
  }, 60_000);

  afterAll(async () => {
    const child = prometheus;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await app.close();
    await rm(directory, { recursive: true, force: true });
  }, 30_000);

  async function query(expression: string): Promise<QueryResult['data']['result']> {
    const response = await fetch(`${apiUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const body = (await response.json()) as QueryResult;
    expect(body.status).toBe('success');
    return body.data.result;
  }

  it('scrapes the series and returns them from its query API', async () => {
    const series = await eventually(
      async () => {
        const result = await query('health_check_status');
        return result.length === 3 ? result : undefined;
      },
      30_000,
      `health_check_status in Prometheus (its log: ${log})`,
    );
    const byCheck = Object.fromEntries(
      series.map((s): [string, number] => [s.metric.check ?? '', Number(s.value[1])]),
    );
    expect(byCheck).toEqual({ config: 1, cache: 0.5, search: 0 });
    for (const { metric } of series) {
      expect(Object.keys(metric).sort()).toEqual(['__name__', 'check', 'instance', 'job']);
      expect(metric.job).toBe('health-probes');
    }
    const [aggregate] = await query('health_status');
    expect(Number(aggregate?.value[1])).toBe(0.5);
    const failures = await query('health_checks_total{result="failure"} > 0');
    expect(failures.map((s) => s.metric.check)).toEqual(['search']);
    const [up] = await query(`up{job="health-probes"}`);
    expect(up?.value[1]).toBe('1');
  });
});
