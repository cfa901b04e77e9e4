// A service with a health stream, run as a child process by __tests__/sse-stream.test.ts:
// prints its port, and on SIGTERM closes the runner and the server, nothing else. It must
// then exit by itself while a stream client is still connected.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHealth, healthRouter } from '../../lib/index.js';

const health = createHealth({ checks: { app: () => true } });
const server = createServer(healthRouter(health));
// Far beyond the test's bound: an ended stream's socket kept alive would hold the exit.
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  health.close();
  server.close();
});
