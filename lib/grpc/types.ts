// Structural types of the grpc-js objects this folder touches, so that no type of an optional
// peer dependency leaks into the published declarations.

/** Status codes of gRPC (`grpc/status.proto`) that the health service answers with. */
export const GRPC_STATUS = Object.freeze({
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
});

/**
 * A `grpc.health.v1.HealthCheckResponse.ServingStatus` as this service sends it:
 * `SERVING`, `NOT_SERVING`, or `SERVICE_UNKNOWN` (only on `Watch`, for an unknown name).
 */
export type GrpcServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** `grpc.health.v1.HealthCheckRequest`. */
export interface HealthCheckRequest {
  readonly service?: string | null;
}

/** `grpc.health.v1.HealthCheckResponse`. */
export interface HealthCheckResponse {
  readonly status: GrpcServingStatus;
}

/** `grpc.health.v1.HealthListResponse`. */
export interface HealthListResponse {
  readonly statuses: Readonly<Record<string, HealthCheckResponse>>;
}

/** The error a handler ends a call with: a gRPC status code and a message. */
export interface GrpcStatusError {
  readonly code: number;
  readonly details: string;
}

/** What the handlers read from a grpc-js unary call (`ServerUnaryCall`). */
export interface GrpcUnaryCall {
  readonly request: HealthCheckRequest | null;
}

/** The callback of a grpc-js unary call (`sendUnaryData`). */
export type GrpcUnaryCallback<Response> = (
  error: GrpcStatusError | null,
  value?: Response | null,
) => void;

/** What the `Watch` handler uses of a grpc-js server stream (`ServerWritableStream`). */
export interface GrpcWatchCall {
  readonly request: HealthCheckRequest | null;
  readonly cancelled: boolean;
  write(message: HealthCheckResponse): boolean;
  end(): void;
  on(event: 'cancelled' | 'close', listener: () => void): unknown;
  emit(event: 'error', error: GrpcStatusError): boolean;
}

/**
 * The `grpc.health.v1.Health` implementation handed to `server.addService()`. A type alias,
 * not an interface, so that it fits grpc-js' index-signature `UntypedServiceImplementation`.
 */
export type GrpcHealthImplementation = {
  check(call: GrpcUnaryCall, callback: GrpcUnaryCallback<HealthCheckResponse>): void;
  watch(call: GrpcWatchCall): void;
  list(call: GrpcUnaryCall, callback: GrpcUnaryCallback<HealthListResponse>): void;
};

/**
 * What `addToServer()` needs of a server: a `@grpc/grpc-js` `Server`
 * fits (or anything with its `addService(definition, implementation)`).
 */
export interface GrpcServerLike {
  addService(service: object, implementation: GrpcHealthImplementation): void;
}
