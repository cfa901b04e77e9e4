import * as z from 'zod';
import type { CheckHistorySnapshot, HealthHistory } from '../runner/check-history.js';
import type { Transition } from '../runner/timeline.js';

const status = z.enum(['UP', 'DEGRADED', 'DOWN']);
const share = z.strictObject({
  up: z.number().min(0).max(1),
  upOrDegraded: z.number().min(0).max(1),
  coveredSeconds: z.number().min(0),
});
const uptime = z.strictObject({
  '5m': share.optional(),
  '1h': share.optional(),
  sinceStart: share.optional(),
});
const transition = z.strictObject({
  at: z.iso.datetime(),
  from: status.optional(),
  to: status,
  message: z.string().optional(),
});

/** Schema of one check's entry in {@link historyBodySchema}. */
export const checkHistoryBodySchema = z.strictObject({
  runs: z.strictObject({
    at: z.array(z.number()),
    status: z.array(status),
    durationMs: z.array(z.number().min(0)),
  }),
  transitions: z.array(transition),
  uptime,
  flapping: z.boolean(),
  percentStateChange: z.number().min(0).max(100),
});

/**
 * Schema of the body of `GET /health/history` ({@link HealthHistory}):
 *
 * - `generatedAt`: ISO 8601.
 * - `service`: `{ transitions, uptime }` of the aggregate status.
 * - `checks`: per check name, `runs` as columns (`at`: epoch milliseconds when each run
 *   ended, `status`, `durationMs`, oldest first, the three arrays of one length),
 *   `transitions` of the reported status (`{ at, from?, to, message? }`, oldest first),
 *   `uptime` (`'5m'`, `'1h'`, `sinceStart`, each `{ up, upOrDegraded, coveredSeconds }`,
 *   shares 0 to 1, time-weighted), `flapping` and `percentStateChange` (0 to 100).
 *
 * Without details (`showDetails`), transitions carry no `message`.
 */
export const historyBodySchema = z.strictObject({
  generatedAt: z.iso.datetime(),
  service: z.strictObject({ transitions: z.array(transition), uptime }),
  checks: z.record(z.string(), checkHistoryBodySchema),
});

/**
 * Schema of the data of the stream's `history` events (`?history=1`): `kind: 'full'`, the
 * {@link historyBodySchema} body, sent once after the first report; then `kind: 'delta'` after each poll where a check ran:
 * the same shape holding, per check that ran, only its new runs and transitions (with its
 * uptime, flapping and percent state change now), the service's new transitions and
 * uptime, and `removed`, the checks unregistered since the last event.
 */
export const historyEventSchema = z.discriminatedUnion('kind', [
  historyBodySchema.extend({ kind: z.literal('full') }),
  historyBodySchema.extend({
    kind: z.literal('delta'),
    removed: z.array(z.string()).optional(),
  }),
]);

/** The data of a stream `history` event: see {@link historyEventSchema}. */
export type HistoryEvent = z.output<typeof historyEventSchema>;

/** The body of `GET /health/history`: see {@link historyBodySchema}. */
export type HistoryBody = z.output<typeof historyBodySchema>;

function withoutMessages(transitions: readonly Transition[]): Transition[] {
  return transitions.map((t) =>
    t.message === undefined
      ? t
      : { at: t.at, ...(t.from === undefined ? {} : { from: t.from }), to: t.to },
  );
}

/**
 * The body of `GET /health/history` (and of the stream's first `history` event) from
 * `history`; without `showDetails`, the transitions' messages are dropped.
 */
export function historyBody(history: HealthHistory, showDetails: boolean): HealthHistory {
  if (showDetails) return history;
  const checks: Record<string, CheckHistorySnapshot> = {};
  for (const [name, check] of Object.entries(history.checks)) {
    checks[name] = { ...check, transitions: withoutMessages(check.transitions) };
  }
  return {
    generatedAt: history.generatedAt,
    service: { ...history.service, transitions: withoutMessages(history.service.transitions) },
    checks,
  };
}
