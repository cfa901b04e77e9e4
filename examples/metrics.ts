// Prometheus metrics next to the probes: `tsx examples/metrics.ts`, then
// `curl localhost:3002/metrics` (scrape it) and `curl localhost:3002/health`.
import express from 'express';
import { createHealth, healthRouter, metrics } from 'health-probes';

const health = createHealth({
  checks: {
    config: () => process.env.FEATURE_FLAGS !== 'broken',
    cache: { check: () => ({ status: 'DEGRADED', message: 'hit ratio 40%' }), critical: false },
  },
});
// A registry of its own; pass { registry: register } from prom-client to share the global one.
const exported = metrics(health);

const app = express();
app.use('/health', healthRouter(health));
app.get('/metrics', exported.handler);

const port = Number(process.env.PORT ?? 3002);
const server = app.listen(port, () => {
  console.log(`metrics example on http://localhost:${port}/metrics`);
});

process.once('SIGTERM', () => {
  health.markShuttingDown();
  server.close(() => {
    exported.close();
    health.close();
  });
});
