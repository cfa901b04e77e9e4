import { HealthOptionsError } from '../errors.js';
import { Health } from '../runner/health.js';
import type { ComponentReport, HealthReport } from '../runner/types.js';
import { resolveGrpcHealthOptions, type GrpcHealthOptions } from './options.js';
import { loadHealthServiceDefinition } from './peer.js';
import { ServiceMap } from './service-map.js';
import {
  GRPC_STATUS,
  type GrpcHealthImplementation,
  type GrpcServerLike,
  type GrpcServingStatus,
  type GrpcWatchCall,
} from './types.js';
import { WatchHub, type Watcher } from './watchers.js';

const WHERE = 'grpcHealth()';

/**
 * A `grpc.health.v1.Health` service answered from a {@link Health}. Create it with
 * {@link grpcHealth}, then add it to your `@grpc/grpc-js` server with
 * {@link GrpcHealthService.addToServer}.
 *
 * - `Check`: reads the runner (through its cache and timeouts, so a hanging check answers
 *   `NOT_SERVING` within its `timeoutMs`); an unknown name fails with `NOT_FOUND`.
 * - `Watch`: the current status at once, then one message per change; an unknown name gets
 *   `SERVICE_UNKNOWN` and the call stays open. All calls share one poller plus the
 *   runner's `change` and `shutdown` events.
 * - `List`: every service with its status.
 * - After `health.markShuttingDown()` every service is `NOT_SERVING`, pushed to every
 *   open `Watch` call at once.
 */
export class GrpcHealthService {
  readonly #health: Health;
  readonly #definition: object;
  readonly #services: ServiceMap;
  readonly #hub: WatchHub;
  readonly #maxWatches: number;
  readonly #implementation: GrpcHealthImplementation;
  #closed = false;

  /** Use {@link grpcHealth}; this constructor validates like it and throws the same errors. */
  constructor(health: Health, options: GrpcHealthOptions = {}) {
    // Both arguments come from JavaScript callers too: check them as unknowns.
    const given: unknown = health;
    const input: unknown = options;
    if (!(given instanceof Health)) {
      throw new HealthOptionsError(
        `${WHERE}: expected a Health from createHealth() as the first argument, got ${given === null ? 'null' : typeof given}.`,
        '',
      );
    }
    const resolved = resolveGrpcHealthOptions(WHERE, given.checkNames, input);
    this.#definition = loadHealthServiceDefinition(WHERE);
    this.#health = health;
    this.#services = new ServiceMap(() => health.checkNames, resolved.services);
    this.#hub = new WatchHub(health, this.#services, resolved.pollIntervalMs);
    this.#maxWatches = resolved.maxWatches;
    this.#implementation = {
      check: (call, callback) => {
        const name = call.request?.service ?? '';
        if (!this.#services.has(name)) {
          callback({ code: GRPC_STATUS.NOT_FOUND, details: unknownService(name) });
          return;
        }
        this.#health.run().then(
          (report) => callback(null, { status: this.#statusIn(report, name) }),
          () => callback({ code: GRPC_STATUS.INTERNAL, details: 'internal error' }),
        );
      },
      watch: (call) => this.#watch(call),
      list: (_call, callback) => {
        this.#health.run().then(
          (report) => {
            const statuses = Object.fromEntries(
              this.#services.names.map((name) => [name, { status: this.#statusIn(report, name) }]),
            );
            callback(null, { statuses });
          },
          () => callback({ code: GRPC_STATUS.INTERNAL, details: 'internal error' }),
        );
      },
    };
  }

  /** Every service name answered: `''`, each check's name, then each group's name. */
  get services(): readonly string[] {
    return this.#services.names;
  }

  /** How many `Watch` calls are open now. */
  get watchCount(): number {
    return this.#hub.size;
  }

  /** Whether the shared poller's (unref'd) timer is armed; only while a `Watch` call is open. */
  get polling(): boolean {
    return this.#hub.polling;
  }

  /**
   * Adds the `grpc.health.v1.Health` service to a `@grpc/grpc-js` `Server` (before or
   * after `bindAsync`). May be called for several servers.
   *
   * @throws whatever `server.addService` throws, e.g. when the server already has a
   *   health service.
   */
  addToServer(server: GrpcServerLike): void {
    server.addService(this.#definition, this.#implementation);
  }

  /**
   * Ends every open `Watch` call (status OK, so clients watch again with backoff) and
   * releases the poller and the runner listeners. Call it after the drain delay and before
   * `server.tryShutdown()`, which otherwise waits for the open streams. Later `Watch`
   * calls fail with `UNAVAILABLE`; `Check` and `List` keep answering. Idempotent.
   */
  close(): void {
    this.#closed = true;
    this.#hub.close();
  }

  #watch(call: GrpcWatchCall): void {
    if (this.#closed || this.#hub.size >= this.#maxWatches) {
      call.emit(
        'error',
        this.#closed
          ? { code: GRPC_STATUS.UNAVAILABLE, details: 'health service closed' }
          : {
              code: GRPC_STATUS.RESOURCE_EXHAUSTED,
              details: `too many Watch calls (maxWatches ${this.#maxWatches})`,
            },
      );
      return;
    }
    const watcher: Watcher = {
      service: call.request?.service ?? '',
      send: (status: GrpcServingStatus) => {
        if (!call.cancelled) call.write({ status });
      },
      end: () => call.end(),
    };
    const leave = () => this.#hub.delete(watcher);
    call.on('cancelled', leave);
    call.on('close', leave);
    if (!call.cancelled) this.#hub.add(watcher);
  }

  #statusIn(report: HealthReport, name: string): 'SERVING' | 'NOT_SERVING' {
    const shuttingDown = this.#health.shuttingDown;
    return (
      this.#services.status(name, (check) => ownComponent(report, check), shuttingDown) ??
      'NOT_SERVING'
    );
  }
}

