import { describe, expect, it } from 'vitest';
import { createHealth, HealthOptionsError, MAX_DETAILS_BYTES, type Health } from '../lib/index.js';

/** Values whose every property read (or `instanceof`) throws. */
const hostile: [string, () => unknown][] = [
  [
    'a Proxy whose traps throw',
    () =>
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          getPrototypeOf() {
            throw new Error('trap');
          },
        },
      ),
  ],
  [
    'an Error whose message getter throws',
    () =>
      Object.defineProperty(new Error('x'), 'message', {
        get() {
          throw new Error('getter');
        },
      }),
  ],
  [
    'an object whose toString throws',
    () => ({
      toString() {
        throw new Error('no');
      },
    }),
  ],
];

describe('a check that calls run() itself', () => {
  it('finds its own run in flight and ends DOWN at its timeout, without recursing', async () => {
    const health: Health = createHealth({ timeoutMs: 50, checks: { c: () => health.run() } });
    const report = await health.run();
    expect(report.components.c?.status).toBe('DOWN');
    expect(report.components.c?.message).toMatch(/timed out after 50 ms/);
  });

  it('a synchronous re-entrant run() does not overflow the stack', async () => {
    let health: Health | undefined;
    let calls = 0;
    health = createHealth({
      timeoutMs: 50,
      checks: {
        c: () => {
          calls++;
          void health?.run();
          return true;
        },
      },
    });
    expect((await health.run()).components.c?.status).toBe('UP');
    expect(calls).toBe(1);
    health = undefined;
  });
});

describe('thrown values that cannot be read', () => {
  it.each(hostile)(
    '%s: DOWN, and the next run works once the dependency recovers',
    async (_label, make) => {
      let failing = true;
      const health = createHealth({
        cacheTtlMs: 0,
        checks: {
          db: () => {
            if (failing) throw make();
            return true;
          },
        },
      });
      const report = await health.run();
      expect(report.components.db?.status).toBe('DOWN');
      failing = false;
      expect((await health.run()).components.db?.status).toBe('UP');
    },
  );

  it.each(hostile)('%s as a rejection: DOWN', async (_label, make) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile rejection reason is the point
    const health = createHealth({ checks: { db: () => Promise.reject(make()) } });
    expect((await health.run()).components.db?.status).toBe('DOWN');
  });

  it('a resolved Proxy whose traps throw is DOWN with a message, not a rejected run', async () => {
    // `then` reads fine (so it resolves), every other property throws.
    const value = new Proxy(
      {},
      {
        get(_target, key) {
          if (key === 'then') return undefined;
          throw new Error('trap');
        },
      },
    );
    const health = createHealth({ checks: { db: () => value } });
    const component = (await health.run()).components.db;
    expect(component?.status).toBe('DOWN');
    expect(component?.message).toMatch(/could not be read/);
  });

  it.each(hostile)(
    "a 'check' or 'change' listener throwing %s does not make run() reject",
    async (_label, make) => {
      const health = createHealth({ checks: { db: () => true } });
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.message);
      process.on('warning', onWarning);
      health.on('check', () => {
        throw make();
      });
      health.on('change', () => {
        throw make();
      });
      try {
        expect((await health.run()).status).toBe('UP');
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.some((w) => w.includes("a 'check' listener threw"))).toBe(true);
      } finally {
        process.off('warning', onWarning);
      }
    },
  );
});

