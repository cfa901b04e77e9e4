// SSE fan-out benchmark: N concurrent stream clients (in one process) on one server (in
// another), both children of this script. Measures, for each N: check runs per poll
// interval, the time from a status change to each client receiving it (p50, p99, last
// client), and the server's RSS per client. Run: npx tsx bench/sse-fanout.ts [1000,5000]
//
// Each child raises its soft fd limit to the hard limit (`ulimit -n $(ulimit -Hn)`);
// a size needing more descriptors than that is skipped with a note.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHealth } from '../lib/index.js';
import { sseStream } from '../lib/middleware/sse-stream.js';

const POLL_SECONDS = 1;
const FLIPS = 6;
const HOLD_MS = 10_000;
const SETTLE_MS = 2_000;
const CONNECT_CONCURRENCY = 500;
const STEP_TIMEOUT_MS = 60_000;
const TOTAL_TIMEOUT_MS = 10 * 60_000;

type Status = 'UP' | 'DOWN';
type Message =
  | { type: 'ready'; port: number }
  | { type: 'rss'; rss: number; runs: number; polls: number }
  | { type: 'changed'; status: Status; at: number; writtenMs: number; cpuMs: number }
  | { type: 'connected'; open: number; failed: number; ms: number }
  | { type: 'seen'; status: Status; times: number[]; missing: number }
  | { type: 'count'; open: number; events: number };

const DATA = Buffer.from('data: {"status":"');
const BLANK_LINE = Buffer.from('\n\n');
const QUOTE = 0x22;
const now = () => performance.timeOrigin + performance.now();

// --- server role ------------------------------------------------------------------
function server(maxClients: number): void {
  let status: Status = 'UP';
  let runs = 0;
  const health = createHealth({
    // Just under the interval, so each poll runs the check exactly once (see README).
    cacheTtlMs: POLL_SECONDS * 900,
    checks: {
      dependency: () => {
        runs++;
        return { status, message: status === 'UP' ? 'ok' : 'unreachable' };
      },
    },
  });
  // Counts health.run() calls: once connected, only the shared poll calls it.
  let polls = 0;
  const run = health.run.bind(health);
  health.run = () => {
    polls++;
    return run();
  };
  health.on('change', (event) => {
    if (event.name !== '') return;
    const at = now();
    const cpu = process.cpuUsage();
    // The poll writes to every client synchronously after this event, and the corked
    // writes flush on the next tick: setImmediate runs once all of it is done.
    setImmediate(() => {
      const used = process.cpuUsage(cpu);
      send({
        type: 'changed',
        status: event.current as Status,
        at,
        writtenMs: now() - at,
        cpuMs: (used.user + used.system) / 1000,
      });
    });
  });
  const http = createServer(sseStream(health, { maxClients }));
  http.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    send({ type: 'ready', port: (http.address() as { port: number }).port });
  });
  process.on('message', (message: { type: string; status?: Status }) => {
    if (message.type === 'flip') status = message.status ?? 'UP';
    if (message.type === 'rss') {
      globalThis.gc?.();
      send({ type: 'rss', rss: process.memoryUsage.rss(), runs, polls });
    }
  });
}