function unknownService(name: string): string {
  const shown = name.length > 100 ? `${name.slice(0, 99)}…` : name;
  return `unknown service ${JSON.stringify(shown)}`;
}

/**
 * Serves the standard gRPC health protocol (`grpc.health.v1.Health`: `Check`, `Watch`,
 * `List`) from the same runner as the HTTP probes, for Kubernetes `grpc:` probes,
 * `grpc_health_probe` and service meshes. It does not start a server: add it to yours.
 *
 * Services: `''` is the whole server (the runner's aggregate), each check is a service by
 * its name, and `options.services` adds named groups of checks. UP and DEGRADED are
 * `SERVING`; DOWN, and everything once the runner is shutting down, are `NOT_SERVING`.
 * The set of services is fixed here: an unknown name stays unknown.
 *
 * Needs the optional peer dependencies `@grpc/grpc-js` (your server) and
 * `grpc-health-check` ^2.1.0 (its `health.proto` service definition), loaded by this call
 * and never by importing `health-probes`.
 *
 * @param health - the {@link Health} from `createHealth()`.
 * @param options - see {@link GrpcHealthOptions}; not modified, may be frozen.
 * @returns a {@link GrpcHealthService}.
 * @throws {HealthOptionsError} (code `ERR_HEALTH_OPTIONS`) for an invalid option, naming
 *   it: an unknown key, a group naming an unknown check, a group named `''` or like a check.
 * @throws {MissingPeerError} (code `ERR_HEALTH_MISSING_PEER`) when `grpc-health-check`
 *   cannot be loaded.
 *
 * @example
 * import * as grpc from '@grpc/grpc-js';
 *
 * const server = new grpc.Server();
 * grpcHealth(health, { services: { 'shop.v1.Orders': ['database', 'cache'] } }).addToServer(server);
 * server.bindAsync('0.0.0.0:50051', grpc.ServerCredentials.createInsecure(), () => {});
 */
export function grpcHealth(health: Health, options: GrpcHealthOptions = {}): GrpcHealthService {
  return new GrpcHealthService(health, options);
}

// Own keys only: a check named `toString` not in the report is not Object.prototype's.
function ownComponent(report: HealthReport, check: string): ComponentReport | undefined {
  return Object.hasOwn(report.components, check) ? report.components[check] : undefined;
}
