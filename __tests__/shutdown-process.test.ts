// gracefulShutdown() in a real child process (fixtures/shutdown-app.ts) on real time: real
// SIGTERM, real keep-alive load, real exit codes.
import { Agent, get } from 'node:http';
import { createParser } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnTs, type Child } from './fixtures/child.js';
import { delay, keepAliveAgents, request, runLoad, Tally, type Outcome } from './fixtures/load.js';

const APP = '__tests__/fixtures/shutdown-app.ts';
/** Slack for a loaded 2-core CI machine on every "within" bound. */
const MARGIN_MS = 1500;

const children: Child[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(children.splice(0).map((child) => child.stop()));
});

async function startApp(env: { DRAIN_DELAY_MS: number; TIMEOUT_MS: number }) {
  const child = spawnTs(APP, {
    DRAIN_DELAY_MS: String(env.DRAIN_DELAY_MS),
    TIMEOUT_MS: String(env.TIMEOUT_MS),
  });
  children.push(child);
  const line = await child.waitForLine((l) => l.startsWith('{"port"'), 20_000);
  const { port } = JSON.parse(line) as { port: number };
  return { child, url: `http://127.0.0.1:${port}` };
}

function tracked<T extends Agent[]>(list: T): T {
  agents.push(...list);
  return list;
}

const hookRan = (child: Child) => child.lines.includes('{"hook":"ran"}');

