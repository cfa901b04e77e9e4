// The demo service: `npm start`, then `curl localhost:3000/health`.
// Real checks of the machine it runs on, plus an HTTP check of a route it serves itself.
import express from 'express';
import { checks, createHealth, healthRouter } from 'health-probes';

const port = Number(process.env.PORT ?? 3000);
const selfUrl = `http://127.0.0.1:${port}/api/time`;

const health = createHealth({
  checks: {
    disk: checks.diskSpace({ path: '/', minFreeRatio: 0.05 }),
    heap: checks.memory({ maxHeapRatio: 0.9, critical: false }),
    eventLoop: checks.eventLoopDelay({ maxP99Ms: 200, critical: false }),
    api: async ({ signal }) => {
      const started = performance.now();
      const response = await fetch(selfUrl, { signal });
      await response.body?.cancel();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      if (!response.ok)
        return { status: 'DOWN', message: `GET /api/time answered ${response.status}` };
      return { status: 'UP', details: { url: selfUrl, statusCode: response.status, latencyMs } };
    },
  },
  version: process.env.npm_package_version ?? '0.0.0',
});

const app = express();
app.get('/api/time', (_req, res) => {
  res.json({ now: new Date().toISOString() });
});
app.use('/health', healthRouter(health));

const server = app.listen(port, () => {
  console.log(
    `demo listening on http://localhost:${port} (try /health, /health/ready, /health/live)`,
  );
});

process.once('SIGTERM', () => {
  health.markShuttingDown();
  server.close(() => health.close());
});
