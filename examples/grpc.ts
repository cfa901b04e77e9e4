// HTTP health (healthRouter on Express) and gRPC health (grpc.health.v1) from one runner.
// `npx tsx examples/grpc.ts`, then:
//   curl localhost:3000/health/ready
//   grpc_health_probe -addr=localhost:50051                          # "" = the whole server
//   grpc_health_probe -addr=localhost:50051 -service=shop.v1.Orders  # a group of checks
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import express from 'express';
import { checks, createHealth, grpcHealth, healthRouter } from 'health-probes';

// Bind 0.0.0.0 in a container, so that the kubelet can reach the probes.
const host = process.env.HOST ?? '127.0.0.1';
const httpPort = Number(process.env.PORT ?? 3000);
const grpcPort = Number(process.env.GRPC_PORT ?? 50051);
const drainMs = Number(process.env.DRAIN_MS ?? 5000);

const health = createHealth({
  checks: {
    heap: checks.memory({ maxHeapRatio: 0.9 }),
    eventLoop: checks.eventLoopDelay({ maxP99Ms: 200, critical: false }),
    config: () => process.env.FEATURE_FLAGS !== 'broken',
  },
});

const app = express();
app.use('/health', healthRouter(health));
const httpServer = app.listen(httpPort, host, () => {
  console.log(`HTTP health on http://${host}:${(httpServer.address() as AddressInfo).port}/health`);
});

// Services: "" (every check), "heap", "eventLoop", "config", and the group below.
const grpcHealthService = grpcHealth(health, {
  services: { 'shop.v1.Orders': ['heap', 'config'] },
});
const grpcServer = new grpc.Server();
grpcHealthService.addToServer(grpcServer);
// ... grpcServer.addService(OrdersService, orders) for the app's own services.
const grpcAddress = `${host}:${grpcPort}`;
grpcServer.bindAsync(grpcAddress, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  const services = grpcHealthService.services.map((name) => JSON.stringify(name)).join(', ');
  console.log(`gRPC health on ${host}:${port}, services ${services}`);
});

process.once('SIGTERM', () => {
  // HTTP readiness answers 503 and every gRPC service NOT_SERVING, pushed to open Watch calls.
  health.markShuttingDown();
  setTimeout(() => {
    grpcHealthService.close(); // ends the Watch streams, which tryShutdown() would wait for
    grpcServer.tryShutdown(() => health.close());
    httpServer.close();
  }, drainMs);
});
