/** Runner: createHealth() and the Health it returns. */
export {
  createHealth,
  Health,
  SHUTTING_DOWN_MESSAGE,
  type HistoryOptions,
  type RunOptions,
} from './runner/health.js';
/** Options of createHealth() and their defaults. */
export { HEALTH_DEFAULTS, type HealthLogger, type HealthOptions } from './runner/options.js';
/** The defaults of a check's behaviour over time (thresholds, stale window, back-off). */
export { CHECK_TIME_DEFAULTS } from './runner/check-options.js';
/** The cap on a check's details, in bytes of JSON. */
export { MAX_DETAILS_BYTES } from './runner/snapshot.js';
/** Checks, results and reports. */
export type {
  Check,
  CheckContext,
  CheckDefinition,
  CheckFunction,
  CheckResult,
  CheckReturn,
  CheckRunReport,
  CheckSettledValue,
  BackoffOptions,
  PendingTransition,
  ComponentReport,
  HealthReport,
} from './runner/types.js';
/** Events of a Health: status transitions and shutdown. */
export type {
  CheckOutcome,
  HealthChangeEvent,
  HealthCheckEvent,
  HealthEvents,
  HealthFlappingEvent,
  HealthRegistrationEvent,
} from './runner/events.js';
/** History: runs, transitions, uptime and flapping per check. */
export {
  HISTORY_DEFAULTS,
  type CheckHistorySnapshot,
  type HealthHistory,
  type Uptime,
} from './runner/check-history.js';
export type { RunColumns } from './runner/run-ring.js';
export type { Transition, UptimeShare } from './runner/timeline.js';
/** The reason a check's AbortSignal carries on timeout. */
export { CheckTimeoutError } from './runner/execute.js';
/** Statuses and their HTTP mapping. */
export {
  DEFAULT_STATUS_CODES,
  HEALTH_STATUSES,
  worstStatus,
  type HealthStatus,
  type StatusCodes,
} from './status.js';
/** The errors: an invalid option at construction, a missing optional peer dependency. */
export { HealthOptionsError, MissingPeerError } from './errors.js';
/** Built-in checks: system resources, and dependencies through structural driver types. */
export * as checks from './checks/index.js';
/** The handler type and the options shared by the probes. */
export type { HealthHandler } from './http/types.js';
export type { ProbeOptions } from './http/probe-options.js';
export type { CorsOption } from './http/cors.js';
export type { FormatName } from './http/request.js';
export type { ShowDetails } from './http/show-details.js';
/** Every response format, each with the zod schema of its body. */
export { detailedBodySchema, probeBodySchema, type ProbeBody } from './format/components.js';
export {
  HEALTH_JSON_CONTENT_TYPE,
  healthJsonSchema,
  type HealthJson,
  type HealthJsonMeta,
} from './format/health-json.js';
export { servicekitBodySchema, type ServicekitBody } from './format/servicekit.js';
/** The middlewares, one per probe. */
export { liveness } from './middleware/liveness.js';
export { readiness, type ReadinessOptions } from './middleware/readiness.js';
export { startup } from './middleware/startup.js';
export { detailed } from './middleware/detailed.js';
/** The history of every check over time: runs, transitions, uptime, flapping. */
export { history, HISTORY_OFF, type HistoryHandlerOptions } from './middleware/history.js';
export {
  checkHistoryBodySchema,
  historyBodySchema,
  historyEventSchema,
  type HistoryBody,
  type HistoryEvent,
} from './format/history.js';
/** Live health: the SSE stream, its options and stats, and the dashboard page. */
export { sseStream, type SseStreamHandler } from './middleware/sse-stream.js';
export { STREAM_DEFAULTS, type StreamOptions } from './stream/options.js';
export type { StreamStats } from './stream/hub.js';
export type { StreamTimers } from './stream/timers.js';
/** The injectable timer functions of the stream and the shutdown sequence. */
export type { Timers } from './timers.js';
export { dashboard, DASHBOARD_DEFAULTS, type DashboardOptions } from './middleware/dashboard.js';
/** All of them under one path. */
export { healthRouter, type HealthRouterOptions } from './router.js';
/** The probe fast path: health paths answered before the app. */
export {
  DEFAULT_HEALTH_PREFIX,
  withHealth,
  type HealthFastPathApp,
  type WithHealthOptions,
} from './with-health.js';
/** The Fetch API handler (Hono, Bun, Deno, Next.js): the same contract, no node:http type. */
export { fetchHandler, type FetchHandlerOptions, type FetchHealthHandler } from './fetch.js';
/** gRPC health (grpc.health.v1 Check/Watch/List) from the same runner; loads grpc-health-check only when called. */
export { grpcHealth, GrpcHealthService } from './grpc/grpc-health.js';
export { GRPC_HEALTH_DEFAULTS, type GrpcHealthOptions } from './grpc/options.js';
export type { GrpcServerLike, GrpcServingStatus } from './grpc/types.js';
/** Graceful shutdown: readiness flip, drain, close, hooks, exit. */
export {
  gracefulShutdown,
  type GracefulShutdown,
  type ShutdownPhase,
  type ShutdownResult,
} from './shutdown/graceful-shutdown.js';
export type { ShutdownServer } from './shutdown/connections.js';
export {
  SHUTDOWN_DEFAULTS,
  SHUTDOWN_SIGNALS,
  type GracefulShutdownOptions,
  type ShutdownHook,
  type ShutdownHookContext,
  type ShutdownSignal,
} from './shutdown/options.js';
export type { ShutdownTimers } from './shutdown/timers.js';
/** Prometheus metrics through prom-client (an optional peer, loaded when metrics() is called). */
export {
  metrics,
  METRICS_DEFAULTS,
  type HealthMetrics,
  type MetricsOptions,
} from './metrics/metrics.js';
export { DURATION_BUCKETS_SECONDS, METRIC_NAMES, STATUS_VALUES } from './metrics/instruments.js';
export type { MetricsRegistry } from './metrics/prom-client.js';
/** OpenTelemetry metrics through @opentelemetry/api (an optional peer, loaded when otelMetrics() is called). */
export {
  OTEL_ATTRIBUTES,
  OTEL_METER_NAME,
  OTEL_METRIC_NAMES,
  otelMetrics,
  type HealthOtelMetrics,
  type OtelMetricsOptions,
} from './metrics/otel.js';
export type { OtelMeter } from './metrics/otel-api.js';
/** The health file for Kubernetes exec probes and sidecars. */
export {
  writeHealthFile,
  HEALTH_FILE_DEFAULTS,
  type HealthFile,
  type HealthFileOptions,
} from './health-file.js';
