import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealth,
  healthRouter,
  historyEventSchema,
  type HealthOptions,
  type RunColumns,
} from '../lib/index.js';
import { HistoryFeed, type HistoryCursor } from '../lib/stream/history-feed.js';
import { fakeClock } from './helpers/clock.js';
import { listen } from './helpers/server.js';
import { openStream, type ReceivedEvent, type SseClient } from './helpers/sse.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface HistoryData {
  kind: 'full' | 'delta';
  checks: Record<string, { runs: RunColumns; transitions: { to: string; message?: string }[] }>;
  service: { transitions: { to: string }[] };
  removed?: string[];
}

const histories = (client: SseClient) =>
  client.events
    .filter((event) => event.event === 'history')
    .map((event: ReceivedEvent) => event.report as unknown as HistoryData);

async function serve(options: { showDetails?: 'never' } = {}, health: HealthOptions = {}) {
  const state = { down: false };
  const runner = createHealth({
    cacheTtlMs: 0,
    checks: {
      db: () => (state.down ? { status: 'DOWN', message: 'connection refused' } : true),
    },
    ...health,
  });
  const server = await listen(healthRouter(runner, options));
  cleanups.push(
    () => server.close(),
    () => runner.close(),
  );
  const open = async (query: string) => {
    const client = await openStream(`${server.url}/stream?poll_interval=0.1${query}`);
    cleanups.push(() => client.close());
    return client;
  };
  return { state, runner, open, url: server.url };
}

