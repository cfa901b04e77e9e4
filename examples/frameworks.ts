// The README's Fetch API, Fastify and Koa quick starts, side by side on one runner:
// Hono (through @hono/node-server) on :3003, Fastify on :3004, Koa on :3005.
// Run: npm run build && npx tsx examples/frameworks.ts
import { serve } from '@hono/node-server';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { checks, createHealth, fetchHandler } from 'health-probes';
import { fastifyHealth } from 'health-probes/fastify';
import { koaHealth } from 'health-probes/koa';

const health = createHealth({ checks: { memory: checks.memory({ maxHeapRatio: 0.9 }) } });

const hono = new Hono().get('/', (c) => c.text('home'));
serve({ fetch: fetchHandler(health, { fallback: hono.fetch }), port: 3003 });

const fastify = Fastify({ logger: true });
await fastify.register(fastifyHealth, { health, prefix: '/health', closeHealth: true });
await fastify.listen({ port: 3004 });

const koa = new Koa().use(koaHealth(health, { prefix: '/health' }));
koa.listen(3005);

console.log('curl http://localhost:3003/health/ready  (Hono)');
console.log('curl http://localhost:3004/health/ready  (Fastify)');
console.log('curl http://localhost:3005/health/ready  (Koa)');
