import { aggregateStatus } from '../runner/aggregate.js';
import type { ComponentReport } from '../runner/types.js';

/** What one gRPC service name stands for. */
type ServiceTarget =
  | { readonly kind: 'aggregate' }
  | { readonly kind: 'check'; readonly check: string }
  | { readonly kind: 'group'; readonly checks: readonly string[] };

/** Looks up the latest report of a check by name. */
export type ComponentLookup = (check: string) => ComponentReport | undefined;

/**
 * The gRPC service names a runner answers for, fixed at construction: `''` (the whole
 * server), each check by its name, and each group of checks by the name given to it.
 */
export class ServiceMap {
  readonly #targets: ReadonlyMap<string, ServiceTarget>;
  readonly #checks: readonly string[];

  constructor(checks: readonly string[], groups: ReadonlyMap<string, readonly string[]>) {
    this.#checks = checks;
    const targets = new Map<string, ServiceTarget>([['', { kind: 'aggregate' }]]);
    for (const check of checks) targets.set(check, { kind: 'check', check });
    for (const [name, members] of groups) {
      targets.set(name, { kind: 'group', checks: [...new Set(members)] });
    }
    this.#targets = targets;
  }

  /** Every service name: `''`, then the checks, then the groups, in declaration order. */
  get names(): readonly string[] {
    return [...this.#targets.keys()];
  }

  /** Whether `name` is a service of this map. */
  has(name: string): boolean {
    return this.#targets.has(name);
  }

  /**
   * The serving status of a known service, `undefined` for an unknown one.
   *
   * - `''`: the runner's aggregate; a group: the aggregate of its checks with the same
   *   rule (a critical DOWN is DOWN, a non-critical DOWN only DEGRADED).
   * - a check: its own status, whether critical or not.
   * - UP and DEGRADED are `SERVING`; DOWN, a check never reported, and everything while
   *   `shuttingDown`, are `NOT_SERVING`.
   */
  status(
    name: string,
    lookup: ComponentLookup,
    shuttingDown: boolean,
  ): 'SERVING' | 'NOT_SERVING' | undefined {
    const target = this.#targets.get(name);
    if (target === undefined) return undefined;
    if (shuttingDown) return 'NOT_SERVING';
    const members =
      target.kind === 'aggregate'
        ? this.#checks
        : target.kind === 'group'
          ? target.checks
          : [target.check];
    const components: ComponentReport[] = [];
    for (const member of members) {
      const component = lookup(member);
      if (component === undefined) return 'NOT_SERVING';
      components.push(component);
    }
    const status =
      target.kind === 'check' ? (components[0]?.status ?? 'DOWN') : aggregateStatus(components);
    return status === 'DOWN' ? 'NOT_SERVING' : 'SERVING';
  }
}
