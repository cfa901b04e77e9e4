// Prometheus' blackbox exporter (Debian's prometheus-blackbox-exporter) on examples/blackbox.yml,
// probing a health-probes server whose readiness the test flips; then a real Prometheus on a
// copy of examples/prometheus-blackbox.yml (ports and a 1 s interval written in) scraping
// through the exporter, to prove the relabelling gives one `probe_success` per target.
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NOBODY, startDaemon, type Daemon } from './helpers/daemon.js';
import { flipBackend, type FlipBackend, type FlipStatus } from './helpers/flip-backend.js';
import { freePort } from './helpers/nginx.js';
import { waitFor } from './helpers/poll.js';
import { linesMissingFrom, readmeSnippets } from './helpers/readme-snippet.js';
import { servicesRequired } from './helpers/services.js';

const EXPORTER = '/usr/bin/prometheus-blackbox-exporter';
const PROMETHEUS = '/usr/bin/prometheus';
const installed = existsSync(EXPORTER);
if (!installed && servicesRequired) {
  throw new Error(`${EXPORTER} is missing: .ci/run installs prometheus-blackbox-exporter`);
}

/** The trap the recipe avoids, added to a copy of the config to show what it would do. */
const UNANCHORED_MODULE = `
  health_up_unanchored:
    prober: http
    http:
      valid_status_codes: [200]
      fail_if_body_not_matches_regexp:
        - '"status":"UP"'
`;

/** Reads `file` from examples/, with each `from` replaced by `to`; throws if one is missing. */
async function exampleCopy(file: string, replacements: [string, string][] = []): Promise<string> {
  let text = await readFile(new URL(`../examples/${file}`, import.meta.url), 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`examples/${file} has no ${from}`);
    text = text.replaceAll(from, to);
  }
  return text;
}

