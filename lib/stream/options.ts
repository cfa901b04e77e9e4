import * as z from 'zod';
import type { HealthJsonMeta } from '../format/health-json.js';
import { corsSchema, resolveCors, type CorsPolicy } from '../http/cors.js';
import { healthJsonOptionsSchema } from '../http/probe-options.js';
import { FORMATS, type FormatName } from '../http/request.js';
import { parseOptions } from '../options.js';
import { timersSchema } from '../timers.js';
import { NODE_TIMERS, type StreamTimers } from './timers.js';

/** The stream's defaults and limits, in one place (the README quotes them). */
export const STREAM_DEFAULTS = Object.freeze({
  /** `poll_interval` when the query has none, in seconds (servicekit's default). */
  pollIntervalSeconds: 1,
  /** Smallest `poll_interval` accepted, in seconds. */
  minPollIntervalSeconds: 0.1,
  /** Largest `poll_interval` accepted, in seconds. */
  maxPollIntervalSeconds: 300,
  heartbeatMs: 15_000,
  retryMs: 3_000,
  onlyChanges: false,
  maxClients: 1_000,
  maxBlockedMs: 30_000,
});

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const isFunction = (value: unknown) => typeof value === 'function';

/** Schema of {@link StreamOptions}; the single source of the options' types. */
export const streamOptionsSchema = z.strictObject({
  heartbeatMs: z.number().int().min(10).max(MAX_TIMER_MS).optional(),
  retryMs: z.number().int().min(100).max(MAX_TIMER_MS).optional(),
  onlyChanges: z.boolean().optional(),
  maxClients: z.number().int().min(1).max(1_000_000).optional(),
  maxBlockedMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
  clock: z.custom<() => number>(isFunction, { message: 'expected a function' }).optional(),
  timers: timersSchema.optional(),
  format: z.enum(FORMATS).optional(),
  showDetails: z.enum(['always', 'never']).optional(),
  healthJson: healthJsonOptionsSchema.optional(),
  cors: corsSchema.optional(),
});

/**
 * Options of {@link sseStream}.
 *
 * - `heartbeatMs`: how often a `: ping` comment goes to a client that got nothing else
 *   in that time, so proxies and load balancers keep an idle stream open, in milliseconds,
 *   10 to 2^31-1. Defaults to `15000` (under NGINX's 60 s `proxy_read_timeout`).
 * - `retryMs`: the reconnection delay sent in the `retry:` line, in milliseconds, 100 to
 *   2^31-1. Defaults to `3000`.
 * - `onlyChanges`: send an event only when the aggregate or a component status changed,
 *   for every client (a client can also ask with `?changes=1`). Defaults to `false`.
 * - `maxClients`: most streams open at once on this handler; past it a request gets 503.
 *   1 to 1000000. Defaults to `1000`.
 * - `maxBlockedMs`: how long a client may leave written data unread (its socket buffer
 *   full) before it is disconnected, in milliseconds. Defaults to `30000`.
 * - `clock`: a monotonic time in milliseconds, for `maxBlockedMs`. Defaults to
 *   `performance.now`. For tests.
 * - `timers`: `{ setTimeout, clearTimeout }` used for polls and heartbeats. Defaults to
 *   the global timers, unref'd. For tests.
 * - `format`: the event body when the request does not ask (`?format=`), as for the HTTP
 *   handlers: `'components'` (the detailed report), `'servicekit'` (servicekit's body, in
 *   unnamed events as servicekit sends them) or `'health+json'`. Defaults to
 *   `'components'`. `healthRouter` passes its own `format`.
 * - `showDetails`: `'always'` or `'never'`; one event is framed once for every client, so
 *   there is no per-request function here. Defaults to `'always'`. `healthRouter` passes
 *   its own, and `'never'` when its `showDetails` is a function.
 * - `healthJson`: what the IETF format says beyond the report, as for the HTTP handlers.
 * - `cors`: which other origins' pages may open the stream (an `EventSource` on a
 *   dashboard served elsewhere, a Grafana panel): `'*'`, an origin or a list of them; see
 *   `CorsOption`. Defaults to `false` (same origin only). `healthRouter` passes its own.
 */
export type StreamOptions = z.input<typeof streamOptionsSchema>;

/** {@link StreamOptions} with every default applied, computed once per handler. */
export interface ResolvedStreamOptions {
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly onlyChanges: boolean;
  readonly maxClients: number;
  readonly maxBlockedMs: number;
  readonly clock: () => number;
  readonly timers: StreamTimers;
  readonly format: FormatName;
  readonly showDetails: boolean;
  readonly healthJson: HealthJsonMeta;
  readonly cors: CorsPolicy | undefined;
}

/** Validates and resolves {@link StreamOptions}; throws {@link HealthOptionsError}. */
export function resolveStreamOptions(where: string, input: unknown): ResolvedStreamOptions {
  const options = parseOptions(where, streamOptionsSchema, input ?? {});
  return {
    heartbeatMs: options.heartbeatMs ?? STREAM_DEFAULTS.heartbeatMs,
    retryMs: options.retryMs ?? STREAM_DEFAULTS.retryMs,
    onlyChanges: options.onlyChanges ?? STREAM_DEFAULTS.onlyChanges,
    maxClients: options.maxClients ?? STREAM_DEFAULTS.maxClients,
    maxBlockedMs: options.maxBlockedMs ?? STREAM_DEFAULTS.maxBlockedMs,
    clock: options.clock ?? (() => performance.now()),
    timers: options.timers ?? NODE_TIMERS,
    format: options.format ?? 'components',
    showDetails: options.showDetails !== 'never',
    healthJson: Object.freeze({ ...options.healthJson }),
    cors: resolveCors(options.cors),
  };
}
