// The alert rules of examples/alerts.yml under promtool (Debian's `prometheus` package): they
// load, they fire when they should and not before (`promtool test rules`), and the README's
// snippets are the file's own groups, `groups:` wrapper included, so pasting one works.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesRequired } from './helpers/services.js';

const PROMTOOL = '/usr/bin/promtool';
const installed = existsSync(PROMTOOL);
if (!installed && servicesRequired) {
  throw new Error(`${PROMTOOL} is missing: .ci/run installs the prometheus package`);
}
const RULES = fileURLToPath(new URL('../examples/alerts.yml', import.meta.url));

/** Runs promtool; resolves to its exit code and combined output (never rejects). */
function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: stdout + stderr });
    });
  });
}

/** A `promtool test rules` file: input series, then which alerts fire at which minute. */
const UNIT_TESTS = `
rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # DEGRADED (0.5) for ten minutes.
      - series: 'health_status{job="app",instance="a:3000"}'
        values: '0.5x10'
      # UP all along: never alerts.
      - series: 'health_status{job="app",instance="b:3000"}'
        values: '1x10'
      # One failure a minute.
      - series: 'health_checks_total{job="app",instance="a:3000",check="database",result="failure"}'
        values: '0+1x10'
      # A readiness probe failing from minute 3 on.
      - series: 'probe_success{job="health-ready",instance="http://a:3000/health/ready"}'
        values: '1 1 1 0x7'
    alert_rule_test:
      - { eval_time: 4m, alertname: ServiceUnhealthy, exp_alerts: [] }
      - eval_time: 6m
        alertname: ServiceUnhealthy
        exp_alerts:
          - exp_labels: { severity: warning, job: app, instance: 'a:3000' }
            exp_annotations:
              summary: 'a:3000 has not been fully healthy (UP) for 5 minutes'
      - { eval_time: 3m, alertname: HealthCheckFailing, exp_alerts: [] }
      - eval_time: 5m
        alertname: HealthCheckFailing
        exp_alerts:
          - exp_labels:
              { severity: warning, job: app, instance: 'a:3000', check: database, result: failure }
            exp_annotations:
              summary: 'check database on a:3000 failed more than 3 times in 10 minutes'
      - { eval_time: 4m, alertname: ServiceNotReady, exp_alerts: [] }
      - eval_time: 5m
        alertname: ServiceNotReady
        exp_alerts:
          - exp_labels:
              { severity: critical, job: health-ready, instance: 'http://a:3000/health/ready' }
            exp_annotations:
              summary: 'http://a:3000/health/ready has answered readiness 503 (or not at all) for 2 minutes'
`;

describe.skipIf(!installed)('alert rules (examples/alerts.yml)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'health-probes-rules-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('pass promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES]);
    expect(result.output).toContain('SUCCESS: 3 rules found');
    expect(result.code).toBe(0);
  });

  it('fire when they should and not before (promtool test rules)', async () => {
    const file = join(dir, 'alerts.test.yml');
    await writeFile(file, UNIT_TESTS);
    const result = await promtool(['test', 'rules', file]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('are what the README shows: each snippet is whole groups of the file and loads on its own', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n(groups:\n[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const rules = await readFile(RULES, 'utf8');
    for (const [i, block] of blocks.entries()) {
      // Each snippet shows whole groups of the file, under their `groups:` wrapper.
      expect(rules).toContain(block.slice('groups:\n'.length));
      const file = join(dir, `readme-${i}.yml`);
      await writeFile(file, block);
      const result = await promtool(['check', 'rules', file]);
      expect(result.code, result.output).toBe(0);
    }
  });
});
