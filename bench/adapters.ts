// Adapter benchmark: liveness and cached readiness req/s through fastifyHealth against a
// bare Fastify route answering the same JSON, and through fetchHandler under
// @hono/node-server against a bare Hono route.
//
// Each pair is a server process of its own (pinned to CPU 0) holding both apps, loaded from
// this process (pinned to CPU 1) one app at a time, the two alternating round by round
// (who goes first alternates too), so both see the same machine and the same JIT state.
// Each round also reads the server's CPU time: CPU per response is the second figure. The
// figures are medians of the per-round ratios with their interquartile range, and an A/A
// pair (the bare Fastify app against a copy of itself) shows the spread of the method
// when nothing differs. (Two servers loaded at once on one CPU are not a fair race: in an
// A/A run one of two identical servers took 0.77x of the other's req/s, round after round.)
//
// Run: npm run build && npx tsx bench/adapters.ts [seconds per round] [rounds] [pair filter]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pinning } from './harness/processes.js';

const ROUND_S = Number(process.argv[2] ?? 1);
// Many short rounds: on a shared machine one round can be 15 % off, the median of 31 is not.
const ROUNDS = Number(process.argv[3] ?? 31);
// Only the pairs whose name contains this text (e.g. `Hono`); all of them by default.
const ONLY = process.argv[4] ?? '';
const WARMUP_S = 2;
const CONNECTIONS = 32;
const CHECKS = ['database', 'cache', 'queue'] as const;
const READY_BODY = {
  status: 'UP',
  components: Object.fromEntries(CHECKS.map((name) => [name, { status: 'UP' }])),
};

// --- server role ------------------------------------------------------------------
/** Each server of the benchmark: builds its app, listens on a free port, returns it. */
const SERVERS = {
  async fastifyHealth() {
    const { default: Fastify } = await import('fastify');
    const { fastifyHealth } = await import('health-probes/fastify');
    const app = Fastify();
    await app.register(fastifyHealth, { health: await cachedHealth(), prefix: '/health' });
    return listenFastify(app);
  },
  async fastifyBare() {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.get('/health/live', () => ({ status: 'UP' }));
    app.get('/health/ready', () => READY_BODY);
    return listenFastify(app);
  },
  // The bare route again, with the contract's two extra headers (no-store, nosniff): what
  // is left of the gap after it is the adapter's own cost.
  async fastifyBareHeaders() {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    for (const [path, body] of [
      ['/health/live', { status: 'UP' }],
      ['/health/ready', READY_BODY],
    ] as const) {
      app.get(path, (_request, reply) => {
        void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
        return body;
      });
    }
    return listenFastify(app);
  },
  async honoHealth() {
    const { Hono } = await import('hono');
    const { fetchHandler } = await import('health-probes');
    const app = new Hono();
    const health = await cachedHealth();
    return listenHono(fetchHandler(health, { fallback: (request) => app.fetch(request) }));
  },
  async honoBare() {
    const { Hono } = await import('hono');
    const app = new Hono();
    app.get('/health/live', (c) => c.json({ status: 'UP' }));
    app.get('/health/ready', (c) => c.json(READY_BODY));
    return listenHono((request) => app.fetch(request));
  },
} satisfies Record<string, () => Promise<number>>;
type ServerName = keyof typeof SERVERS;

/** A runner of three instant checks whose report stays cached for the whole run. */
async function cachedHealth() {
  // The package by its own name: Node resolves it to the built dist/ through `exports`, and
  // type checking to lib/ through tsconfig's paths, so lint needs no build first.
  const { createHealth } = await import('health-probes');
  const checks = Object.fromEntries(CHECKS.map((name) => [name, () => true]));
  // A TTL longer than the run: readiness answers from the cache, as a probe mostly does.
  const health = createHealth({ cacheTtlMs: 3_600_000, checks });
  await health.run();
  return health;
}

async function listenFastify(app: { listen: (o: object) => Promise<string> }) {
  return Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
}

async function listenHono(fetch: (request: Request) => Response | Promise<Response>) {
  const { serve } = await import('@hono/node-server');
  return new Promise<number>((resolve) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
}

async function serve(names: readonly ServerName[]): Promise<void> {
  const ports: number[] = [];
  for (const name of names) ports.push(await SERVERS[name]());
  // The parent asks for the CPU time used so far before and after each round.
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  });
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

/** Responses and their rate from `port` at `path` over `seconds`, `CONNECTIONS` at a time. */
async function load(
  port: number,
  path: string,
  seconds: number,
): Promise<{ responses: number; perSecond: number }> {
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
  return { responses, perSecond: responses / ((performance.now() - started) / 1000) };
}

/** The value at fraction `q` (0 to 1) of `values` sorted, nearest rank. */
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const median = (values: number[]) => quantile(values, 0.5);
/** The median of per-round ratios with their interquartile range: `0.97x (0.94-1.01)`. */
const ratio = (values: number[]) =>
  `${median(values).toFixed(2)}x (${quantile(values, 0.25).toFixed(2)}-${quantile(values, 0.75).toFixed(2)})`;

