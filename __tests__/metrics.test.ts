import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { MissingPeerError } from '../lib/errors.js';
import { createHealth, HealthOptionsError, type CheckResult, type Health } from '../lib/index.js';
import { DURATION_BUCKETS_SECONDS } from '../lib/metrics/instruments.js';
import { metrics, type HealthMetrics } from '../lib/metrics/metrics.js';
import { loadPromClient } from '../lib/metrics/prom-client.js';
import { fakeClock } from './helpers/clock.js';
import { FOREIGN_VALUES } from './helpers/foreign-values.js';
import { listen, type TestServer } from './helpers/server.js';

const run = promisify(execFile);

/** The value of one series in exposition text, e.g. `health_check_status{check="db"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every label name used in exposition text. */
function labelNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    for (const match of line.matchAll(/[{,]([A-Za-z_]\w*)="/g)) names.add(match[1] ?? '');
  }
  return names;
}

/** A check whose result the test sets. */
function switchable(initial: CheckResult | 'hang' | Error) {
  const state = { result: initial, runs: 0 };
  return {
    state,
    check: ({ signal }: { signal: AbortSignal }) => {
      state.runs++;
      const { result } = state;
      if (result instanceof Error) throw result;
      if (result === 'hang')
        return new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      return result;
    },
  };
}

const opened: { health: Health; exported?: HealthMetrics; server?: TestServer }[] = [];
afterEach(async () => {
  for (const { health, exported, server } of opened.splice(0)) {
    exported?.close();
    health.close();
    await server?.close();
  }
});

function setup(
  checks: Parameters<typeof createHealth>[0],
  options?: Parameters<typeof metrics>[1],
) {
  const health = createHealth({ cacheTtlMs: 0, ...checks });
  const exported = metrics(health, options);
  opened.push({ health, exported });
  return { health, exported };
}

describe('metrics() values', () => {
  it('follows a check through UP, DEGRADED, DOWN and a timeout', async () => {
    const db = switchable({ status: 'UP' });
    const { health, exported } = setup({ checks: { db: { check: db.check, timeoutMs: 50 } } });
    const scrape = () => exported.registry.metrics();

    let text = await scrape();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(1);
    expect(sample(text, 'health_status')).toBe(1);
    expect(sample(text, 'health_checks_total{check="db",result="success"}')).toBe(1);

    db.state.result = { status: 'DEGRADED', message: 'slow replica' };
    text = await scrape();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(0.5);
    expect(sample(text, 'health_status')).toBe(0.5);
    expect(sample(text, 'health_checks_total{check="db",result="success"}')).toBe(2);

    db.state.result = { status: 'DOWN', message: 'no connection' };
    text = await scrape();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(0);
    expect(sample(text, 'health_status')).toBe(0);
    expect(sample(text, 'health_checks_total{check="db",result="failure"}')).toBe(1);

    db.state.result = 'hang';
    text = await scrape();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(0);
    expect(sample(text, 'health_checks_total{check="db",result="timeout"}')).toBe(1);
    expect(sample(text, 'health_check_duration_seconds_count{check="db"}')).toBe(4);
    // The timed-out run lasted at least its 50 ms bound.
    expect(sample(text, 'health_check_duration_seconds_sum{check="db"}')).toBeGreaterThanOrEqual(
      0.05,
    );

    db.state.result = { status: 'UP' };
    await health.run(); // a run by a probe, not by a scrape, counts the same
    text = await scrape();
    expect(sample(text, 'health_checks_total{check="db",result="success"}')).toBe(4);
    expect(sample(text, 'health_status')).toBe(1);
  });

  it('a non-critical DOWN check makes the aggregate DEGRADED', async () => {
    const { exported } = setup({
      checks: { db: () => true, cache: { check: () => false, critical: false } },
    });
    const text = await exported.registry.metrics();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(1);
    expect(sample(text, 'health_check_status{check="cache"}')).toBe(0);
    expect(sample(text, 'health_status')).toBe(0.5);
  });

  it('starts every counter and histogram series at 0 before any run', async () => {
    const { exported } = setup({ checks: { db: () => true } });
    const counter = exported.registry.getSingleMetric('health_checks_total') as Counter;
    const values = (await counter.get()).values;
    // get() on one metric also refreshes (one run): the series exist, one of them counted.
    expect(values.map((v) => `${String(v.labels.result)}=${v.value}`).sort()).toEqual([
      'failure=0',
      'success=1',
      'timeout=0',
    ]);
  });

  it('uses buckets from 5 ms to 5 s', async () => {
    const { exported } = setup({ checks: { db: () => true } });
    const text = await exported.registry.metrics();
    const buckets = [
      ...text.matchAll(/health_check_duration_seconds_bucket\{le="([^"]+)",check="db"\}/g),
    ].map((m) => m[1]);
    expect(buckets).toEqual([...DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
  });

  it('does not count cached results as runs', async () => {
    const db = switchable({ status: 'UP' });
    const health = createHealth({ cacheTtlMs: 60_000, checks: { db: db.check } });
    const exported = metrics(health);
    opened.push({ health, exported });
    await health.run();
    await health.run();
    const text = await exported.registry.metrics();
    expect(db.state.runs).toBe(1);
    expect(sample(text, 'health_checks_total{check="db",result="success"}')).toBe(1);
    expect(sample(text, 'health_check_duration_seconds_count{check="db"}')).toBe(1);
  });

  it('shows the current status on a scrape with no probe traffic, and DOWN once shutting down', async () => {
    const db = switchable({ status: 'UP' });
    const { health, exported } = setup({ checks: { db: db.check } });
    expect(db.state.runs).toBe(0);
    expect(sample(await exported.registry.metrics(), 'health_status')).toBe(1);
    expect(db.state.runs).toBe(1); // one run for the whole scrape, not one per metric
    health.markShuttingDown();
    const text = await exported.registry.metrics();
    expect(sample(text, 'health_status')).toBe(0);
    expect(db.state.runs).toBe(1); // no check runs while shutting down
  });

  it('never puts error text in labels', async () => {
    const secret = 'tenant hunter2 on host=10.1.2.3';
    const { exported } = setup({
      checks: {
        db: () => {
          throw new Error(secret);
        },
        cache: { check: () => ({ status: 'DOWN', message: secret }), critical: false },
        slow: { check: switchable('hang').check, timeoutMs: 20 },
      },
    });
    const text = await exported.registry.metrics();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('10.1.2.3');
    expect([...labelNames(text)].sort()).toEqual(['check', 'le', 'result']);
    const checks = new Set([...text.matchAll(/check="([^"]*)"/g)].map((m) => m[1]));
    expect([...checks].sort()).toEqual(['cache', 'db', 'slow']);
  });
});

describe('metrics() registration', () => {
  it('registers on a new registry by default, not on the global one', async () => {
    const { register } = await import('prom-client');
    const { exported } = setup({ checks: { db: () => true } });
    expect(exported.registry).toBeInstanceOf(Registry);
    expect(register.getSingleMetric('health_status')).toBeUndefined();
  });

  it('reuses the metrics on a second call with the same registry instead of throwing', async () => {
    const registry = new Registry();
    const first = setup({ checks: { db: () => true } }, { registry });
    const gauge = registry.getSingleMetric('health_check_status');
    const second = setup(
      { checks: { queue: { check: () => false, critical: false } } },
      { registry },
    );
    expect(second.exported.registry).toBe(registry);
    expect(registry.getSingleMetric('health_check_status')).toBe(gauge);
    const text = await registry.metrics();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(1);
    expect(sample(text, 'health_check_status{check="queue"}')).toBe(0);
    expect(sample(text, 'health_status')).toBe(0.5); // the worst of the two runners
    expect(text.match(/^# TYPE health_status gauge$/gm)).toHaveLength(1);
    // Once the DEGRADED runner is detached, only the other one counts.
    second.exported.close();
    expect(sample(await registry.metrics(), 'health_status')).toBe(1);
    first.exported.close();
  });

  it('counts a runner attached twice once, until both calls are closed', async () => {
    const registry = new Registry();
    const health = createHealth({ cacheTtlMs: 0, checks: { db: () => true } });
    const first = metrics(health, { registry });
    const second = metrics(health, { registry });
    opened.push({ health, exported: first }, { health, exported: second });
    await health.run();
    const runs = 'health_checks_total{check="db",result="success"}';
    expect(sample(await registry.metrics(), runs)).toBe(2); // the run above, and the scrape's
    first.close();
    await health.run();
    expect(sample(await registry.metrics(), runs)).toBe(4);
    second.close();
    await health.run();
    expect(sample(await registry.metrics(), runs)).toBe(4); // detached: neither counted
  });

  it('never resets the series of a check when a runner attaches again', async () => {
    const registry = new Registry();
    const health = createHealth({ cacheTtlMs: 0, checks: { db: () => true } });
    const first = metrics(health, { registry });
    opened.push({ health, exported: first });
    await health.run();
    first.close();
    const again = metrics(health, { registry });
    opened.push({ health, exported: again });
    const text = await registry.metrics(); // one more run, by the scrape
    expect(sample(text, 'health_check_duration_seconds_count{check="db"}')).toBe(2);
    expect(sample(text, 'health_checks_total{check="db",result="success"}')).toBe(2);
  });

  it('reuses metrics someone else registered with the same type and labels', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'health_status', help: 'mine', registers: [registry] });
    const { health } = setup({ checks: { db: () => true } }, { registry });
    expect(registry.getSingleMetric('health_status')).toBe(gauge);
    expect((await gauge.get()).values[0]?.value).toBe(0); // prom-client's initial value
    // Without our collect(), fed by the runner's aggregate 'change' events.
    await health.run();
    expect((await gauge.get()).values[0]?.value).toBe(1);
  });

  it('refuses a conflicting metric and suggests a prefix', () => {
    const registry = new Registry();
    new Counter({ name: 'health_status', help: 'mine', registers: [registry] });
    const health = createHealth({ checks: { db: () => true } });
    opened.push({ health });
    expect(() => metrics(health, { registry })).toThrow(
      expect.objectContaining({
        name: 'HealthOptionsError',
        option: 'prefix',
        message: expect.stringMatching(
          /already has a metric `health_status`.*pass a `prefix`/,
        ) as string,
      }),
    );
    const exported = metrics(health, { registry, prefix: 'app_' });
    opened.push({ health, exported });
    expect(registry.getSingleMetric('app_health_status')).toBeDefined();
  });

  it('registers again after the registry was cleared', async () => {
    const registry = new Registry();
    setup({ checks: { db: () => true } }, { registry });
    registry.clear();
    setup({ checks: { db: () => true } }, { registry });
    expect(sample(await registry.metrics(), 'health_status')).toBe(1);
  });

  it('prefixes every name', async () => {
    const { exported } = setup({ checks: { db: () => true } }, { prefix: 'myapp_' });
    const text = await exported.registry.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual([
      'myapp_health_check_status',
      'myapp_health_check_duration_seconds',
      'myapp_health_checks_total',
      'myapp_health_status',
      'myapp_health_check_critical',
      'myapp_health_check_consecutive_failures',
      'myapp_health_check_staleness_seconds',
      'myapp_health_check_flapping',
    ]);
  });

  it('close() removes the listeners it added and is idempotent', () => {
    const health = createHealth({ checks: { db: () => true } });
    const before = [health.listenerCount('check'), health.listenerCount('change')];
    const exported = metrics(health);
    opened.push({ health, exported });
    expect(health.listenerCount('check')).toBe(before[0]! + 1);
    exported.close();
    exported.close();
    expect([health.listenerCount('check'), health.listenerCount('change')]).toEqual(before);
  });

  it('keeps the registry type given', () => {
    const health = createHealth();
    opened.push({ health });
    const exported = metrics(health, { registry: new Registry() });
    opened.push({ health, exported });
    expectTypeOf(exported.registry).toEqualTypeOf<Registry>();
  });
});

describe('metrics() options', () => {
  it.each([
    ['an unknown key', { prefx: 'a_' }, 'prefx', /unknown option `prefx`. Did you mean `prefix`\?/],
    ['a prefix starting with a digit', { prefix: '1app_' }, 'prefix', /metric name prefix/],
    ['a prefix with a dash', { prefix: 'my-app_' }, 'prefix', /metric name prefix/],
    ['a registry that is not one', { registry: {} }, 'registry', /prom-client Registry/],
  ])('rejects %s', (_label, options, option, message) => {
    const health = createHealth();
    opened.push({ health });
    expect(() => metrics(health, options as never)).toThrow(HealthOptionsError);
    expect(() => metrics(health, options as never)).toThrow(
      expect.objectContaining({ option, message: expect.stringMatching(message) as string }),
    );
  });

  it('does not modify a frozen options object', () => {
    const health = createHealth();
    const options = Object.freeze({ prefix: 'x_' });
    const exported = metrics(health, options);
    opened.push({ health, exported });
    expect(options).toEqual({ prefix: 'x_' });
  });

  it('names the missing peer dependency and how to install it', () => {
    expect(() => loadPromClient('metrics()', 'prom-client-not-installed')).toThrow(
      MissingPeerError,
    );
    expect(() => loadPromClient('metrics()', 'prom-client-not-installed')).toThrow(
      'metrics() needs the optional peer dependency `prom-client-not-installed` (^15): npm install prom-client-not-installed',
    );
  });

  it('loads prom-client only when metrics() is called', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/prom-client/'));
      const { createHealth } = await import('./lib/index.ts');
      const { metrics } = await import('./lib/metrics/metrics.ts');
      const before = loaded();
      metrics(createHealth());
      console.log(before, loaded());
    `;
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(stdout.trim()).toBe('false true');
  });
});

describe('metrics().handler', () => {
  async function serve() {
    const { health, exported } = setup({ checks: { db: () => true } });
    const server = await listen(exported.handler);
    opened.push({ health, server });
    return { server, exported };
  }

  it('serves the registry with its content type and no caching', async () => {
    const { server, exported } = await serve();
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(exported.registry.contentType);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(sample(await response.text(), 'health_check_status{check="db"}')).toBe(1);
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const { server } = await serve();
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(server.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each(FOREIGN_VALUES)(
    'answers 500 and logs a string when collecting fails with %s',
    async (_label, value) => {
      const registry = new Registry();
      new Gauge({
        name: 'foreign',
        help: 'a collect that throws what cannot be turned into a string',
        registers: [registry],
        collect() {
          throw value;
        },
      });
      const logged: unknown[] = [];
      const log = (object: unknown) => logged.push(object);
      const health = createHealth({
        checks: { db: () => true },
        logger: { info: log, warn: log, error: log },
      });
      const exported = metrics(health, { registry });
      const server = await listen(exported.handler);
      opened.push({ health, exported, server });
      const response = await fetch(server.url);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ status: 'DOWN', error: 'internal error' });
      expect(logged).toContainEqual({ error: expect.any(String) as string });
    },
  );

  it('answers 500 JSON without the reason when collecting fails, and logs it', async () => {
    const registry = new Registry();
    new Gauge({
      name: 'broken',
      help: 'a collect that throws',
      registers: [registry],
      collect() {
        throw new Error('secret collector failure');
      },
    });
    const logged: unknown[] = [];
    const log = (object: unknown) => logged.push(object);
    const health = createHealth({
      checks: { db: () => true },
      logger: { info: log, warn: log, error: log },
    });
    const exported = metrics(health, { registry });
    const server = await listen(exported.handler);
    opened.push({ health, exported, server });
    const response = await fetch(server.url);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ status: 'DOWN', error: 'internal error' });
    expect(body).not.toContain('secret');
    expect(logged).toContainEqual({ error: 'secret collector failure' });
  });
});

describe('metrics() over time', () => {
  it('the status gauge follows the reported status (after failureThreshold); runs are counted raw', async () => {
    const db = switchable({ status: 'UP' });
    const { exported } = setup({ checks: { db: { check: db.check, failureThreshold: 2 } } });
    const scrape = () => exported.registry.metrics();
    await scrape();
    db.state.result = { status: 'DOWN', message: 'blip' };
    let text = await scrape();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(1);
    expect(sample(text, 'health_checks_total{check="db",result="failure"}')).toBe(1);
    text = await scrape();
    expect(sample(text, 'health_check_status{check="db"}')).toBe(0);
    expect(sample(text, 'health_checks_total{check="db",result="failure"}')).toBe(2);
  });

  it('a check registered at run time gets its series; an unregistered one loses them', async () => {
    const { health, exported } = setup({ checks: { db: () => true } });
    const scrape = () => exported.registry.metrics();
    const unregister = health.register('tenant', () => true);
    let text = await scrape();
    expect(sample(text, 'health_check_status{check="tenant"}')).toBe(1);
    expect(sample(text, 'health_checks_total{check="tenant",result="timeout"}')).toBe(0);
    unregister();
    text = await scrape();
    expect(text).not.toContain('check="tenant"');
    expect(sample(text, 'health_check_status{check="db"}')).toBe(1);
  });
});

describe('metrics(): what the runner knows over time', () => {
  it('counts consecutive failures, resets them on success, and marks critical checks', async () => {
    const db = switchable({ status: 'UP' });
    const { exported } = setup({
      checks: { db: db.check, cache: { check: () => true, critical: false } },
    });
    const scrape = () => exported.registry.metrics();
    let text = await scrape();
    expect(sample(text, 'health_check_consecutive_failures{check="db"}')).toBe(0);
    expect(sample(text, 'health_check_critical{check="db"}')).toBe(1);
    expect(sample(text, 'health_check_critical{check="cache"}')).toBe(0);
    db.state.result = new Error('down');
    await scrape();
    text = await scrape();
    expect(sample(text, 'health_check_consecutive_failures{check="db"}')).toBe(2);
    db.state.result = { status: 'UP' };
    text = await scrape();
    expect(sample(text, 'health_check_consecutive_failures{check="db"}')).toBe(0);
  });

  it('staleness is the age of the served result at scrape time', async () => {
    const clock = fakeClock();
    const health = createHealth({
      clock: clock.now,
      cacheTtlMs: 60_000,
      checks: { db: () => true },
    });
    const exported = metrics(health);
    opened.push({ health, exported });
    let text = await exported.registry.metrics();
    expect(sample(text, 'health_check_staleness_seconds{check="db"}')).toBe(0);
    clock.advance(42_500); // the cached result ages
    text = await exported.registry.metrics();
    expect(sample(text, 'health_check_duration_seconds_count{check="db"}')).toBe(1);
    expect(sample(text, 'health_check_staleness_seconds{check="db"}')).toBe(42.5);
  });

  it('flapping is 1 while a check flaps, absent when history is off', async () => {
    const db = switchable({ status: 'UP' });
    const { exported } = setup({ checks: { db: db.check } });
    const scrape = () => exported.registry.metrics();
    let text = await scrape();
    expect(sample(text, 'health_check_flapping{check="db"}')).toBe(0);
    for (let i = 0; i < 21; i++) {
      db.state.result = i % 2 === 0 ? { status: 'DOWN' } : { status: 'UP' };
      text = await scrape();
    }
    expect(sample(text, 'health_check_flapping{check="db"}')).toBe(1);
    const off = setup({ checks: { db: () => true }, history: false }, { prefix: 'off_' });
    expect(await off.exported.registry.metrics()).not.toContain('health_check_flapping{');
  });

  it('an unregistered check loses its new series too', async () => {
    const { health, exported } = setup({ checks: { db: () => true } });
    const unregister = health.register('tenant', () => false);
    let text = await exported.registry.metrics();
    expect(sample(text, 'health_check_consecutive_failures{check="tenant"}')).toBe(1);
    unregister();
    text = await exported.registry.metrics();
    expect(text).not.toContain('check="tenant"');
  });
});
