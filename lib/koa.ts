import type { Context, Middleware, Next } from 'koa';
import { bodyOf, headersOf, isStreamAnswer, type RequestView } from './http/exchange.js';
import { nodeSink, withEarlierVary } from './http/node.js';
import { DEFAULT_HEALTH_PREFIX, stripPrefix } from './http/prefix.js';
import type { ShowDetails } from './http/show-details.js';
import { parseOptions } from './options.js';
import { routerContract } from './router.js';
import type { Health } from './runner/health.js';
import type { HealthOptions } from './runner/options.js';
import type { StreamStats } from './stream/hub.js';
import { withHealthOptionsSchema, type WithHealthOptions } from './with-health.js';

/**
 * Options of {@link koaHealth}: every {@link WithHealthOptions} option (`prefix`,
 * defaulting to `'/health'`, and the router's), with `showDetails` deciding from Koa's
 * `Context` (`ctx.state`, `ctx.ip`).
 */
export type KoaHealthOptions = Omit<WithHealthOptions, 'showDetails'> & {
  readonly showDetails?: ShowDetails<Context>;
};

/** What {@link koaHealth} returns: a Koa middleware, with the counts of its stream. */
export interface KoaHealthMiddleware extends Middleware {
  /** See {@link StreamStats}: the streams open on `<prefix>/stream` now. */
  readonly stats: () => StreamStats;
}

/** A Koa request as the contract sees it. */
class KoaRequestView implements RequestView {
  readonly method: string;
  readonly url: string;
  readonly native: Context;

  constructor(ctx: Context, url: string) {
    this.method = ctx.method;
    this.url = url;
    this.native = ctx;
  }

  header(name: string): string | undefined {
    const value = this.native.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

function textHeaders(headers: Readonly<Record<string, string | number>>): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) text[name] = String(value);
  return text;
}

/**
 * The health probes as a Koa middleware (Koa 2 and 3): the whole contract of
 * {@link healthRouter} under `prefix`, as {@link withHealth} serves it; every other
 * request, and a path under the prefix it does not serve, goes on with `await next()`.
 * Answers are set on `ctx` (`status`, headers, `body`), so Koa writes them; the stream
 * writes to the raw response (`ctx.respond = false`, as Koa documents for it), ended when
 * the client goes away or the runner shuts down.
 *
 * @param healthOrOptions - a {@link Health}, or {@link HealthOptions} to build one from.
 * @param options - see {@link KoaHealthOptions}.
 * @throws {HealthOptionsError} at construction, for an invalid option.
 * @example
 * import { koaHealth } from 'health-probes/koa';
 * app.use(koaHealth(health, { prefix: '/health' }));
 */
export function koaHealth(
  healthOrOptions: Health | HealthOptions,
  options: KoaHealthOptions = {},
): KoaHealthMiddleware {
  const { prefix = DEFAULT_HEALTH_PREFIX, ...routerOptions } = parseOptions(
    'koaHealth()',
    withHealthOptionsSchema,
    options,
  );
  const router = routerContract('koaHealth()', healthOrOptions, routerOptions);
  const middleware = async function koaHealthMiddleware(ctx: Context, next: Next): Promise<void> {
    const rest = stripPrefix(ctx.url, prefix);
    if (rest === undefined) {
      await next();
      return;
    }
    const view = new KoaRequestView(ctx, rest);
    const pending = router.route(view);
    if (pending === undefined) {
      await next();
      return;
    }
    const reply = await pending;
    if (isStreamAnswer(reply)) {
      // Koa documents `respond = false` for writing to the raw response: a body stream Koa
      // pipes would report every client that goes away as an error (Koa 3's pipeline).
      ctx.respond = false;
      ctx.res.writeHead(
        reply.statusCode,
        withEarlierVary(reply.headers, ctx.response.get('Vary') || undefined),
      );
      ctx.req.socket.setNoDelay(true);
      reply.start(nodeSink(ctx.res));
      return;
    }
    ctx.status = reply.statusCode;
    ctx.set(textHeaders(withEarlierVary(headersOf(reply), ctx.response.get('Vary') || undefined)));
    const body = bodyOf(view, reply);
    // A HEAD answer and a 204 have no body; Koa keeps the headers set above.
    if (body !== undefined && body.length > 0) ctx.body = body;
  };
  return Object.assign(middleware, { stats: router.stats });
}
