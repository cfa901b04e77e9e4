import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { describe } from './describe.js';
import { HealthOptionsError } from './errors.js';
import {
  bodyOf,
  headersOf,
  isStreamAnswer,
  type Reply,
  type RequestView,
} from './http/exchange.js';
import { nodeSink, withEarlierVary } from './http/node.js';
import { stripPrefix } from './http/prefix.js';
import { resolveHealth } from './http/probe-options.js';
import type { Answer } from './http/send.js';
import type { ShowDetails } from './http/show-details.js';
import { routerContract, type HealthRouterOptions } from './router.js';
import type { Health } from './runner/health.js';

/**
 * Options of {@link fastifyHealth}: `health`, the runner from {@link createHealth}
 * (required), every {@link HealthRouterOptions} option with `showDetails` deciding from the
 * `FastifyRequest`, and `closeHealth`: whether `fastify.close()` also calls
 * `health.close()` (after the server has closed). Defaults to `false`: the app owns the
 * runner. `prefix` is Fastify's own option of `register`.
 */
export type FastifyHealthOptions = Omit<HealthRouterOptions, 'showDetails'> & {
  readonly health: Health;
  readonly showDetails?: ShowDetails<FastifyRequest>;
  readonly closeHealth?: boolean;
};

const STATIC_PATHS = ['/live', '/ready', '/startup', '/stream', '/dashboard'];

// What `register` itself takes, and hands on to the plugin with its own options.
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

/** A Fastify request as the contract sees it. */
class FastifyRequestView implements RequestView {
  readonly method: string;
  readonly url: string;
  readonly native: FastifyRequest;
  readonly atAppRoot: boolean;

  constructor(request: FastifyRequest, url: string, atAppRoot: boolean) {
    this.method = request.method;
    this.url = url;
    this.native = request;
    this.atAppRoot = atAppRoot;
  }

  header(name: string): string | undefined {
    const value = this.native.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

// A prepared answer's headers as Fastify is handed them with its string body (a GET, a
// CORS preflight), worked out once per answer (`preparedAnswer` freezes it): lower-case
// names (what `reply.header` turns each name into) and no Content-Length, which Fastify
// sets from the string body itself, as it does for a bare route, instead of checking ours
// against it. Other answers, and a HEAD (no body to count), keep their own headers.
const LEAN_HEADERS = new WeakMap<object, Readonly<Record<string, string | number>>>();

function leanHeaders(answer: Answer): Readonly<Record<string, string | number>> | undefined {
  const prepared = answer.headers;
  if (prepared === undefined || !Object.isFrozen(answer)) return undefined;
  let headers = LEAN_HEADERS.get(prepared);
  if (headers === undefined) {
    const lean: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(prepared)) {
      const lower = name.toLowerCase();
      if (lower !== 'content-length') lean[lower] = value;
    }
    headers = Object.freeze(lean);
    LEAN_HEADERS.set(prepared, headers);
  }
  return headers;
}

/** Sends `answer` through Fastify's reply (hooks and logging see it); a stream hijacks it. */
function sendReply(view: RequestView, request: FastifyRequest, reply: FastifyReply, answer: Reply) {
  if (reply.sent) return;
  if (isStreamAnswer(answer)) {
    // Fastify's documented way to stream on the raw response: it then leaves it alone.
    reply.hijack();
    reply.raw.writeHead(
      answer.statusCode,
      withEarlierVary(answer.headers, reply.getHeader('vary') ?? reply.raw.getHeader('vary')),
    );
    request.raw.socket.setNoDelay(true);
    answer.start(nodeSink(reply.raw));
    return;
  }
  const body = bodyOf(view, answer);
  const lean = typeof body === 'string' ? leanHeaders(answer) : undefined;
  const earlierVary = reply.getHeader('vary');
  const headers =
    lean === undefined
      ? withEarlierVary(headersOf(answer), earlierVary)
      : withEarlierVary(lean, earlierVary, 'vary');
  void reply.code(answer.statusCode).headers(headers).send(body);
}

function fastifyHealthPlugin(
  app: FastifyInstance,
  options: FastifyHealthOptions,
  done: (error?: Error) => void,
): void {
  try {
    registerRoutes(app, options);
  } catch (error) {
    done(error instanceof Error ? error : new Error(describe(error)));
    return;
  }
  done();
}

function registerRoutes(app: FastifyInstance, options: FastifyHealthOptions): void {
  const { health, closeHealth = false, ...rest } = options;
  const routerOptions = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !REGISTER_OPTIONS.has(key)),
  ) as HealthRouterOptions;
  const runner = resolveHealth('fastifyHealth', health);
  if (typeof closeHealth !== 'boolean') {
    throw new HealthOptionsError(
      'fastifyHealth: option `closeHealth` must be a boolean (true: fastify.close() closes the runner too).',
      'closeHealth',
    );
  }
  const router = routerContract('fastifyHealth', runner, routerOptions);
  const prefix = app.prefix;
  // Registered without a prefix, `/` stays the app's, as under Express.
  const atAppRoot = prefix === '';

  function healthRoute(request: FastifyRequest, reply: FastifyReply): void {
    const url = atAppRoot ? request.url : (stripPrefix(request.url, prefix) ?? '/');
    const view = new FastifyRequestView(request, url, atAppRoot);
    const answer = router.route(view);
    if (answer === undefined) {
      reply.callNotFound();
      return;
    }
    if (answer instanceof Promise) {
      void answer.then((resolved) => sendReply(view, request, reply, resolved));
    } else sendReply(view, request, reply, answer);
  }

  if (!atAppRoot) app.all('/', healthRoute);
  // The probes' own paths as static routes (Fastify finds those fastest); the wildcard
  // takes `/ready/<name>`, trailing slashes, `/$stream` and what the router hands on.
  for (const path of STATIC_PATHS) app.all(path, healthRoute);
  app.all('/*', healthRoute);
  // Before the server waits for its connections: open streams end, so close() can finish.
  app.addHook('preClose', (next) => {
    router.endStreams();
    next();
  });
  if (closeHealth) {
    app.addHook('onClose', (_instance, next) => {
      runner.close();
      next();
    });
  }
}

/**
 * The health probes as a Fastify plugin (Fastify 4 and 5): the whole contract of
 * {@link healthRouter} under the `prefix` given to `register`, answered through Fastify's
 * `reply` (its hooks, logging and error handling see every answer). A path under the
 * prefix that it does not serve goes to the app's not-found handler. The stream hijacks
 * its reply, as Fastify documents for streams; `fastify.close()` ends every open stream
 * (a `preClose` hook) and, with `closeHealth: true`, calls `health.close()` (`onClose`).
 *
 * Follows the `fastify-plugin` conventions without depending on it: named
 * `health-probes`, declaring the Fastify versions it supports, and encapsulated, so
 * `prefix` applies and its routes stay in their own context.
 *
 * @throws {HealthOptionsError} at `register` (Fastify reports it from `ready()` or
 *   `listen()`), when `health` is not a {@link Health} or an option is invalid.
 * @example
 * import { fastifyHealth } from 'health-probes/fastify';
 * await app.register(fastifyHealth, { health, prefix: '/health' });
 */
export const fastifyHealth: FastifyPluginCallback<FastifyHealthOptions> = Object.assign(
  fastifyHealthPlugin,
  {
    [Symbol.for('fastify.display-name')]: 'health-probes',
    [Symbol.for('plugin-meta')]: { name: 'health-probes', fastify: '4.x || 5.x' },
  },
);