describe('gracefulShutdown() in a child process', () => {
  it('SIGTERM under keep-alive load: every request completes, /ready turns 503 at once, /live stays 200 until the listener closes, exit 0 after the drain', async () => {
    const drainDelayMs = 1500;
    const { child, url } = await startApp({ DRAIN_DELAY_MS: drainDelayMs, TIMEOUT_MS: 5000 });
    const tally = new Tally();
    const [lbAgent, liveAgent] = tracked([new Agent({ keepAlive: true }), new Agent()]);
    const loadAgents = tracked(keepAliveAgents(4, 2));
    let flippedAt = Infinity;
    let lbDown = false;
    const afterFlip: Outcome[] = [];

    // 8 sequential workers on 4 keep-alive agents of 2 sockets; bounded in count and time.
    const load = runLoad({
      agents: loadAgents,
      workers: 8,
      maxRequests: 50_000,
      maxMs: 15_000,
      url: (n, worker) => `${url}/work?n=${n}&ms=${worker % 4}`,
      stop: () => lbDown,
      onOutcome: (outcome) => {
        tally.add(outcome);
        if (outcome.sentAt > flippedAt) afterFlip.push(outcome);
      },
    });
    const warmUpStarted = performance.now();
    while (tally.total < 100 && performance.now() - warmUpStarted < 10_000) await delay(20);
    const beforeKill = { requests: tally.total, sockets: tally.sockets.size };

    const killedAt = performance.now();
    child.process.kill('SIGTERM');
    // The test's load balancer: polls /ready back to back, as a balancer would every
    // `inter`, and stops sending after `fall` failures in a row.
    const readyStatuses: number[] = [];
    let failures = 0;
    while (!lbDown && readyStatuses.length < 100) {
      const outcome = await request(lbAgent, `${url}/health/ready`, { expectStatus: 200 });
      readyStatuses.push(outcome.status ?? 0);
      if (outcome.status === 503 && flippedAt === Infinity) flippedAt = performance.now();
      failures = outcome.status === 503 ? failures + 1 : 0;
      if (failures >= 2) lbDown = true;
      else await delay(250);
    }
    await load;

    // /live until the listener is gone.
    const live: Outcome[] = [];
    while (live.length < 100) {
      const outcome = await request(liveAgent, `${url}/health/live`);
      live.push(outcome);
      if (outcome.kind !== 'ok') break;
      await delay(50);
    }
    const exit = await child.exited;
    const lastLive = live.at(-1)!;

    console.info(
      `shutdown under load: ${tally.describe()}; sockets ${tally.sockets.size}; ` +
        `before SIGTERM ${beforeKill.requests} requests on ${beforeKill.sockets} sockets; ` +
        `after the flip ${afterFlip.length}; /ready ${readyStatuses.join(',')}; ` +
        `/live 200 x${live.length - 1} then ${lastLive.kind} at ${Math.round(lastLive.endedAt - killedAt)} ms; ` +
        `exit ${exit.code} at ${Math.round(exit.at - killedAt)} ms`,
    );
    // Every request completed with its normal status: no reset, no truncation, no refusal.
    expect(tally.counts, tally.describe()).toEqual({
      ok: tally.total,
      status: 0,
      refused: 0,
      reset: 0,
      truncated: 0,
      timeout: 0,
      other: 0,
    });
    expect(beforeKill.requests).toBeGreaterThanOrEqual(100);
    // Keep-alive was in use: far fewer sockets than requests before the signal.
    expect(beforeKill.sockets).toBeLessThanOrEqual(8);
    // The load went on into the drain, and every response then said Connection: close.
    expect(afterFlip.length).toBeGreaterThan(0);
    expect(afterFlip.every((o) => o.headers?.connection === 'close')).toBe(true);
    // /ready: at most one answer (one in flight as the signal lands) before the 503.
    expect(readyStatuses.indexOf(503)).toBeLessThanOrEqual(1);
    expect(readyStatuses.slice(readyStatuses.indexOf(503))).toEqual([503, 503]);
    // /live: 200 through the drain; the first failure is the closed listener.
    expect(live.slice(0, -1).every((o) => o.status === 200)).toBe(true);
    expect(['refused', 'reset']).toContain(lastLive.kind);
    expect(lastLive.sentAt - killedAt).toBeGreaterThanOrEqual(drainDelayMs - 100);
    expect(exit.code).toBe(0);
    expect(exit.at - killedAt).toBeGreaterThanOrEqual(drainDelayMs);
    expect(exit.at - killedAt).toBeLessThan(drainDelayMs + MARGIN_MS);
    expect(hookRan(child)).toBe(true);
  });

  it('a 2 s request in flight at SIGTERM completes after the listener closed; an idle keep-alive socket is closed at the end of the drain; exit 0', async () => {
    const drainDelayMs = 500;
    const { child, url } = await startApp({ DRAIN_DELAY_MS: drainDelayMs, TIMEOUT_MS: 5000 });
    const [slowAgent, idleAgent] = tracked([
      new Agent({ keepAlive: true }),
      new Agent({ keepAlive: true }),
    ]);
    const idle = await request(idleAgent, `${url}/health/live`);
    expect(idle.headers?.connection).toBe('keep-alive');
    let idleClosedAt = Infinity;
    idle.socket!.once('close', () => (idleClosedAt = performance.now()));

    const slow = request(slowAgent, `${url}/slow?ms=2000`);
    await delay(300);
    const killedAt = performance.now();
    child.process.kill('SIGTERM');
    const reply = await slow;
    const exit = await child.exited;

    expect(reply.kind).toBe('ok');
    expect(JSON.parse(reply.body!)).toEqual({ ok: true, sleptMs: 2000 });
    expect(reply.headers?.connection).toBe('close');
    expect(idleClosedAt - killedAt).toBeGreaterThanOrEqual(drainDelayMs - 50);
    expect(idleClosedAt).toBeLessThan(reply.endedAt);
    expect(exit.code).toBe(0);
    expect(exit.at).toBeGreaterThanOrEqual(reply.endedAt);
    expect(exit.at - reply.endedAt).toBeLessThan(MARGIN_MS);
    expect(hookRan(child)).toBe(true);
  });

  it('a request longer than timeoutMs is cut at drain + timeout, the hooks still run, exit 1', async () => {
    const drainDelayMs = 300;
    const timeoutMs = 1000;
    const { child, url } = await startApp({ DRAIN_DELAY_MS: drainDelayMs, TIMEOUT_MS: timeoutMs });
    const [agent] = tracked([new Agent({ keepAlive: true })]);
    const slow = request(agent, `${url}/slow?ms=20000`);
    await delay(300);
    const killedAt = performance.now();
    child.process.kill('SIGTERM');
    const cut = await slow;
    const exit = await child.exited;

    expect(cut.kind).toBe('reset');
    expect(cut.endedAt - killedAt).toBeGreaterThanOrEqual(drainDelayMs + timeoutMs - 50);
    expect(exit.code).toBe(1);
    expect(exit.at - killedAt).toBeLessThan(drainDelayMs + timeoutMs + MARGIN_MS);
    expect(hookRan(child)).toBe(true);
  });

  it('an SSE client of /health/stream gets the final "shutting down" event and the stream ends at once: it does not hold the shutdown open', async () => {
    const drainDelayMs = 500;
    const timeoutMs = 10_000;
    const { child, url } = await startApp({ DRAIN_DELAY_MS: drainDelayMs, TIMEOUT_MS: timeoutMs });
    const [agent] = tracked([new Agent({ keepAlive: true })]);
    const events: { data: string; at: number }[] = [];
    let endedAt = Infinity;
    const parser = createParser({
      onEvent: (event) => events.push({ data: event.data, at: performance.now() }),
    });
    await new Promise<void>((resolve, reject) => {
      get(`${url}/health/stream?poll_interval=0.2`, { agent }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          parser.feed(chunk);
          if (events.length >= 2) resolve();
        });
        res.on('end', () => (endedAt = performance.now()));
      }).on('error', reject);
    });
    const killedAt = performance.now();
    child.process.kill('SIGTERM');
    const exit = await child.exited;

    const last = JSON.parse(events.at(-1)!.data) as { status: string; message?: string };
    expect(last).toMatchObject({ status: 'DOWN', message: 'shutting down' });
    expect(JSON.parse(events[0]!.data)).toMatchObject({ status: 'UP' });
    // Ended with the signal, not with the listener close at the end of the drain.
    expect(endedAt - killedAt).toBeLessThan(drainDelayMs);
    expect(exit.code).toBe(0);
    expect(exit.at - killedAt).toBeLessThan(drainDelayMs + MARGIN_MS);
  });
});