/** A Prometheus text exposition as `name{labels}` to value, for series without labels. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

describe.skipIf(!installed)('blackbox exporter modules (examples/blackbox.yml)', () => {
  let app: FlipBackend;
  const opened: FlipBackend[] = [];
  let exporter: Daemon | undefined;
  let dir = '';
  let exporterUrl = '';

  async function probe(module: string): Promise<Map<string, number>> {
    const target = encodeURIComponent(`${app.url}/health/ready`);
    const response = await fetch(`${exporterUrl}/probe?module=${module}&target=${target}`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(200);
    return samples(await response.text());
  }

  beforeAll(async () => {
    opened.push((app = await flipBackend('app')));
    dir = await mkdtemp(join(tmpdir(), 'health-probes-blackbox-'));
    // The exporter runs as nobody (startDaemon) and reads its config from here.
    if (isRoot) await chown(dir, NOBODY.uid, NOBODY.gid);
    const config = (await exampleCopy('blackbox.yml')).trimEnd() + '\n' + UNANCHORED_MODULE;
    await writeFile(join(dir, 'blackbox.yml'), config);
    const port = await freePort();
    exporterUrl = `http://127.0.0.1:${port}`;
    exporter = startDaemon(EXPORTER, [
      `--config.file=${join(dir, 'blackbox.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    await waitFor(
      'the blackbox exporter to listen',
      async () => {
        if (!exporter!.running) throw new Error(`exporter exited:\n${exporter!.tail()}`);
        return (await fetch(`${exporterUrl}/-/healthy`).catch(() => undefined))?.ok
          ? true
          : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }, 20_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all(opened.map((backend) => backend.close()));
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const verdicts: [FlipStatus, { ready: number; up: number; code: number; regex: number }][] = [
    ['UP', { ready: 1, up: 1, code: 200, regex: 0 }],
    // health_ready says "can it serve?" (yes); health_up says "is it fully UP?" (no).
    ['DEGRADED', { ready: 1, up: 0, code: 200, regex: 1 }],
    ['DOWN', { ready: 0, up: 0, code: 503, regex: 0 }],
  ];

  it.each(verdicts)('%s: probe_success of health_ready and health_up', async (status, want) => {
    app.set(status);
    const ready = await probe('health_ready');
    const up = await probe('health_up');
    app.set('UP');
    expect(ready.get('probe_success')).toBe(want.ready);
    expect(ready.get('probe_http_status_code')).toBe(want.code);
    expect(up.get('probe_success')).toBe(want.up);
    expect(up.get('probe_http_status_code')).toBe(want.code);
    // DEGRADED fails health_up on its body, not its status code.
    expect(up.get('probe_failed_due_to_regex')).toBe(want.regex);
  });

  it('an unanchored "status":"UP" pattern passes a DEGRADED service (it matches a component)', async () => {
    app.set('DEGRADED');
    const body = await (await fetch(`${app.url}/health/ready`)).text();
    const unanchored = await probe('health_up_unanchored');
    const anchored = await probe('health_up');
    app.set('UP');
    expect(body).toMatch(/^\{"status":"DEGRADED",.*"database":\{"status":"UP"\}/);
    expect(unanchored.get('probe_success')).toBe(1);
    expect(anchored.get('probe_success')).toBe(0);
  });
});

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

const prometheusInstalled = installed && existsSync(PROMETHEUS);

describe.skipIf(!prometheusInstalled)(
  'Prometheus scraping through the exporter (examples/prometheus-blackbox.yml)',
  () => {
    let up: FlipBackend;
    let down: FlipBackend;
    const opened: FlipBackend[] = [];
    let exporter: Daemon | undefined;
    let prometheus: Daemon | undefined;
    let dir = '';
    let apiUrl = '';

    beforeAll(async () => {
      opened.push((up = await flipBackend('up')));
      opened.push((down = await flipBackend('down')));
      down.set('DOWN');
      dir = await mkdtemp(join(tmpdir(), 'health-probes-blackbox-prometheus-'));
      await mkdir(join(dir, 'consoles'));
      await mkdir(join(dir, 'console_libraries'));
      // Both daemons run as nobody (startDaemon); Prometheus writes its TSDB here.
      if (isRoot) await chown(dir, NOBODY.uid, NOBODY.gid);
      const [exporterPort, prometheusPort] = [await freePort(), await freePort()];
      apiUrl = `http://127.0.0.1:${prometheusPort}`;
      await writeFile(join(dir, 'blackbox.yml'), await exampleCopy('blackbox.yml'));
      await writeFile(join(dir, 'alerts.yml'), await exampleCopy('alerts.yml'));
      await writeFile(
        join(dir, 'prometheus.yml'),
        await exampleCopy('prometheus-blackbox.yml', [
          ['scrape_interval: 15s', 'scrape_interval: 1s'],
          ['scrape_timeout: 5s', 'scrape_timeout: 1s'],
          ['http://127.0.0.1:3000/health/ready', `${up.url}/health/ready`],
          ['http://127.0.0.1:3001/health/ready', `${down.url}/health/ready`],
          ['replacement: 127.0.0.1:9115', `replacement: 127.0.0.1:${exporterPort}`],
        ]),
      );
      exporter = startDaemon(EXPORTER, [
        `--config.file=${join(dir, 'blackbox.yml')}`,
        `--web.listen-address=127.0.0.1:${exporterPort}`,
        '--log.level=warn',
      ]);
      // As in prometheus.test.ts: every path and socket inside the temp dir, on loopback.
      prometheus = startDaemon(PROMETHEUS, [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        `--web.console.templates=${join(dir, 'consoles')}`,
        `--web.console.libraries=${join(dir, 'console_libraries')}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ]);
      await waitFor(
        'Prometheus to be ready',
        async () => {
          if (!prometheus!.running) throw new Error(`prometheus exited:\n${prometheus!.tail()}`);
          return (await fetch(`${apiUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    }, 30_000);

    afterAll(async () => {
      await prometheus?.stop();
      await exporter?.stop();
      await Promise.all(opened.map((backend) => backend.close()));
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    }, 20_000);

    it('has one probe_success per target, labelled with the target URL, and loads the alert rules', async () => {
      const series = await waitFor(
        'probe_success for both targets',
        async () => {
          if (!prometheus!.running) throw new Error(`prometheus exited:\n${prometheus!.tail()}`);
          const response = await fetch(
            `${apiUrl}/api/v1/query?query=${encodeURIComponent('probe_success')}`,
          );
          const body = (await response.json()) as QueryResult;
          return body.data.result.length === 2 ? body.data.result : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 250 },
      );
      const byInstance = Object.fromEntries(
        series.map((s): [string, string] => [s.metric.instance ?? '', s.value[1]]),
      );
      expect(byInstance).toEqual({
        [`${up.url}/health/ready`]: '1',
        [`${down.url}/health/ready`]: '0',
      });
      expect(series.every((s) => s.metric.job === 'health-ready')).toBe(true);
      const rules = (await (await fetch(`${apiUrl}/api/v1/rules`)).json()) as {
        data: { groups: { name: string; rules: { name: string }[] }[] };
      };
      expect(rules.data.groups.map((g) => [g.name, g.rules.map((r) => r.name)])).toEqual([
        ['health-probes', ['ServiceUnhealthy', 'HealthCheckFailing']],
        ['health-probes-blackbox', ['ServiceNotReady']],
      ]);
    });
  },
);

describe("the README's blackbox snippets", () => {
  it.each([
    ['blackbox.yml', 'health_up:'],
    ['prometheus-blackbox.yml', 'job_name: health-ready'],
  ])('are the text of examples/%s', async (file, marker) => {
    const [snippet] = await readmeSnippets('yaml', marker);
    expect(snippet).toBeDefined();
    expect(await linesMissingFrom(file, snippet!)).toEqual([]);
  });
});
