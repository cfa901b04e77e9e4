import { healthRouter, type Health } from '../../lib/index.js';
import { listen, type TestServer } from './server.js';

/** What `/ready` answered, and how long it took in milliseconds. */
export interface ReadyAnswer {
  readonly status: number;
  readonly body: {
    status: string;
    components: Record<string, { status: string; message?: string }>;
  };
  readonly elapsedMs: number;
  /** The component's message, when the body has one for `name`. */
  message(name: string): string | undefined;
}

/** `health` served by `healthRouter` on a real HTTP server; `ready()` GETs `/ready`. */
export interface ReadinessServer {
  readonly server: TestServer;
  ready(): Promise<ReadyAnswer>;
  close(): Promise<void>;
}

export async function serveReadiness(health: Health): Promise<ReadinessServer> {
  const server = await listen(healthRouter(health));
  return {
    server,
    ready: async () => {
      const startedAt = performance.now();
      const response = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(15_000) });
      const body = (await response.json()) as ReadyAnswer['body'];
      const elapsedMs = performance.now() - startedAt;
      return {
        status: response.status,
        body,
        elapsedMs,
        message: (name) => body.components[name]?.message,
      };
    },
    close: () => server.close(),
  };
}
