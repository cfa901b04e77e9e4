// A real health-probes server for the proxy and monitoring recipes: a health whose status the
// test sets (UP, DEGRADED, DOWN) and an app that answers every other path with its own name,
// so a test behind a proxy can tell which backend served a request.
import { createHealth, withHealth } from '../../lib/index.js';
import { listen, type TestServer } from './server.js';

export type FlipStatus = 'UP' | 'DEGRADED' | 'DOWN';

export interface FlipBackend {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Sets what `/health/ready` answers from the next request on (nothing is cached). */
  set(status: FlipStatus): void;
  /** How many `/health/ready` requests (the proxy's or monitor's probes) it has answered. */
  readonly readinessRequests: number;
  close(): Promise<void>;
}

/**
 * Serves `/health/*` (withHealth) and, on every other path, `200 <name>` with
 * `Cache-Control: no-store`. Two checks, so DEGRADED is the real thing: `database` (critical)
 * is DOWN only when the status is DOWN; `cache` (non-critical) is DOWN when the status is
 * DEGRADED or DOWN. A DEGRADED readiness body therefore contains a component
 * `"status":"UP"`, the trap an unanchored body pattern falls into.
 */
export async function flipBackend(name: string): Promise<FlipBackend> {
  let status: FlipStatus = 'UP';
  const health = createHealth({
    cacheTtlMs: 0,
    checks: {
      database: () => (status === 'DOWN' ? { status: 'DOWN', message: 'flipped DOWN' } : true),
      cache: {
        critical: false,
        check: () => (status === 'UP' ? true : { status: 'DOWN', message: 'flipped' }),
      },
    },
  });
  const listener = withHealth((_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'text/plain');
    res.end(name);
  }, health);
  let readinessRequests = 0;
  const server: TestServer = await listen((req, res) => {
    if (req.url?.split('?')[0] === '/health/ready') {
      res.once('finish', () => readinessRequests++);
    }
    listener(req, res);
  });
  return {
    name,
    port: server.port,
    url: server.url,
    address: `127.0.0.1:${server.port}`,
    set(next) {
      status = next;
    },
    get readinessRequests() {
      return readinessRequests;
    },
    async close() {
      health.close();
      await server.close();
    },
  };
}
