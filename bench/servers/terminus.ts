/**
 * @godaddy/terminus as its README sets it up: `createTerminus(server, { healthChecks })`
 * on the server of an Express 4 app, readiness collecting errors into a HealthCheckError.
 */
import { createServer } from 'node:http';
import { benchChecks, load, serve } from './common.js';
import { loadExpress } from './express.js';

interface Terminus {
  createTerminus: (
    server: ReturnType<typeof createServer>,
    options: { healthChecks: Record<string, () => Promise<unknown>> },
  ) => unknown;
  HealthCheckError: new (message: string, causes: unknown) => Error;
}

const { createTerminus, HealthCheckError } = await load<Terminus>('@godaddy/terminus');
const express = await loadExpress();
const checks = Object.values(benchChecks());
const app = express();
app.get('/', (_req, res) => {
  res.send('app');
});
const server = createServer(app);
createTerminus(server, {
  healthChecks: {
    '/health/live': () => Promise.resolve(),
    '/health/ready': async () => {
      const errors: unknown[] = [];
      await Promise.all(
        checks.map((check) =>
          check().catch((error: unknown) => {
            errors.push(error);
          }),
        ),
      );
      if (errors.length > 0) throw new HealthCheckError('healthcheck failed', errors);
    },
  },
});
await serve(server);
