// Nagios/Icinga: check_http from Debian's monitoring-plugins-basic, alone and through
// examples/nagios-check.sh, against a health-probes server whose readiness the test flips.
// The plugin's exit code is its verdict: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './fixtures/child.js';
import { flipBackend, type FlipBackend, type FlipStatus } from './helpers/flip-backend.js';
import { closedPort } from './helpers/poll.js';
import { servicesRequired } from './helpers/services.js';

const CHECK_HTTP = '/usr/lib/nagios/plugins/check_http';
const SCRIPT = 'examples/nagios-check.sh';
const installed = existsSync(CHECK_HTTP);
if (!installed && servicesRequired) {
  throw new Error(`${CHECK_HTTP} is missing: .ci/run installs monitoring-plugins-basic`);
}

/** Runs a plugin; resolves to its exit code and stdout (never rejects). */
function plugin(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: stdout + stderr });
    });
  });
}

describe.skipIf(!installed)('check_http (Nagios/Icinga)', () => {
  let app: FlipBackend;
  const opened: FlipBackend[] = [];
  let target: string[];
  beforeAll(async () => {
    opened.push((app = await flipBackend('app')));
    target = ['-I', '127.0.0.1', '-p', String(app.port), '-u', '/health/ready', '-t', '5'];
  });
  afterAll(() => Promise.all(opened.map((backend) => backend.close())));

  async function verdicts(status: FlipStatus) {
    app.set(status);
    try {
      return {
        alone: await plugin(CHECK_HTTP, target),
        anchored: await plugin(CHECK_HTTP, [...target, '-r', '^\\{"status":"UP"']),
        unanchored: await plugin(CHECK_HTTP, [...target, '-r', '"status":"UP"']),
        script: await plugin(SCRIPT, target),
      };
    } finally {
      app.set('UP');
    }
  }

  it('UP: OK (0) from check_http alone and from the script', async () => {
    const { alone, anchored, script } = await verdicts('UP');
    expect(alone.code).toBe(0);
    expect(anchored.code).toBe(0);
    expect(script.code).toBe(0);
    expect(script.output).toMatch(/^HTTP OK: HTTP\/1\.1 200 OK - /);
  });

  it('DEGRADED: check_http alone says OK (0); the script says WARNING (1)', async () => {
    const { alone, anchored, unanchored, script } = await verdicts('DEGRADED');
    expect(alone.code).toBe(0);
    expect(script.code).toBe(1);
    expect(script.output).toMatch(/^HTTP WARNING: DEGRADED - HTTP\/1\.1 200 OK - /);
    // A body pattern in check_http itself can only say OK or CRITICAL: anchored it pages
    // for DEGRADED, unanchored it matches a component and passes it.
    expect(anchored.code).toBe(2);
    expect(anchored.output).toContain('pattern not found');
    expect(unanchored.code).toBe(0);
  });

  it('DOWN: CRITICAL (2) from both; the script adds the body (which check is DOWN) as long output', async () => {
    const { alone, script } = await verdicts('DOWN');
    expect(alone.code).toBe(2);
    expect(alone.output).toMatch(/^HTTP CRITICAL: HTTP\/1\.1 503 Service Unavailable/);
    expect(script.code).toBe(2);
    const [first, body] = script.output.split('\n');
    expect(first).toMatch(/^HTTP CRITICAL: HTTP\/1\.1 503 Service Unavailable/);
    expect(JSON.parse(body ?? '')).toMatchObject({
      status: 'DOWN',
      components: { database: { status: 'DOWN', message: 'flipped DOWN' } },
    });
  });

  it('no server: CRITICAL (2) from both', async () => {
    const port = String(await closedPort());
    const args = ['-I', '127.0.0.1', '-p', port, '-u', '/health/ready', '-t', '5'];
    const [alone, script] = [await plugin(CHECK_HTTP, args), await plugin(SCRIPT, args)];
    expect(alone.code).toBe(2);
    expect(script.code).toBe(2);
    expect(script.output).toContain('Connection refused');
  });

  it('a 200 that is not a health-probes body: UNKNOWN (3) from the script', async () => {
    const args = ['-I', '127.0.0.1', '-p', String(app.port), '-u', '/not-health', '-t', '5'];
    const script = await plugin(SCRIPT, args);
    expect(script.code).toBe(3);
    expect(script.output).toMatch(/^HTTP UNKNOWN: no health-probes status/);
  });
});
