import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealth, healthRouter } from '../lib/index.js';
import { nginxInstalled, startNginx } from './helpers/nginx.js';
import { listen } from './helpers/server.js';
import { servicesRequired } from './helpers/services.js';
import { openStream } from './helpers/sse.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!nginxInstalled && !servicesRequired)('the stream through NGINX', () => {
  it('arrives in real time with the default proxy_buffering, thanks to X-Accel-Buffering: no', async () => {
    const health = createHealth({ cacheTtlMs: 0, checks: { database: () => true } });
    const app = await listen(healthRouter(health));
    cleanups.push(
      () => app.close(),
      () => health.close(),
    );
    // A plain proxy_pass, as in most configs; the second location ignores our header,
    // to show that without it NGINX would hold the events back.
    const nginx = await startNginx(
      app.port,
      `location /health/ { proxy_pass $UPSTREAM/; }
    location /ignoring/ { proxy_ignore_headers X-Accel-Buffering; proxy_pass $UPSTREAM/; }`,
    );
    cleanups.push(() => nginx.stop());

    let controlBytes = 0;
    const control = get(
      `${nginx.url}/ignoring/stream?poll_interval=0.2`,
      { agent: false },
      (res) => {
        controlBytes += res.rawHeaders.length;
        res.on('data', (chunk: Buffer) => (controlBytes += chunk.length));
      },
    );
    control.on('error', () => undefined);
    cleanups.push(() => control.destroy());
    const client = await openStream(`${nginx.url}/health/$stream?poll_interval=0.2`);
    cleanups.push(() => client.close());
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await client.until(() => client.events.length >= 6, 10_000, 'six events through NGINX');

    // Each event arrived soon after the report was made, not in one burst at the end.
    const latencies = client.events.map(
      (e) => performance.timeOrigin + e.at - Date.parse(e.report.timestamp),
    );
    expect(Math.max(...latencies)).toBeLessThan(1000);
    const span = client.events[5]!.at - client.events[0]!.at;
    expect(span).toBeGreaterThan(600);
    const ids = client.events.map((e) => Number(e.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(client.retryMs).toBe(3000);
    // Meanwhile, with the header ignored, nothing (not even the headers) left NGINX's buffer.
    expect(controlBytes).toBe(0);
  });
});
