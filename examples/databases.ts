// A service wired to PostgreSQL and Redis: `npm run example:databases`, then
// `curl localhost:3000/health/ready` or `curl localhost:3000/health`.
// DATABASE_URL and REDIS_URL default to the loopback services. Redis is a cache here:
// not critical, so losing it degrades the service instead of taking it out of rotation.
import express from 'express';
import { checks, createHealth, healthRouter } from 'health-probes';
import { Redis } from 'ioredis';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3000);

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  // Bounds a connect attempt: the check gives up at its timeout, the pool at this one.
  connectionTimeoutMillis: 2000,
});
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: 1,
});

// Drivers report connection errors as events; log each new one once (never the URL).
const logged = new Set<string>();
const logOnce = (source: string) => (error: Error) => {
  const line = `${source}: ${error.message}`;
  if (logged.has(line)) return;
  logged.add(line);
  console.error(line);
};
pool.on('error', logOnce('postgres'));
redis.on('error', logOnce('redis'));

const health = createHealth({
  checks: {
    postgres: checks.postgres(pool, { timeoutMs: 500 }),
    redis: checks.redis(redis, { timeoutMs: 300, critical: false }),
  },
  version: process.env.npm_package_version ?? '0.0.0',
});

const app = express();
app.get('/api/visits', async (_req, res, next) => {
  try {
    const visits = await redis.incr('visits').catch(() => null);
    const { rows } = await pool.query<{ now: Date }>('SELECT now() AS now');
    res.json({ visits, databaseTime: rows[0]?.now });
  } catch (error) {
    next(error);
  }
});
app.use('/health', healthRouter(health));

const server = app.listen(port, () => {
  console.log(`databases example on http://localhost:${port} (try /health, /health/ready)`);
});

const stop = () => {
  health.markShuttingDown();
  server.close(() => {
    health.close();
    redis.disconnect();
    void pool.end();
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
