// The probe fast path: /health/* is answered before the app's middleware (here an
// authentication check that rejects every request without a token).
import { createServer } from 'node:http';
import express from 'express';
import { createHealth, withHealth } from 'health-probes';

const health = createHealth({ checks: { config: () => process.env.FEATURE_FLAGS !== 'broken' } });

const app = express();
app.use((req, res, next) => {
  if (req.headers.authorization === undefined) res.status(401).send('token required');
  else next();
});
app.get('/', (_req, res) => {
  res.send('hello');
});

const port = Number(process.env.PORT ?? 3002);
createServer(withHealth(app, health)).listen(port, () => {
  console.log(`fast path example: curl http://localhost:${port}/health/ready (no token needed)`);
});
