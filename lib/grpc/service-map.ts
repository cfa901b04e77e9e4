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
 * The gRPC service names a runner answers for: `''` (the whole server), each check by its
 * name (read from the runner on every call, so checks registered at run time are served
 * and unregistered ones are not), and each group of checks by the name given to it.
 */
export class ServiceMap {
  readonly #groups: ReadonlyMap<string, ServiceTarget>;
  readonly #checks: () => readonly string[];

  constructor(checks: () => readonly string[], groups: ReadonlyMap<string, readonly string[]>) {
    this.#checks = checks;
    const targets = new Map<string, ServiceTarget>();
    for (const [name, members] of groups) {
      targets.set(name, { kind: 'group', checks: [...new Set(members)] });
    }
    this.#groups = targets;
  }

  /** Every service name: `''`, then the checks, then the groups, in declaration order. */
  get names(): readonly string[] {
    const checks = this.#checks().filter((check) => !this.#groups.has(check));
    return ['', ...checks, ...this.#groups.keys()];
  }

  /** Whether `name` is a service of this map. */
  has(name: string): boolean {
    return this.#target(name) !== undefined;
  }

  /** What `name` stands for; a group wins over a check registered later under its name. */
  #target(name: string): ServiceTarget | undefined {
    if (name === '') return { kind: 'aggregate' };
    const group = this.#groups.get(name);
    if (group !== undefined) return group;
    return this.#checks().includes(name) ? { kind: 'check', check: name } : undefined;
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
    const target = this.#target(name);
    if (target === undefined) return undefined;
    if (shuttingDown) return 'NOT_SERVING';
    const members =
      target.kind === 'aggregate'
        ? this.#checks()
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
