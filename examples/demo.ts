// The demo service: `npm start`, then `curl localhost:3000/health`.
// Real checks of the machine it runs on, plus an HTTP check of a route it serves itself.
//
// Environment:
//   PORT                 port to listen on (3000); HOST the address (all interfaces)
//   MAINTENANCE_FILE     while this file exists readiness answers 503, so load balancers
//                        take the instance out of rotation: `touch` it, `rm` it to return
//   DRAIN_DELAY_MS       on SIGTERM/SIGINT, how long to keep serving after readiness
//                        turns 503 before closing the listener (5000)
//   SHUTDOWN_TIMEOUT_MS  then how long requests in flight may take (30000)
import { stat } from 'node:fs/promises';
import express from 'express';
import { checks, createHealth, gracefulShutdown, healthRouter } from 'health-probes';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST;
const selfUrl = `http://127.0.0.1:${port}/api/time`;
const maintenanceFile = process.env.MAINTENANCE_FILE;

const health = createHealth({
  checks: {
    // Background checks: the runner reads the machine on its own; probes never wait.
    disk: checks.diskSpace({
      path: '/',
      warnFreeRatio: 0.1,
      minFreeRatio: 0.05,
      intervalMs: 10_000,
    }),
    heap: checks.memory({
      warnHeapRatio: 0.8,
      maxHeapRatio: 0.9,
      critical: false,
      intervalMs: 5000,
    }),
    eventLoop: checks.eventLoopDelay({ warnP99Ms: 100, maxP99Ms: 200, critical: false }),
    // On request: served stale for up to 10 s while it refreshes, DOWN only after two
    // failed runs in a row, DEGRADED when slower than 250 ms.
    api: checks.http(selfUrl, {
      staleWhileRevalidateMs: 10_000,
      failureThreshold: 2,
      degradedAfterMs: 250,
    }),
    ...(maintenanceFile === undefined
      ? {}
      : {
          // Not cached: taking an instance out must show on the very next probe.
          maintenance: {
            cacheTtlMs: 0,
            check: async () => {
              const present = await stat(maintenanceFile).then(
                () => true,
                (error: unknown) => {
                  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
                  throw error;
                },
              );
              return present ? { status: 'DOWN', message: 'in maintenance' } : true;
            },
          },
        }),
  },
  version: process.env.npm_package_version ?? '0.0.0',
});

const app = express();
app.get('/api/time', (_req, res) => {
  res.json({ now: new Date().toISOString() });
});
app.use('/health', healthRouter(health));

const onListening = () => {
  console.log(
    `demo listening on http://localhost:${port} (try /health, /health/ready, /health/live, /health/dashboard)`,
  );
};
const server =
  host === undefined ? app.listen(port, onListening) : app.listen(port, host, onListening);

const drainDelayMs = Number(process.env.DRAIN_DELAY_MS ?? 5000);
health.once('shutdown', () => console.log(`demo: shutting down, draining for ${drainDelayMs} ms`));
gracefulShutdown(server, {
  health,
  drainDelayMs,
  timeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 30_000),
  onShutdown: () => console.log('demo: server closed'),
});
