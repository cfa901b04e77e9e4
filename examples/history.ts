// History, uptime and flapping: a database that goes down for 10 s every minute, a cache
// that flaps, and the dashboard drawing both. Open http://localhost:3003/health/dashboard
// and http://localhost:3003/health/history?check=database.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHealth, withHealth } from 'health-probes';

const startedAt = Date.now();
let flip = false;

const health = createHealth({
  // The defaults: an hour of a check run once a second, 200 transitions, Nagios' 20/30 %.
  history: { runs: 3600, transitions: 200, flapLowPercent: 20, flapHighPercent: 30 },
  checks: {
    database: {
      intervalMs: 1000,
      check: () =>
        (Date.now() - startedAt) % 60_000 < 50_000
          ? true
          : { status: 'DOWN', message: 'connection refused' },
    },
    cache: { intervalMs: 1000, critical: false, check: () => (flip = !flip) },
  },
});
health.on('flapping', ({ name, flapping, percentStateChange }) =>
  console.log(`${name} ${flapping ? 'started' : 'stopped'} flapping (${percentStateChange}%)`),
);

const port = Number(process.env.PORT ?? 3003);
const app = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(404).end();
createServer(withHealth(app, health)).listen(port, () =>
  console.log(`history example on http://localhost:${port}/health/dashboard`),
);
