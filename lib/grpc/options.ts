import * as z from 'zod';
import { HealthOptionsError } from '../errors.js';
import { ownRecord, parseOptions } from '../options.js';

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** The defaults of {@link GrpcHealthOptions}, in one place. */
export const GRPC_HEALTH_DEFAULTS = Object.freeze({
  /** Matches the runner's default `cacheTtlMs`, so a poll rarely finds a stale result. */
  pollIntervalMs: 1000,
  maxWatches: 1000,
});

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const serviceMembersSchema = z.lazy(() => z.array(z.string()).min(1).max(1000).readonly());
const grpcHealthOptionsSchema = z.lazy(() =>
  z.strictObject({
    // ownRecord: a `"__proto__"` group (as JSON.parse makes it) is kept, not dropped.
    services: ownRecord(z.string().max(200), serviceMembersSchema).optional(),
    pollIntervalMs: z.number().int().min(10).max(MAX_TIMER_MS).optional(),
    maxWatches: z.number().int().min(1).max(100_000).optional(),
  }),
);

/**
 * Options of {@link grpcHealth}.
 *
 * - `services`: extra gRPC service names, each served as the aggregate of a group of
 *   checks with the runner's rule (a critical DOWN makes it `NOT_SERVING`, a non-critical
 *   DOWN leaves it `SERVING`), e.g. `{ 'shop.v1.Orders': ['database', 'cache'] }`. A name
 *   may not be `''` nor a check's name (both are services already); every member must be a
 *   check of the runner. Defaults to none.
 * - `pollIntervalMs`: how often the one shared poller re-reads the runner while any
 *   `Watch` call is open, in milliseconds, 10 to 2^31-1. Reads go through the runner's
 *   cache, so checks still run at most once per `cacheTtlMs`. Defaults to `1000`.
 * - `maxWatches`: open `Watch` calls allowed at once, 1 to 100000; the next one fails with
 *   `RESOURCE_EXHAUSTED`. Defaults to `1000`.
 */
export type GrpcHealthOptions = z.input<typeof grpcHealthOptionsSchema>;

/** {@link GrpcHealthOptions} with every default applied. */
export interface ResolvedGrpcHealthOptions {
  /** Group name to member checks, in the order given. */
  readonly services: ReadonlyMap<string, readonly string[]>;
  readonly pollIntervalMs: number;
  readonly maxWatches: number;
}

/**
 * Validates {@link GrpcHealthOptions} against the runner's check names and applies the
 * defaults; throws {@link HealthOptionsError} naming the option.
 */
export function resolveGrpcHealthOptions(
  where: string,
  checkNames: readonly string[],
  input: unknown,
): ResolvedGrpcHealthOptions {
  const options = parseOptions(where, grpcHealthOptionsSchema, input ?? {});
  const services: ReadonlyMap<string, readonly string[]> = new Map(
    Object.entries(options.services ?? {}),
  );
  validateGroups(where, checkNames, services);
  return {
    services,
    pollIntervalMs: options.pollIntervalMs ?? GRPC_HEALTH_DEFAULTS.pollIntervalMs,
    maxWatches: options.maxWatches ?? GRPC_HEALTH_DEFAULTS.maxWatches,
  };
}

/** Group names must be new service names and their members existing checks. */
function validateGroups(
  where: string,
  checkNames: readonly string[],
  groups: ReadonlyMap<string, readonly string[]>,
): void {
  const checks = new Set(checkNames);
  for (const [name, members] of groups) {
    const option = `services.${name}`;
    if (name === '') {
      throw new HealthOptionsError(
        `${where}: option \`services\` cannot define the service "": it is already the whole server (every check). Give the group a name such as "myapp.v1.Orders".`,
        'services',
      );
    }
    if (checks.has(name)) {
      throw new HealthOptionsError(
        `${where}: option \`${option}\`: ${JSON.stringify(name)} is already the service of the check of that name. Give the group another name.`,
        option,
      );
    }
    for (const member of members) {
      if (!checks.has(member)) {
        throw new HealthOptionsError(
          `${where}: option \`${option}\` names ${JSON.stringify(member)}, which is not a check of this runner. Known checks: ${checkNames.length === 0 ? 'none' : checkNames.join(', ')}.`,
          option,
        );
      }
    }
  }
}
