import { createRequire } from 'node:module';
import * as z from 'zod';
import { MissingPeerError } from '../errors.js';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
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

interface Call {
  cancel(): void;
}
interface GrpcClient {
  makeUnaryRequest(
    method: string,
    serialize: (value: string) => Buffer,
    deserialize: (bytes: Buffer) => number,
    argument: string,
    callback: (error: Error | null, value?: number) => void,
  ): Call;
  close(): void;
}
interface GrpcModule {
  Client: new (address: string, credentials: object) => GrpcClient;
  credentials: { createInsecure(): object };
}

const METHOD = '/grpc.health.v1.Health/Check';
const STATUSES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

// HealthCheckRequest { string service = 1; }, encoded by hand: no proto loader needed.
function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  const length: number[] = [];
  for (let n = name.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), name]);
}

// HealthCheckResponse { ServingStatus status = 1; }: the field's varint, 0 when absent.
function decodeResponse(bytes: Buffer): number {
  return bytes[0] === 0x08 && bytes.length > 1 ? (bytes[1] ?? 0) & 0x7f : 0;
}

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
 * wedged and recovery does not wait for the channel's reconnect back-off.
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
  const drop = () => {
    client?.close();
    client = undefined;
  };
  return {
    ...pickTuning(tuning),
    check: function grpcCheck({ signal }): Promise<CheckResult> {
      const startedAt = performance.now();
      const current = (client ??= new grpcJs.Client(address, channelCredentials));
      return new Promise<CheckResult>((resolve, reject) => {
        const onAbort = () => {
          call.cancel();
          drop();
          reject(signal.reason as Error);
        };
        const call = current.makeUnaryRequest(
          METHOD,
          encodeRequest,
          decodeResponse,
          service,
          (error, status = 0) => {
            signal.removeEventListener('abort', onAbort);
            if (signal.aborted) return;
            const details = { address, service, latencyMs: elapsedMs(startedAt) };
            if (error !== null) {
              drop();
              resolve({
                status: 'DOWN',
                message: `Check failed: ${describeError(error)}`,
                details,
              });
              return;
            }
            const servingStatus = STATUSES[status] ?? `status ${status}`;
            if (servingStatus !== 'SERVING') drop();
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
    close: drop,
  };
}

function loadGrpc(): GrpcModule {
  try {
    return createRequire(import.meta.url)('@grpc/grpc-js') as GrpcModule;
  } catch (error) {
    throw new MissingPeerError(
      'checks.grpc() needs the optional peer dependency `@grpc/grpc-js` (^1.10.0): npm install @grpc/grpc-js',
      '@grpc/grpc-js',
      { cause: error },
    );
  }
}
