import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { serve as honoServe } from '@hono/node-server';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { Hono } from 'hono';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { fastifyHealth } from '../../lib/fastify.js';
import { koaHealth } from '../../lib/koa.js';
import {
  fetchHandler,
  healthRouter,
  type FetchHealthHandler,
  type Health,
  type HealthRouterOptions,
} from '../../lib/index.js';
import { listen } from './server.js';

/** Mounts a router in a host app and returns the listener to serve. */
export type Mount = (router: ReturnType<typeof healthRouter>) => RequestListener;

/**
 * The four `node:http` hosts, as `[name, prefix, mount]`: for a test of a `HealthHandler`
 * alone. A test of the HTTP contract runs on {@link CONTRACT_HOSTS}.
 * The four hosts the router must work under, each with the prefix it is served at. */
export const HOSTS: readonly (readonly [name: string, prefix: string, mount: Mount])[] = [
  ['Express 4', '/health', (router) => express4().use('/health', router)],
  ['Express 5', '/health', (router) => express().use('/health', router)],
  ['Connect', '/health', (router) => connect().use('/health', router)],
  ['node:http', '', (router) => router],
];

/** A host serving the health contract on an ephemeral loopback port. */
export interface HostServer {
  readonly url: string;
  close(): Promise<void>;
  /**
   * Streams the host's router holds open: its `stats().clients` where the adapter exposes
   * it (Fetch, Koa), else the hub's one `shutdown` subscription on the runner (0 or 1).
   */
  streams(): number;
}

/** One way of serving the contract: a framework and its adapter. */
export interface ContractHost {
  readonly name: string;
  /** Where the probes are: `/health`, or `''` when served from the root with no app behind. */
  readonly prefix: string;
  serve(health: Health, options?: HealthRouterOptions): Promise<HostServer>;
}

const PREFIX = '/health';

/** The app's last middleware: what a request the router hands on (`next()`) reaches. */
function appFallback(req: IncomingMessage, res: ServerResponse): void {
  const { originalUrl } = req as { originalUrl?: string };
  res.writeHead(418, { 'content-type': 'text/plain' });
  res.end(`app: ${req.method ?? ''} ${originalUrl ?? req.url ?? ''}`);
}

/** What the app behind a Fetch handler answers: the same as {@link appFallback}. */
function fetchFallback(request: Request): Response {
  const url = new URL(request.url);
  return new Response(`app: ${request.method} ${url.pathname}${url.search}`, {
    status: 418,
    headers: { 'content-type': 'text/plain' },
  });
}

const subscriptions = (health: Health) => () => health.listenerCount('shutdown');

function nodeHost(
  name: string,
  prefix: string,
  mount: (router: ReturnType<typeof healthRouter>) => Parameters<typeof listen>[0],
): ContractHost {
  return {
    name,
    prefix,
    async serve(health, options) {
      const server = await listen(mount(healthRouter(health, options)));
      return { url: server.url, close: () => server.close(), streams: subscriptions(health) };
    },
  };
}

/**
 * A Fetch handler served by Node's own `Request` and `Response`: the request's signal
 * aborts when the connection closes, the response body is piped to the socket.
 */
function nodeFetchListener(handler: (request: Request) => Promise<Response>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      signal: controller.signal,
    });
    void handler(request).then((response) => {
      const out: Record<string, string> = {};
      response.headers.forEach((value, key) => (out[key] = value));
      res.writeHead(response.status, out);
      if (response.body === null) res.end();
      // A client that goes away cuts the pipe: that is the disconnect under test, not a failure.
      else
        pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res, () => {});
    });
  };
}

async function honoHost(health: Health, options?: HealthRouterOptions): Promise<HostServer> {
  const app = new Hono();
  app.all('*', (c) => fetchFallback(c.req.raw));
  const handler: FetchHealthHandler = fetchHandler(health, {
    ...(options as object),
    prefix: PREFIX,
    fallback: (request) => app.fetch(request),
  });
  const server = await new Promise<ReturnType<typeof honoServe>>((resolve) => {
    const started = honoServe({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    streams: () => handler.stats().clients,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

async function nodeFetchHost(health: Health, options?: HealthRouterOptions): Promise<HostServer> {
  const handler = fetchHandler(health, {
    ...(options as object),
    prefix: PREFIX,
    fallback: fetchFallback,
  });
  const server = await listen(nodeFetchListener(handler));
  return { url: server.url, close: () => server.close(), streams: () => handler.stats().clients };
}

type FastifyFactory = typeof fastify5;

function fastifyHost(name: string, factory: FastifyFactory): ContractHost {
  return {
    name,
    prefix: PREFIX,
    async serve(health, options) {
      const app = factory();
      app.setNotFoundHandler((request, reply) => {
        void reply.code(418).type('text/plain').send(`app: ${request.method} ${request.url}`);
      });
      await app.register(fastifyHealth, { ...(options as object), health, prefix: PREFIX });
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url: address, close: () => app.close(), streams: subscriptions(health) };
    },
  };
}

type KoaClass = typeof Koa3;

function koaHost(name: string, Koa: KoaClass): ContractHost {
  return {
    name,
    prefix: PREFIX,
    async serve(health, options) {
      const app = new Koa();
      const middleware = koaHealth(health, { ...(options as object), prefix: PREFIX });
      app.use(middleware);
      app.use((ctx) => {
        ctx.status = 418;
        ctx.type = 'text/plain';
        ctx.body = `app: ${ctx.method} ${ctx.originalUrl}`;
      });
      const callback = app.callback();
      const server = await listen((req, res) => void callback(req, res));
      return {
        url: server.url,
        close: () => server.close(),
        streams: () => middleware.stats().clients,
      };
    },
  };
}

/**
 * Every host the HTTP contract suite runs on: the `node:http` family through
 * `healthRouter`, the Fetch handler under `@hono/node-server` and under Node's own
 * `Request`/`Response`, the Fastify plugin on Fastify 4 and 5, the Koa middleware on Koa
 * 2 and 3. Each serves the probes under `/health` with an app behind answering 418 for
 * what it hands on, except bare `node:http`, served from the root with no app.
 */
export const CONTRACT_HOSTS: readonly ContractHost[] = [
  nodeHost('Express 4', PREFIX, (router) => express4().use(PREFIX, router).use(appFallback)),
  nodeHost('Express 5', PREFIX, (router) => express().use(PREFIX, router).use(appFallback)),
  nodeHost('Connect', PREFIX, (router) => connect().use(PREFIX, router).use(appFallback)),
  nodeHost('node:http', '', (router) => router),
  { name: 'Fetch (@hono/node-server)', prefix: PREFIX, serve: honoHost },
  { name: 'Fetch (Node Request/Response)', prefix: PREFIX, serve: nodeFetchHost },
  fastifyHost('Fastify 4', fastify4 as unknown as FastifyFactory),
  fastifyHost('Fastify 5', fastify5),
  koaHost('Koa 2', Koa2),
  koaHost('Koa 3', Koa3),
];