/** The server process of one pair, pinned to the server CPU. */
class Server {
  /** The port of each app, in the order they were named. */
  readonly ports: readonly number[];
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, ports: readonly number[]) {
    this.#child = child;
    this.ports = ports;
  }

  static async start(names: readonly ServerName[], prefix: readonly string[]): Promise<Server> {
    const [command, ...args] = [...prefix, process.execPath];
    const child = spawn(
      command,
      [...args, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', names.join(',')],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('message', (message: { ports: number[] }) => resolve(message.ports));
      child.once('exit', (code) => reject(new Error(`server ${names.join(',')} exited (${code})`)));
    });
    return new Server(child, ports);
  }

  /** The server's CPU time so far (user + system), in microseconds, asked over IPC. */
  cpuMicros(): Promise<number> {
    return new Promise((resolve) => {
      this.#child.once('message', (message: { cpuMicros: number }) => resolve(message.cpuMicros));
      this.#child.send('cpu');
    });
  }

  /** One round on one app: its req/s, and the CPU time per response in microseconds. */
  async round(port: number, path: string, seconds: number) {
    const before = await this.cpuMicros();
    const { responses, perSecond } = await load(port, path, seconds);
    return { perSecond, cpuPerResponse: ((await this.cpuMicros()) - before) / responses };
  }

  stop(): void {
    this.#child.removeAllListeners('exit');
    this.#child.kill();
  }
}

const PAIRS: readonly (readonly [
  pair: string,
  probe: string,
  path: string,
  ours: ServerName,
  bare: ServerName,
])[] = [
  ['Fastify', 'liveness', '/health/live', 'fastifyHealth', 'fastifyBare'],
  ['Fastify', 'cached readiness', '/health/ready', 'fastifyHealth', 'fastifyBare'],
  ['Fastify, bare + 2 headers', 'liveness', '/health/live', 'fastifyHealth', 'fastifyBareHeaders'],
  [
    'Fastify, bare + 2 headers',
    'cached readiness',
    '/health/ready',
    'fastifyHealth',
    'fastifyBareHeaders',
  ],
  ['Hono (Fetch)', 'liveness', '/health/live', 'honoHealth', 'honoBare'],
  ['Hono (Fetch)', 'cached readiness', '/health/ready', 'honoHealth', 'honoBare'],
  ['A/A: bare Fastify against itself', 'liveness', '/health/live', 'fastifyBare', 'fastifyBare'],
];

async function main(): Promise<void> {
  const pin = pinning();
  // This process is the load generator: on its CPU, all its threads.
  if (pin.load.length > 0) {
    spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  }
  console.log(
    `${ROUNDS} alternating rounds of ${ROUND_S} s, ${CONNECTIONS} keep-alive connections; ${pin.description}`,
  );
  console.log(
    'medians: req/s, and server CPU per response in µs; ratios: the median of the per-round ratios, their interquartile range in brackets (CPU: bare over ours, above 1 is cheaper than the bare route)',
  );
  console.log(
    '| pair | probe | health-probes req/s | bare req/s | req/s ratio | health-probes µs | bare µs | CPU ratio |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const [pair, probe, path, oursName, bareName] of PAIRS) {
    if (!pair.includes(ONLY)) continue;
    // A fresh process for every pair: no pair inherits another's JIT state or heap.
    const server = await Server.start([oursName, bareName], pin.server);
    const [oursPort = 0, barePort = 0] = server.ports;
    try {
      await load(oursPort, path, WARMUP_S);
      await load(barePort, path, WARMUP_S);
      type Round = Awaited<ReturnType<Server['round']>>;
      const rounds: { ours: Round; bare: Round }[] = [];
      for (let index = 0; index < ROUNDS; index++) {
        // Alternate who goes first, so neither always runs on a warmer (or busier) machine.
        if (index % 2 === 0) {
          const ours = await server.round(oursPort, path, ROUND_S);
          rounds.push({ ours, bare: await server.round(barePort, path, ROUND_S) });
        } else {
          const bare = await server.round(barePort, path, ROUND_S);
          rounds.push({ ours: await server.round(oursPort, path, ROUND_S), bare });
        }
      }
      const cells = [
        Math.round(median(rounds.map((r) => r.ours.perSecond))),
        Math.round(median(rounds.map((r) => r.bare.perSecond))),
        ratio(rounds.map((r) => r.ours.perSecond / r.bare.perSecond)),
        median(rounds.map((r) => r.ours.cpuPerResponse)).toFixed(1),
        median(rounds.map((r) => r.bare.cpuPerResponse)).toFixed(1),
        ratio(rounds.map((r) => r.bare.cpuPerResponse / r.ours.cpuPerResponse)),
      ];
      console.log(`| ${pair} | ${probe} | ${cells.join(' | ')} |`);
    } finally {
      server.stop();
    }
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex !== -1) {
  void serve((process.argv[serveIndex + 1] ?? '').split(',') as ServerName[]);
} else await main();
