// The composable form: each probe mounted on its own route, with a Flask-style 500 for DOWN.
import express from 'express';
import { createHealth, detailed, liveness, readiness, startup } from 'health-probes';

const health = createHealth({
  checks: {
    config: () => process.env.FEATURE_FLAGS !== 'broken',
    queue: { check: () => ({ status: 'DEGRADED', message: 'backlog 1200 jobs' }), critical: false },
  },
});

const app = express();
app.get('/livez', liveness());
app.get('/readyz', readiness(health, { statusCodes: { DOWN: 500 } }));
app.get('/startupz', startup(health));
app.get('/healthz', detailed(health));

const port = Number(process.env.PORT ?? 3001);
app.listen(port, () => console.log(`composable example on http://localhost:${port}/readyz`));