describe('the stream with ?history=1', () => {
  it('sends the full history after the first report, then only what is new', async () => {
    const { state, runner, open } = await serve();
    const client = await open('&history=1');
    await client.until(() => histories(client).length >= 4, 5000, 'four history events');
    state.down = true;
    await client.until(
      () => histories(client).some((h) => h.checks.db?.transitions.some((t) => t.to === 'DOWN')),
      5000,
      'the DOWN transition',
    );
    state.down = false;
    await client.until(
      () => histories(client).filter((h) => h.checks.db?.transitions.length).length >= 3,
      5000,
      'the UP transition',
    );
    client.close();

    expect(client.events[0]?.event).toBe('health');
    const [full, ...deltas] = histories(client);
    expect(full?.kind).toBe('full');
    for (const data of histories(client))
      expect(() => historyEventSchema.parse(data)).not.toThrow();
    expect(deltas.every((d) => d.kind === 'delta')).toBe(true);
    // Each run is sent once: full then deltas, in order, add up to the runner's own runs.
    const at = [full, ...deltas].flatMap((h) => h?.checks.db?.runs.at ?? []);
    const status = [full, ...deltas].flatMap((h) => h?.checks.db?.runs.status ?? []);
    const kept = runner.history()?.checks.db?.runs;
    expect(at).toEqual(kept?.at.slice(0, at.length));
    expect(status).toEqual(kept?.status.slice(0, at.length));
    // Deltas carry only new runs: a poll runs the check once.
    expect(deltas.every((d) => (d.checks.db?.runs.at.length ?? 0) <= 2)).toBe(true);
    const transitions = [full, ...deltas].flatMap((h) => h?.checks.db?.transitions ?? []);
    expect(transitions.map((t) => t.to)).toEqual(['UP', 'DOWN', 'UP']);
    expect(transitions[1]?.message).toBe('connection refused');
    expect([full, ...deltas].flatMap((h) => h?.service.transitions.map((t) => t.to))).toEqual([
      'UP',
      'DOWN',
      'UP',
    ]);
  });

  it('a client joining later gets its own full history, then the same deltas', async () => {
    const { runner, open } = await serve();
    const first = await open('&history=1');
    await first.until(() => histories(first).length >= 3, 5000, 'first client history');
    const second = await open('&history=1');
    await second.until(() => histories(second).length >= 4, 5000, 'second client history');
    second.close();
    first.close();
    for (const client of [first, second]) {
      const at = histories(client).flatMap((h) => h.checks.db?.runs.at ?? []);
      const kept = runner.history()?.checks.db?.runs.at ?? [];
      const from = kept.indexOf(at[0] ?? -1);
      expect(from).toBe(0);
      expect(at).toEqual(kept.slice(0, at.length));
    }
  });

  it('a check registered while streaming comes whole in a delta; one removed is listed', async () => {
    const { runner, open } = await serve();
    const client = await open('&history=1');
    await client.until(() => histories(client).length >= 2, 5000, 'history events');
    const remove = runner.register('late', () => ({ status: 'DEGRADED', message: 'warming up' }));
    await client.until(
      () => histories(client).some((h) => h.kind === 'delta' && h.checks.late !== undefined),
      5000,
      'the new check',
    );
    const first = histories(client).find((h) => h.checks.late !== undefined);
    expect(first?.checks.late?.transitions).toMatchObject([
      { to: 'DEGRADED', message: 'warming up' },
    ]);
    remove();
    await client.until(
      () => histories(client).some((h) => h.removed?.includes('late') === true),
      5000,
      'the removal',
    );
    const last = histories(client).at(-1);
    expect(last?.checks.late).toBeUndefined();
  });

  it('without ?history, or with history=0, no history event; a bad value is 400', async () => {
    const { open, url } = await serve();
    const plain = await open('');
    const off = await open('&history=0');
    await plain.until(() => plain.events.length >= 4, 5000, 'four reports');
    await off.until(() => off.events.length >= 4, 5000, 'four reports');
    expect(plain.events.every((e) => e.event === 'health')).toBe(true);
    expect(off.events.every((e) => e.event === 'health')).toBe(true);
    for (const query of ['history=2', 'history=1&history=1']) {
      const response = await fetch(`${url}/stream?${query}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ parameter: 'history' });
    }
  });

  it("with showDetails: 'never' the history events carry no message", async () => {
    const { state, open } = await serve({ showDetails: 'never' });
    state.down = true;
    const client = await open('&history=1');
    await client.until(() => histories(client).length >= 2, 5000, 'history events');
    const data = client.events.filter((e) => e.event === 'history').map((e) => e.data);
    expect(data.join('')).not.toContain('connection refused');
    expect(histories(client)[0]?.checks.db?.transitions.map((t) => t.to)).toEqual(['DOWN']);
  });

  it('with history off, a client asking for it gets the reports only', async () => {
    const { open } = await serve({}, { history: false });
    const client = await open('&history=1');
    await client.until(() => client.events.length >= 4, 5000, 'four reports');
    expect(client.events.every((e) => e.event === 'health')).toBe(true);
  });
});

describe('HistoryFeed', () => {
  /** A reader that records what it was sent, and can be blocked like a full socket. */
  function reader() {
    const frames: HistoryData[] = [];
    const client = {
      history: true,
      blocked: false,
      historyCursor: undefined as HistoryCursor | undefined,
      offerHistory(frame: Buffer, cursor: HistoryCursor) {
        if (client.blocked) {
          client.historyCursor = undefined;
          return;
        }
        client.historyCursor = cursor;
        frames.push(JSON.parse(/data: (.*)\n/.exec(frame.toString())![1]!) as HistoryData);
      },
    };
    return { client, frames };
  }

  it('frames one delta for clients at one cursor, skips an unchanged poll, catches a blocked client up from its own cursor', async () => {
    const clock = fakeClock();
    const health = createHealth({ clock: clock.now, cacheTtlMs: 0, checks: { db: () => true } });
    const feed = new HistoryFeed(health, true);
    const a = reader();
    const b = reader();
    await health.run();
    feed.prime(a.client);
    feed.prime(b.client);
    expect([a.frames[0]?.kind, b.frames[0]?.kind]).toEqual(['full', 'full']);

    clock.advance(1000);
    let report = await health.run();
    feed.afterEvent(report, [a.client, b.client]);
    expect(a.frames[1]).toEqual(b.frames[1]);
    expect(a.frames[1]?.checks.db?.runs.at).toEqual([clock.now()]);
    expect(a.client.historyCursor).toBe(b.client.historyCursor);

    // The same report again (a cached run): nothing new, nothing read, nothing sent.
    feed.afterEvent(report, [a.client, b.client]);
    expect(a.frames).toHaveLength(2);

    // b's buffer is full: it is skipped, and catches up once it reads again.
    b.client.blocked = true;
    clock.advance(1000);
    report = await health.run();
    feed.afterEvent(report, [a.client, b.client]);
    b.client.blocked = false;
    clock.advance(1000);
    report = await health.run();
    feed.afterEvent(report, [a.client, b.client]);
    expect(a.frames.map((f) => f.kind)).toEqual(['full', 'delta', 'delta', 'delta']);
    // Its own delta, from where it stopped: the two runs it missed, none twice.
    expect(b.frames.map((f) => f.kind)).toEqual(['full', 'delta', 'delta']);
    expect(b.frames[2]?.checks.db?.runs.at).toEqual([clock.now() - 1000, clock.now()]);
    expect(a.frames[3]?.checks.db?.runs.at).toEqual([clock.now()]);
  });
});
