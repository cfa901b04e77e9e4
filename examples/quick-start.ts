// The README's quick start, runnable: `npm run build && npx tsx examples/quick-start.ts`,
// then `curl localhost:3000/health/ready`. DATABASE_URL and REDIS_URL default to the
// loopback services. The lines from `const health` on are the README's, line for line
// (__tests__/readme.test.ts checks it).
import express from 'express';
import { checks, createHealth, healthRouter } from 'health-probes';
import { Redis } from 'ioredis';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  connectionTimeoutMillis: 2000,
});
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
// Connection errors are events: without a listener each one would be thrown.
pool.on('error', (error) => console.error(`postgres: ${error.message}`));
redis.on('error', (error) => console.error(`redis: ${error.message}`));

const health = createHealth({
  checks: {
    database: checks.postgres(pool, { timeoutMs: 500 }), // a pg.Pool
    cache: checks.redis(redis, { critical: false }), // an ioredis or node-redis client
    disk: checks.diskSpace({ path: '/', minFreeRatio: 0.05 }),
  },
});
express().use('/health', healthRouter(health)).listen(3000);
