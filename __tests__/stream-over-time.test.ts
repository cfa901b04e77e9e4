import { afterEach, describe, expect, it } from 'vitest';
import { createHealth, sseStream, type Health } from '../lib/index.js';
import { listen, type TestServer } from './helpers/server.js';
import { openStream, type SseClient } from './helpers/sse.js';

const opened: { health: Health; server: TestServer; client?: SseClient }[] = [];
afterEach(async () => {
  for (const { health, server, client } of opened.splice(0)) {
    client?.close();
    health.close();
    await server.close();
  }
});

describe('the SSE stream over time', () => {
  it('follows the reported status: a DOWN event only once failureThreshold failed runs in a row happened', async () => {
    let up = true;
    let failures = 0;
    const health = createHealth({
      cacheTtlMs: 0,
      checks: { db: { failureThreshold: 3, check: () => up } },
    });
    health.on('check', ({ outcome }) => {
      if (outcome !== 'success') failures++;
    });
    const server = await listen(sseStream(health));
    const entry: (typeof opened)[number] = { health, server };
    opened.push(entry);
    const client = await openStream(`${server.url}/?poll_interval=0.1`);
    entry.client = client;
    await client.until(() => client.events.length >= 1, 5000, 'the first event');
    up = false;
    const seen: { status: string | undefined; failuresAtReceipt: number; pending?: number }[] = [];
    await client.until(
      () => {
        const last = client.events.at(-1)?.report.components.db;
        if (last !== undefined && seen.length < client.events.length) {
          seen.push({
            status: last.status,
            failuresAtReceipt: failures,
            ...(last.pending === undefined ? {} : { pending: last.pending.count }),
          });
        }
        return last?.status === 'DOWN';
      },
      10_000,
      'a DOWN event',
    );
    const firstDown = seen.findIndex((s) => s.status === 'DOWN');
    expect(seen[firstDown]?.failuresAtReceipt).toBeGreaterThanOrEqual(3);
    // Before it, the stream showed UP with the failures pending.
    expect(seen.slice(0, firstDown).every((s) => s.status === 'UP')).toBe(true);
    expect(seen.some((s) => s.pending !== undefined)).toBe(true);
  });

  it('serves a background check without waiting for it, and shows a check registered later', async () => {
    const health = createHealth({
      checks: { bg: { intervalMs: 60_000, check: () => ({ status: 'UP', message: 'ok' }) } },
    });
    await health.run();
    const server = await listen(sseStream(health));
    const entry: (typeof opened)[number] = { health, server };
    opened.push(entry);
    const client = await openStream(`${server.url}/?poll_interval=0.1`);
    entry.client = client;
    await client.until(() => client.events.length >= 1, 5000, 'the first event');
    expect(client.events[0]?.report.components.bg?.nextRunAt).toBeDefined();
    health.register('late', () => false);
    await client.until(
      () => client.events.at(-1)?.report.components.late?.status === 'DOWN',
      5000,
      'the registered check',
    );
  });
});