// --- clients role -----------------------------------------------------------------
function clients(port: number, count: number): void {
  const sockets: Socket[] = [];
  const statuses: (string | undefined)[] = [];
  let events = 0;
  let expected: { status: Status; times: number[]; left: number } | undefined;

  const open = (index: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      let tail: Buffer | undefined;
      socket.once('connect', () => {
        socket.write(`GET /?poll_interval=${POLL_SECONDS} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      });
      // Bytes, not strings: the client process must not be what the latency measures.
      socket.on('data', (chunk: Buffer) => {
        const bytes = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
        const end = bytes.lastIndexOf(BLANK_LINE);
        tail = end === -1 ? bytes : end + 2 < bytes.length ? bytes.subarray(end + 2) : undefined;
        if (end === -1) return;
        let from = 0;
        for (;;) {
          const at = bytes.indexOf(DATA, from);
          if (at === -1 || at > end) break;
          from = at + DATA.length;
          const value = bytes.toString('latin1', from, bytes.indexOf(QUOTE, from));
          events++;
          if (statuses[index] === undefined) resolve(true);
          statuses[index] = value;
          if (expected !== undefined && value === expected.status && expected.times[index] === 0) {
            expected.times[index] = now();
            if (--expected.left === 0) report();
          }
        }
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => {
        resolve(false);
        statuses[index] = 'closed';
      });
      sockets[index] = socket;
    });

  const report = () => {
    if (expected === undefined) return;
    const { status, times, left } = expected;
    expected = undefined;
    send({ type: 'seen', status, times: times.filter((t) => t > 0), missing: left });
  };

  process.on('message', (message: { type: string; status?: Status }) => {
    if (message.type === 'expect') {
      expected = {
        status: message.status ?? 'UP',
        times: new Array<number>(count).fill(0),
        left: count,
      };
      setTimeout(report, 20_000).unref();
    }
    if (message.type === 'count') {
      send({
        type: 'count',
        open: statuses.filter((s) => s !== undefined && s !== 'closed').length,
        events,
      });
    }
  });

  void (async () => {
    const started = performance.now();
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < count) if (!(await open(next++))) failed++;
    };
    await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
    send({ type: 'connected', open: count - failed, failed, ms: performance.now() - started });
  })();
}

// --- orchestrator -----------------------------------------------------------------
function send(message: Message): void {
  process.send?.(message);
}

function child(role: 'server' | 'clients', args: string[]): ChildProcess {
  const script = fileURLToPath(import.meta.url);
  const node = [process.execPath, '--expose-gc', '--import', 'tsx', script, role, ...args];
  // Raise the soft fd limit to the hard one, then become node; the IPC fd survives exec.
  return spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...node], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function next<T extends Message['type']>(
  proc: ChildProcess,
  type: T,
): Promise<Extract<Message, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no '${type}' within ${STEP_TIMEOUT_MS} ms`)),
      STEP_TIMEOUT_MS,
    );
    const listener = (message: Message) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      proc.off('message', listener);
      resolve(message as Extract<Message, { type: T }>);
    };
    proc.on('message', listener);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function measure(count: number) {
  const server = child('server', [String(count + 100)]);
  let clientsProc: ChildProcess | undefined;
  try {
    const { port } = await next(server, 'ready');
    server.send({ type: 'rss' });
    const base = await next(server, 'rss');
    clientsProc = child('clients', [String(port), String(count)]);
    const connected = await next(clientsProc, 'connected');
    // Settle (the clients' first runs refreshed the cache until the last one connected),
    // then hold: count check runs and polls over whole poll intervals.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    server.send({ type: 'rss' });
    const held = await next(server, 'rss');
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    server.send({ type: 'rss' });
    const after = await next(server, 'rss');
    const runs = after.runs - held.runs;
    const polls = after.polls - held.polls;

    const latencies: number[] = [];
    const lastClient: number[] = [];
    const written: number[] = [];
    const cpu: number[] = [];
    let missing = 0;
    for (let flip = 0; flip < FLIPS; flip++) {
      const status: Status = flip % 2 === 0 ? 'DOWN' : 'UP';
      clientsProc.send({ type: 'expect', status });
      const seen = next(clientsProc, 'seen');
      const changed = next(server, 'changed');
      server.send({ type: 'flip', status });
      const [change, arrival] = await Promise.all([changed, seen]);
      const delays = arrival.times.map((t) => t - change.at);
      latencies.push(...delays);
      lastClient.push(Math.max(...delays));
      written.push(change.writtenMs);
      cpu.push(change.cpuMs);
      missing += arrival.missing;
    }
    clientsProc.send({ type: 'count' });
    const final = await next(clientsProc, 'count');
    latencies.sort((a, b) => a - b);
    lastClient.sort((a, b) => a - b);
    return {
      count,
      open: final.open,
      failed: connected.failed,
      connectMs: connected.ms,
      runs,
      polls,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      last: lastClient.at(-1) ?? NaN,
      missing,
      writtenMs: Math.max(...written),
      cpuMs: cpu.sort((a, b) => a - b)[Math.floor(cpu.length / 2)] ?? NaN,
      rssPerClientKb: (held.rss - base.rss) / count / 1024,
      rssMb: held.rss / 2 ** 20,
    };
  } finally {
    clientsProc?.kill('SIGKILL');
    server.kill('SIGKILL');
  }
}

async function main() {
  const sizes = (process.argv[2] ?? '1000,5000,10000').split(',').map(Number);
  const hard = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim());
  console.log(
    `node ${process.version}, fd hard limit ${hard}, poll_interval=${POLL_SECONDS}, ${FLIPS} status flips per size, ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)}`,
  );
  const deadline = setTimeout(() => {
    console.error(`gave up after ${TOTAL_TIMEOUT_MS} ms`);
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  const rows: string[] = [];
  for (const count of sizes) {
    if (Number.isFinite(hard) && count + 200 > hard) {
      rows.push(
        `| ${count} | skipped: needs \`ulimit -n\` of ${count + 200}, hard limit is ${hard} |`,
      );
      continue;
    }
    const r = await measure(count);
    const row = `| ${r.count} | ${r.open} (connect ${(r.connectMs / 1000).toFixed(1)} s) | ${r.runs} runs / ${r.polls} polls | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.last)} | ${ms(r.writtenMs)} (CPU ${ms(r.cpuMs)}) | ${r.rssPerClientKb.toFixed(1)} kB (${r.rssMb.toFixed(0)} MB total) |`;
    console.log(
      row + (r.missing > 0 || r.failed > 0 ? ` missing ${r.missing}, failed ${r.failed}` : ''),
    );
    rows.push(row);
  }
  clearTimeout(deadline);
  console.log(`load average after: ${loadavg()[0]!.toFixed(2)}`);
  console.log(
    '\n| clients | held | check runs / polls in 10 s | fan-out p50 | fan-out p99 | last client (worst flip) | server write pass: worst wall (median CPU) | server RSS per client |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

const [role, ...args] = process.argv.slice(2);
if (role === 'server') server(Number(args[0]));
else if (role === 'clients') clients(Number(args[0]), Number(args[1]));
else await main();
