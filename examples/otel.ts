// OpenTelemetry metrics of the runner: `tsx examples/otel.ts`, then
// `curl localhost:9464/metrics` (the SDK's Prometheus exporter) and `curl localhost:3003/health`.
// In production the reader is usually an OTLP exporter to a collector instead.
import { metrics as otel } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import express from 'express';
import { createHealth, healthRouter, otelMetrics } from 'health-probes';

const exporter = new PrometheusExporter({ host: '127.0.0.1', port: 9464 });
const provider = new MeterProvider({ readers: [exporter] });
otel.setGlobalMeterProvider(provider);

const health = createHealth({
  checks: {
    config: () => process.env.FEATURE_FLAGS !== 'broken',
    cache: { check: () => ({ status: 'DEGRADED', message: 'hit ratio 40%' }), critical: false },
  },
});
// On the global meter provider's meter 'health-probes'; or pass { meter } of your own.
const telemetry = otelMetrics(health);

const app = express();
app.use('/health', healthRouter(health));
const port = Number(process.env.PORT ?? 3003);
const server = app.listen(port, '127.0.0.1', () => {
  console.log(
    `health on http://127.0.0.1:${port}/health, metrics on http://127.0.0.1:9464/metrics`,
  );
});

process.once('SIGTERM', () => {
  health.markShuttingDown();
  server.close(() => {
    telemetry.close();
    health.close();
    void provider.shutdown();
  });
});
