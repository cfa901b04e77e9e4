import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import {
  abandonConnects,
  CHANNEL_OPTIONS,
  decodeResponse,
  encodeRequest,
  HEALTH_CHECK,
  loadGrpc,
  SERVING_STATUSES,
  type GrpcClient,
} from './grpc-peer.js';
import { elapsedMs } from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const grpcSchema = z.lazy(() =>
  checkTuningSchema.extend({
    address: z.string().min(1),
    service: z.string().optional(),
    credentials: z
      .custom<object>((v) => typeof v === 'object' && v !== null, {
        message: 'expected channel credentials from @grpc/grpc-js (grpc.credentials.*)',
      })
      .optional(),
  }),
);

/**
 * Options of {@link grpc}.
 *
 * - `address`: the upstream's target, e.g. `'orders.internal:50051'` or `'dns:///orders:50051'`.
 *   Required.
 * - `service`: the service name to ask about. Defaults to `''`, the server as a whole.
 * - `credentials`: channel credentials from `@grpc/grpc-js` (`grpc.credentials.createSsl()`).
 *   Defaults to `grpc.credentials.createInsecure()`.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type GrpcOptions = z.input<typeof grpcSchema>;

/**
 * Checks another gRPC service through its standard health service: one
 * `grpc.health.v1.Health/Check` call for `service`, UP when it answers `SERVING`, DOWN for
 * `NOT_SERVING`, `SERVICE_UNKNOWN`, `UNKNOWN` or a failed call (the gRPC status is in the
 * message, e.g. `'14 UNAVAILABLE: ...'`).
 *
 * Needs the optional peer dependency `@grpc/grpc-js`, loaded by this call (never by
 * importing `health-probes`). The channel is opened on the first run and kept while the
 * upstream answers `SERVING`; after any other result, and on timeout (the call is
 * cancelled), it is closed and the next run opens a new one, so no connection is left
 * wedged and recovery does not wait for the channel's reconnect back-off. The channel has
 * a subchannel pool of its own (`grpc.use_local_subchannel_pool`): one connection of the
 * check's, not shared with the application's channels to the same address.
 * `health.close()` closes it.
 *
 * Details: `address`, `service`, `servingStatus` (when answered), `latencyMs`.
 *
 * @throws {HealthOptionsError} when `address` is missing or an option is invalid.
 * @throws {MissingPeerError} when `@grpc/grpc-js` cannot be loaded.
 * @example
 * createHealth({ checks: { orders: checks.grpc({ address: 'orders:50051', service: 'shop.v1.Orders' }) } });
 */
export function grpc(options: GrpcOptions): CheckDefinition {
  const {
    address,
    service = '',
    credentials,
    ...tuning
  } = parseOptions('checks.grpc()', grpcSchema, options);
  const grpcJs = loadGrpc();
  const channelCredentials = credentials ?? grpcJs.credentials.createInsecure();
  let client: GrpcClient | undefined;
  // Closes `which` if it is still the channel in use (a late callback never closes a newer one).
  const drop = (which = client) => {
    if (which === undefined || which !== client) return;
    abandonConnects(which);
    which.close();
    client = undefined;
  };
  return {
    ...pickTuning(tuning),
    check: function grpcCheck({ signal }): Promise<CheckResult> {
      const startedAt = performance.now();
      const current = (client ??= new grpcJs.Client(address, channelCredentials, CHANNEL_OPTIONS));
      return new Promise<CheckResult>((resolve, reject) => {
        const onAbort = () => {
          call.cancel();
          drop(current);
          reject(signal.reason as Error);
        };
        const call = current.makeUnaryRequest(
          HEALTH_CHECK,
          encodeRequest,
          decodeResponse,
          service,
          (error, status = 0) => {
            signal.removeEventListener('abort', onAbort);
            if (signal.aborted) return;
            const details = { address, service, latencyMs: elapsedMs(startedAt) };
            if (error !== null) {
              drop(current);
              resolve({
                status: 'DOWN',
                message: `Check failed: ${describeError(error)}`,
                details,
              });
              return;
            }
            const servingStatus = SERVING_STATUSES[status] ?? `status ${status}`;
            if (servingStatus !== 'SERVING') drop(current);
            resolve({
              status: servingStatus === 'SERVING' ? 'UP' : 'DOWN',
              ...(servingStatus === 'SERVING' ? {} : { message: `answered ${servingStatus}` }),
              details: { ...details, servingStatus },
            });
          },
        );
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    close: () => drop(),
  };
}
