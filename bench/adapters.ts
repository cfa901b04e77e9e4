// Adapter benchmark: liveness and cached readiness req/s through fastifyHealth against a
// bare Fastify route answering the same JSON, and through fetchHandler under
// @hono/node-server against a bare Hono route, all in one run. The servers run in a child
// process; the load (keep-alive raw sockets, one request in flight per connection) runs
// here, alternating the two contestants of a pair round by round so both see the same
// machine. Run: npm run build && npx tsx bench/adapters.ts [seconds per round] [framework]
import { fork, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROUNDS = 7;
const ROUND_S = Number(process.argv[2] ?? 2);
// Only the pairs whose framework contains this text (e.g. `Hono`); all of them by default.
const ONLY = process.argv[3] ?? '';
const WARMUP_S = 2;
const CONNECTIONS = 32;
const CHECKS = ['database', 'cache', 'queue'] as const;
const READY_BODY = {
  status: 'UP',
  components: Object.fromEntries(CHECKS.map((name) => [name, { status: 'UP' }])),
};

type Ports = Record<
  'fastifyHealth' | 'fastifyBare' | 'fastifyBareHeaders' | 'honoHealth' | 'honoBare',
  number
>;

// --- server role ------------------------------------------------------------------
async function serve(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Hono } = await import('hono');
  const { serve: honoServe } = await import('@hono/node-server');
  // The package by its own name: Node resolves it to the built dist/ through `exports`, and
  // type checking to lib/ through tsconfig's paths, so lint needs no build first.
  const { createHealth, fetchHandler } = await import('health-probes');
  const { fastifyHealth } = await import('health-probes/fastify');
  const checks = Object.fromEntries(CHECKS.map((name) => [name, () => true]));
  // A TTL longer than the run: readiness answers from the cache, as a probe mostly does.
  const health = createHealth({ cacheTtlMs: 3_600_000, checks });
  await health.run();

  const withHealth = Fastify();
  await withHealth.register(fastifyHealth, { health, prefix: '/health' });
  const bare = Fastify();
  bare.get('/health/live', () => ({ status: 'UP' }));
  bare.get('/health/ready', () => READY_BODY);
  // The bare route again, with the contract's two extra headers (no-store, nosniff): what
  // is left of the gap after it is the adapter's own cost.
  const bareHeaders = Fastify();
  for (const [path, body] of [
    ['/health/live', { status: 'UP' }],
    ['/health/ready', READY_BODY],
  ] as const) {
    bareHeaders.get(path, (_request, reply) => {
      void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
      return body;
    });
  }

  const honoApp = new Hono();
  const handler = fetchHandler(health, { fallback: (request) => honoApp.fetch(request) });
  const honoBare = new Hono();
  honoBare.get('/health/live', (c) => c.json({ status: 'UP' }));
  honoBare.get('/health/ready', (c) => c.json(READY_BODY));

  const listenHono = (fetch: (request: Request) => Response | Promise<Response>) =>
    new Promise<number>((resolve) => {
      honoServe({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    });
  const port = async (app: typeof bare) =>
    Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
  const ports: Ports = {
    fastifyHealth: await port(withHealth),
    fastifyBare: await port(bare),
    fastifyBareHeaders: await port(bareHeaders),
    honoHealth: await listenHono(handler),
    honoBare: await listenHono((request) => honoBare.fetch(request)),
  };
  process.send?.({ ports });
}

// --- load role --------------------------------------------------------------------
/** Where one complete response ends in `buffer`, or -1 while it is incomplete. */
function responseEnd(buffer: Buffer): number {
  const head = buffer.indexOf('\r\n\r\n');
  if (head === -1) return -1;
  const headers = buffer.subarray(0, head).toString('latin1').toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(headers);
  if (length !== null) {
    const end = head + 4 + Number(length[1]);
    return buffer.length >= end ? end : -1;
  }
  if (headers.includes('transfer-encoding: chunked')) {
    const last = buffer.indexOf('\r\n0\r\n\r\n', head);
    return last === -1 ? -1 : last + 7;
  }
  return head + 4;
}

/** Responses per second from `port` at `path` over `seconds`, `CONNECTIONS` at a time. */
async function load(port: number, path: string, seconds: number): Promise<number> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  let responses = 0;
  let bad = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          socket.setNoDelay(true);
          let pending: Buffer = Buffer.alloc(0);
          socket.on('connect', () => socket.write(request));
          socket.on('error', reject);
          socket.on('data', (chunk: Buffer) => {
            pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            let end = responseEnd(pending);
            while (end !== -1) {
              if (!pending.subarray(9, 12).equals(Buffer.from('200'))) bad++;
              responses++;
              pending = pending.subarray(end);
              if (performance.now() >= deadline) {
                socket.destroy();
                return resolve();
              }
              socket.write(request);
              end = responseEnd(pending);
            }
          });
        }),
    ),
  );
  if (bad > 0) throw new Error(`${bad} answers were not 200 from :${port}${path}`);
  return responses / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<Ports>((resolve) =>
    child.once('message', (message: { ports: Ports }) => resolve(message.ports)),
  );
  const pairs = [
    ['Fastify', 'liveness', '/health/live', ports.fastifyHealth, ports.fastifyBare],
    ['Fastify', 'cached readiness', '/health/ready', ports.fastifyHealth, ports.fastifyBare],
    [
      'Fastify, bare + 2 headers',
      'liveness',
      '/health/live',
      ports.fastifyHealth,
      ports.fastifyBareHeaders,
    ],
    [
      'Fastify, bare + 2 headers',
      'cached readiness',
      '/health/ready',
      ports.fastifyHealth,
      ports.fastifyBareHeaders,
    ],
    ['Hono (Fetch)', 'liveness', '/health/live', ports.honoHealth, ports.honoBare],
    ['Hono (Fetch)', 'cached readiness', '/health/ready', ports.honoHealth, ports.honoBare],
  ] as const;
  console.log(
    `${ROUNDS} alternating rounds of ${ROUND_S} s, ${CONNECTIONS} keep-alive connections, median req/s`,
  );
  console.log('| framework | probe | health-probes | bare route | ratio |');
  console.log('|---|---|---:|---:|---:|');
  try {
    for (const [framework, probe, path, healthPort, barePort] of pairs) {
      if (!framework.includes(ONLY)) continue;
      await load(healthPort, path, WARMUP_S);
      await load(barePort, path, WARMUP_S);
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate who goes first, so neither always runs on a warmer (or busier) machine.
        if (round % 2 === 0) {
          ours.push(await load(healthPort, path, ROUND_S));
          theirs.push(await load(barePort, path, ROUND_S));
        } else {
          theirs.push(await load(barePort, path, ROUND_S));
          ours.push(await load(healthPort, path, ROUND_S));
        }
      }
      const [a, b] = [median(ours), median(theirs)];
      console.log(
        `| ${framework} | ${probe} | ${Math.round(a)} | ${Math.round(b)} | ${(a / b).toFixed(2)}x |`,
      );
    }
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) void serve();
else await main();
