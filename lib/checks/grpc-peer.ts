import { createRequire } from 'node:module';
import { MissingPeerError } from '../errors.js';

// What checks.grpc needs of @grpc/grpc-js, and the two protobuf messages it exchanges,
// encoded by hand so that no proto loader is needed.

/** A call in flight. */
interface Call {
  cancel(): void;
}
/** What `checks.grpc` uses of a grpc-js `Client`. */
export interface GrpcClient {
  makeUnaryRequest(
    method: string,
    serialize: (value: string) => Buffer,
    deserialize: (bytes: Buffer) => number,
    argument: string,
    callback: (error: Error | null, value?: number) => void,
  ): Call;
  close(): void;
  getChannel?(): unknown;
}
/** What `checks.grpc` uses of the `@grpc/grpc-js` module. */
export interface GrpcModule {
  Client: new (address: string, credentials: object, options: object) => GrpcClient;
  credentials: { createInsecure(): object };
}

/** The health service's unary method (grpc/grpc health-checking protocol). */
export const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
// A subchannel pool of the check's own: closing the channel then closes its connection,
// a connect in progress included (the shared pool keeps both for reuse).
export const CHANNEL_OPTIONS = { 'grpc.use_local_subchannel_pool': 1 };
/** `ServingStatus` names by number, as health.proto numbers them. */
export const SERVING_STATUSES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

// HealthCheckRequest { string service = 1; }, encoded by hand: no proto loader needed.
export function encodeRequest(service: string): Buffer {
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
export function decodeResponse(bytes: Buffer): number {
  return bytes[0] === 0x08 && bytes.length > 1 ? (bytes[1] ?? 0) & 0x7f : 0;
}

interface PoolEntry {
  subchannel?: { connector?: { shutdown?: () => void } };
}

/**
 * grpc-js (1.14) never times out an HTTP/2 handshake the server does not answer, and
 * closing the channel leaves that connect running with its socket open. Before closing,
 * shut down the connectors of this channel's own subchannel pool. These are internal
 * fields, read defensively: if a version lays them out otherwise this does nothing (the
 * checks-grpc test would then see the socket left open).
 */
export function abandonConnects(client: GrpcClient): void {
  const channel = client.getChannel?.() as
    { internalChannel?: { subchannelPool?: { pool?: Record<string, PoolEntry[]> } } } | undefined;
  const pool = channel?.internalChannel?.subchannelPool?.pool;
  for (const entries of Object.values(pool ?? {})) {
    for (const entry of Array.isArray(entries) ? entries : []) {
      entry.subchannel?.connector?.shutdown?.();
    }
  }
}

/**
 * Loads `@grpc/grpc-js` from this package, only when `checks.grpc()` is called.
 *
 * @throws {MissingPeerError} when it cannot be loaded.
 */
export function loadGrpc(): GrpcModule {
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
