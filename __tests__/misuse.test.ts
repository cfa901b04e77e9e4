// First contact: a factory handed to a framework uncalled (`app.get('/live', liveness)`),
// and a plain object where a Health belongs (`detailed({})`).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  createHealth,
  dashboard,
  detailed,
  healthRouter,
  HealthOptionsError,
  liveness,
  metrics,
  readiness,
  sseStream,
  startup,
  withHealth,
  writeHealthFile,
} from '../lib/index.js';
import { listen, type TestServer } from './helpers/server.js';

/** Each factory, by name, with the fix its message must name. */
const factories: [string, unknown, string][] = [
  ['liveness', liveness, "liveness() must be called: app.get('/live', liveness())"],
  ['readiness', readiness, "readiness() must be called: app.get('/ready', readiness(health))"],
  ['startup', startup, "startup() must be called: app.get('/startup', startup(health))"],
  ['detailed', detailed, "detailed() must be called: app.get('/health', detailed(health))"],
  [
    'healthRouter',
    healthRouter,
    "healthRouter() must be called: app.use('/health', healthRouter(health))",
  ],
  [
    'withHealth',
    withHealth,
    'withHealth() must be called: http.createServer(withHealth(app, health))',
  ],
  ['sseStream', sseStream, "sseStream() must be called: app.get('/stream', sseStream(health))"],
  ['dashboard', dashboard, "dashboard() must be called: app.get('/dashboard', dashboard(health))"],
  ['metrics', metrics, "metrics() must be called: app.get('/metrics', metrics(health).handler)"],
];

type ErrorHandler = (
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
) => void;

/** An app of each framework with `handler` at `/probe` and `onError` as its error handler. */
const frameworks: [string, (handler: unknown, onError?: ErrorHandler) => RequestListener][] = [
  [
    'Express 4',
    (handler, onError) => {
      const app = express4().get('/probe', handler as never);
      return onError === undefined ? app : app.use(onError);
    },
  ],
  [
    'Express 5',
    (handler, onError) => {
      const app = express().get('/probe', handler as never);
      return onError === undefined ? app : app.use(onError);
    },
  ],
  [
    'Connect',
    (handler, onError) => {
      const app = connect().use('/probe', handler as never);
      return onError === undefined ? app : app.use(onError);
    },
  ],
];

let server: TestServer | undefined;
let warnings: MockInstance<typeof process.emitWarning>;
beforeEach(() => {
  // Captured, so the warnings this file causes on purpose are checked, not printed.
  warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(async () => {
  warnings.mockRestore();
  await server?.close();
  server = undefined;
});

describe.each(frameworks)('a factory passed uncalled to %s', (_name, makeApp) => {
  it.each(factories)(
    '%s hands the app a HealthOptionsError naming the fix, and the request gets a 500',
    async (_factory, factory, fix) => {
      const seen: unknown[] = [];
      server = await listen(
        // Four parameters: how Express and Connect tell an error handler.
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        makeApp(factory, (error, _req, res, _next) => {
          seen.push(error);
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(error instanceof Error ? error.message : 'not an error');
        }),
      );
      const response = await fetch(`${server.url}/probe`, { signal: AbortSignal.timeout(5000) });
      expect(response.status).toBe(500);
      expect(await response.text()).toBe(fix);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(HealthOptionsError);
      expect(seen[0]).toMatchObject({ code: 'ERR_HEALTH_OPTIONS', option: '' });
      expect(warnings).not.toHaveBeenCalled();
    },
  );

  it('without an error handler of the app, the framework answers the 500 itself', async () => {
    server = await listen(makeApp(liveness));
    const response = await fetch(`${server.url}/probe`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(500);
    // NODE_ENV is `test`: the final handler shows the message and logs nothing.
    expect(await response.text()).toContain('liveness() must be called');
  });
});

describe('a factory passed uncalled to http.createServer', () => {
  it.each(factories)(
    '%s answers 500 and warns once with the fix, without crashing the server',
    async (_factory, factory, fix) => {
      server = await listen(factory as RequestListener);
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(5000) });
        expect(response.status).toBe(500);
        expect(await response.json()).toEqual({ status: 'DOWN', error: 'internal error' });
      }
      expect(warnings).toHaveBeenCalledTimes(1);
      expect(warnings).toHaveBeenCalledWith(`health-probes: ${fix}`, {
        code: 'ERR_HEALTH_OPTIONS',
      });
    },
  );

  it('a HEAD request gets the 500 without a body', async () => {
    server = await listen(liveness);
    const response = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('');
  });
});

describe('the first argument must be a Health', () => {
  const health = createHealth();
  afterEach(() => health.close());

  it.each<[string, () => unknown, string]>([
    [
      'startup',
      () => startup({} as never),
      'startup(): the first argument must be a Health from createHealth(); got a plain object.',
    ],
    [
      'detailed',
      () => detailed({} as never),
      'detailed(): the first argument must be a Health from createHealth(); got a plain object.',
    ],
    [
      'sseStream',
      () => sseStream({ checks: {} } as never),
      'sseStream(): the first argument must be a Health from createHealth(); got a plain object.',
    ],
    [
      'metrics',
      () => metrics({} as never, { prefix: 'x_' }),
      'metrics(): the first argument must be a Health from createHealth(); got a plain object.',
    ],
    [
      'writeHealthFile',
      () => writeHealthFile({ path: '/tmp/x.json' } as never, undefined as never),
      'writeHealthFile(): the first argument must be a Health from createHealth(); got a plain object.',
    ],
    [
      'dashboard',
      () => dashboard(undefined as never),
      'dashboard(): the first argument must be a Health from createHealth(); got undefined.',
    ],
    [
      'detailed with an array',
      () => detailed([] as never),
      'detailed(): the first argument must be a Health from createHealth(); got an array.',
    ],
    [
      'startup with a Map',
      () => startup(new Map() as never),
      'startup(): the first argument must be a Health from createHealth(); got an instance of Map.',
    ],
    [
      'readiness with a string',
      () => readiness('db' as never),
      'readiness(): the first argument must be a Health from createHealth() or a map of checks; got a string.',
    ],
  ])('%s throws a HealthOptionsError naming the argument', (_label, build, message) => {
    expect(build).toThrow(HealthOptionsError);
    expect(build).toThrow(message);
  });

  it('readiness alone takes a map of checks, as documented', async () => {
    server = await listen(readiness({ db: () => false }));
    expect((await fetch(server.url)).status).toBe(503);
  });

  it('a Health is accepted by every one of them', () => {
    expect(typeof startup(health)).toBe('function');
    expect(typeof detailed(health)).toBe('function');
    expect(typeof sseStream(health)).toBe('function');
    expect(typeof dashboard(health)).toBe('function');
  });
});