describe('details are a snapshot', () => {
  it('a check that mutates its details object later changes no report, and reports are deeply frozen', async () => {
    const details: Record<string, unknown> = { rows: 1, nested: { a: 1 } };
    const health = createHealth({ checks: { db: () => ({ status: 'UP', details }) } });
    const report = await health.run();
    details.big = 10n;
    details.self = details;
    (details.nested as Record<string, unknown>).a = 2;
    const again = await health.run();
    expect(again.components.db?.details).toEqual({ rows: 1, nested: { a: 1 } });
    expect(JSON.parse(JSON.stringify(again))).toBeTruthy();
    const shown = report.components.db?.details as Record<string, Record<string, unknown>>;
    expect(Object.isFrozen(shown)).toBe(true);
    expect(Object.isFrozen(shown.nested)).toBe(true);
    expect(() => {
      (shown.nested as Record<string, unknown>).a = 3;
    }).toThrow(TypeError);
  });

  it(`details over ${MAX_DETAILS_BYTES} bytes as JSON are replaced by a note; the status stands`, async () => {
    const health = createHealth({
      checks: { db: () => ({ status: 'UP', details: { blob: 'x'.repeat(MAX_DETAILS_BYTES) } }) },
    });
    const component = (await health.run()).components.db;
    expect(component?.status).toBe('UP');
    expect(component?.details).toEqual({
      omitted: expect.stringMatching(/exceed the 65536-byte cap/) as string,
    });
  });

  it('details that are not JSON-serialisable are DOWN, and JSON-unsafe values are dropped', async () => {
    const health = createHealth({
      checks: {
        big: () => ({ status: 'UP', details: { n: 1n } }),
        fn: () => ({ status: 'UP', details: { f: () => 1, at: new Date(0) } }),
      },
    });
    const report = await health.run();
    expect(report.components.big?.status).toBe('DOWN');
    expect(report.components.fn?.details).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});

describe('check names are own keys', () => {
  it('accepts a check named constructor', async () => {
    const health = createHealth({ checks: { constructor: () => true, toString: () => false } });
    expect(health.checkNames).toEqual(['constructor', 'toString']);
    const report = await health.run();
    expect(report.components['constructor']?.status).toBe('UP');
    expect(report.components['toString']?.status).toBe('DOWN');
    expect(report.status).toBe('DOWN');
  });

  it('a "__proto__" key from JSON.parse is rejected as a name, never silently dropped', () => {
    const checks = JSON.parse('{"__proto__": 1, "db": 2}') as Record<string, unknown>;
    for (const name of Object.keys(checks)) checks[name] = () => true;
    Object.defineProperty(checks, '__proto__', { value: () => true, enumerable: true });
    expect(() => createHealth({ checks: checks as never })).toThrow(
      /invalid check name "__proto__"/,
    );
  });

  it('a components map has no prototype: an absent name never finds Object.prototype', async () => {
    const report = await createHealth({ checks: { db: () => true } }).run();
    expect(Object.getPrototypeOf(report.components)).toBeNull();
    expect('hasOwnProperty' in report.components).toBe(false);
    expect(Object.keys(report.components)).toEqual(['db']);
  });
});

describe('messages for structural mistakes', () => {
  it.each([
    [
      'a check beside checks',
      { db: () => true },
      'db',
      /Checks go under `checks`: createHealth\(\{ checks: \{ db \} \}\)/,
    ],
    ['a definition beside checks', { db: { check: () => true } }, 'db', /Checks go under `checks`/],
    [
      'a driver client as a check',
      { checks: { db: { query() {}, _events: {} } } },
      'checks.db',
      /checks\.postgres\(pool\)/,
    ],
    [
      'a number as a check',
      { checks: { db: 5 } },
      'checks.db',
      /expected a check function .* got a number/,
    ],
    [
      'checks as an array',
      { checks: [() => true] },
      'checks',
      /expected an object of checks by name/,
    ],
    ['a plain typo', { timeout: 5 }, 'timeout', /Did you mean `timeoutMs`\?/],
    [
      'a clock that throws',
      {
        clock: () => {
          throw new Error('no time');
        },
      },
      'clock',
      /option `clock` threw when called: no time/,
    ],
    ['a clock that returns a string', { clock: () => 'now' }, 'clock', /returned now/],
  ])('%s', (_label, options, option, message) => {
    let error: unknown;
    try {
      createHealth(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HealthOptionsError);
    expect((error as HealthOptionsError).option).toBe(option);
    expect((error as Error).message).toMatch(message);
  });
});
