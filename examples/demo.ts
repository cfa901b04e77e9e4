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
    disk: checks.diskSpace({ path: '/', minFreeRatio: 0.05 }),
    heap: checks.memory({ maxHeapRatio: 0.9, critical: false }),
    eventLoop: checks.eventLoopDelay({ maxP99Ms: 200, critical: false }),
    api: checks.http(selfUrl),
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
    `demo listening on http://localhost:${port} (try /health, /health/ready, /health/live)`,
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
