import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checks, createHealth, HealthOptionsError } from '../lib/index.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { unansweredPort, type UnansweredPort } from './helpers/unanswered-port.js';

let server: Server;
let port: number;
let accepted = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    accepted++;
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const tcpHandles = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;

describe('checks.tcp', () => {
  it('is UP when the port accepts, and closes its connection', async () => {
    const before = accepted;
    const handles = tcpHandles();
    const result = await runCheck(checks.tcp({ host: '127.0.0.1', port }));
    expect(result).toMatchObject({
      status: 'UP',
      details: { host: '127.0.0.1', port, latencyMs: expect.any(Number) as number },
    });
    expect(accepted).toBe(before + 1);
    await waitFor('the check socket to close', () => (tcpHandles() === handles ? true : undefined));
  });

  it('is DOWN at once on a closed port, saying the connection was refused', async () => {
    const closed = await closedPort();
    const result = await runCheck(checks.tcp({ host: '127.0.0.1', port: closed, timeoutMs: 3000 }));
    expect(result).toMatchObject({
      status: 'DOWN',
      message: `connect ECONNREFUSED 127.0.0.1:${closed}`,
      details: { host: '127.0.0.1', port: closed },
    });
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('names the refusal for localhost too (dual-stack AggregateError)', async () => {
    const closed = await closedPort();
    const result = await runCheck(checks.tcp({ host: 'localhost', port: closed }));
    expect(result.message).toMatch(
      new RegExp(`^connect ECONNREFUSED (127\\.0\\.0\\.1|::1):${closed}$`),
    );
  });

  describe('when SYNs are dropped', () => {
    let hole: UnansweredPort;
    beforeAll(async () => {
      hole = await unansweredPort();
    });
    afterAll(() => hole.close());

    it('is DOWN at the timeout and destroys its socket', async () => {
      const before = tcpHandles();
      const health = createHealth({
        checks: { peer: checks.tcp({ host: '127.0.0.1', port: hole.port, timeoutMs: 300 }) },
      });
      try {
        const startedAt = performance.now();
        const report = await health.run();
        const elapsedMs = performance.now() - startedAt;
        expect(report.components.peer).toMatchObject({
          status: 'DOWN',
          message: 'timed out after 300 ms',
        });
        expect(elapsedMs).toBeGreaterThanOrEqual(295);
        expect(elapsedMs).toBeLessThan(1500);
        await waitFor('the pending connect to be destroyed', () =>
          tcpHandles() === before ? true : undefined,
        );
      } finally {
        health.close();
      }
    });
  });
});

describe('checks.tcp options', () => {
  it.each([
    [{ port: 80 }, /^checks\.tcp\(\): invalid option `host`/],
    [{ host: '', port: 80 }, /^checks\.tcp\(\): invalid option `host`/],
    [{ host: 'db' }, /^checks\.tcp\(\): invalid option `port`/],
    [{ host: 'db', port: 0 }, /^checks\.tcp\(\): invalid option `port`/],
    [{ host: 'db', port: 65_536 }, /^checks\.tcp\(\): invalid option `port`/],
    [{ host: 'db', prot: 80 }, /^checks\.tcp\(\): unknown option `prot`\. Did you mean `port`\?$/],
  ])('rejects %o', (options, message) => {
    expect(() => checks.tcp(options as never)).toThrow(message);
    expect(() => checks.tcp(options as never)).toThrow(HealthOptionsError);
  });
});
