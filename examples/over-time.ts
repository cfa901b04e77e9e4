// Health over time: a background check, stale-while-revalidate, thresholds, back-off, a slow
// dependency reported DEGRADED, a heartbeat the app pushes, and a check registered at run time.
import { createServer } from 'node:http';
import { checks, createHealth, healthRouter } from 'health-probes';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let searchUp = false;

const consumer = checks.heartbeat({ maxIntervalMs: 3000 });
const health = createHealth({
  checks: {
    // Run by the runner every 2 s; probes never wait for it.
    database: { check: () => sleep(50), intervalMs: 2000, failureThreshold: 3 },
    // On request, but a probe past the TTL gets the last result at once while it refreshes.
    payments: { check: () => sleep(400), staleWhileRevalidateMs: 30_000, degradedAfterMs: 300 },
    // Down at first: asked after 1 s, 2 s, 4 s ... at most every 8 s, not every TTL.
    search: { check: () => searchUp, critical: false, backoff: { maxMs: 8000 } },
    consumer,
  },
});
setInterval(() => consumer.beat(), 1000).unref();
setTimeout(() => (searchUp = true), 20_000).unref();
// A pool created after start-up joins the report, /ready/tenant, the stream and metrics.
setTimeout(() => health.register('tenant', () => sleep(5)), 5000).unref();

const port = Number(process.env.PORT ?? 3002);
createServer(healthRouter(health)).listen(port, () =>
  console.log(`over-time example on http://localhost:${port}/ (watch nextRunAt, pending, stale)`),
);
