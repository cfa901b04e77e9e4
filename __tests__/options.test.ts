import { describe, expect, it } from 'vitest';
import {
  checks,
  createHealth,
  detailed,
  healthRouter,
  HealthOptionsError,
  readiness,
  startup,
  type HealthOptions,
} from '../lib/index.js';

const noop = () => undefined;

/** What `build` throws, or `undefined`. */
function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('createHealth() rejects invalid options with a TypeError naming the option', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['an unknown key', { timeout: 500 }, 'timeout', /Did you mean `timeoutMs`\?/],
    [
      'an unknown check key',
      { checks: { db: { check: noop, ttl: 1 } } },
      'checks.db.ttl',
      /unknown option/,
    ],
    ['a negative timeoutMs', { timeoutMs: -1 }, 'timeoutMs', />=1/],
    ['a zero timeoutMs', { timeoutMs: 0 }, 'timeoutMs', />=1/],
    ['a fractional timeoutMs', { timeoutMs: 1.5 }, 'timeoutMs', /expected int/],
    ['Infinity as timeoutMs', { timeoutMs: Infinity }, 'timeoutMs', /number/],
    ['a timeoutMs past setTimeout', { timeoutMs: 2 ** 31 }, 'timeoutMs', /<=2147483647/],
    ['a string cacheTtlMs', { cacheTtlMs: '1000' }, 'cacheTtlMs', /expected number/],
    ['a negative cacheTtlMs', { cacheTtlMs: -5 }, 'cacheTtlMs', />=0/],
    ['a check that is a number', { checks: { db: 5 } }, 'checks.db', /expected a check function/],
    ['a definition without check', { checks: { db: { critical: true } } }, 'checks.db', /function/],
    [
      'a non-boolean critical',
      { checks: { db: { check: noop, critical: 'yes' } } },
      'checks.db.critical',
      /boolean/,
    ],
    [
      'a check timeoutMs of 0',
      { checks: { db: { check: noop, timeoutMs: 0 } } },
      'checks.db.timeoutMs',
      />=1/,
    ],
    [
      'a check name with a space',
      { checks: { 'my db': noop } },
      'checks.my db',
      /invalid check name/,
    ],
    [
      'a check name with a slash',
      { checks: { '../etc': noop } },
      'checks.../etc',
      /invalid check name/,
    ],
    [
      'an overlong check name',
      { checks: { ['a'.repeat(65)]: noop } },
      `checks.${'a'.repeat(65)}`,
      /1 to 64/,
    ],
    ['a non-boolean exposeErrors', { exposeErrors: 'no' }, 'exposeErrors', /boolean/],
    ['a tiny maxMessageLength', { maxMessageLength: 5 }, 'maxMessageLength', />=20/],
    ['a clock that is not a function', { clock: 5 }, 'clock', /function/],
    ['a version that is not a string', { version: 1 }, 'version', /string/],
    ['an array', [], '', /expected object/],
  ])('%s', (_label, options, option, message) => {
    const thrown = thrownBy(() => createHealth(options as HealthOptions));
    expect(thrown).toBeInstanceOf(HealthOptionsError);
    expect(thrown).toBeInstanceOf(TypeError);
    const error = thrown as HealthOptionsError;
    expect(error.code).toBe('ERR_HEALTH_OPTIONS');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(/^createHealth\(\): /);
    expect(error.message).toMatch(message);
  });

  it('accepts a frozen options object and leaves it unchanged', async () => {
    const check = Object.freeze({ check: () => true, critical: false });
    const options = Object.freeze({ checks: Object.freeze({ db: check }), timeoutMs: 300 });
    const snapshot = JSON.stringify(options);
    const health = createHealth(options);
    expect((await health.run()).status).toBe('UP');
    expect(JSON.stringify(options)).toBe(snapshot);
    expect(Object.keys(check)).toEqual(['check', 'critical']);
  });

  it('treats undefined as "use the default"', async () => {
    const health = createHealth({ timeoutMs: undefined, cacheTtlMs: undefined, checks: undefined });
    expect((await health.run()).status).toBe('UP');
  });
});

describe('middleware factories validate at construction', () => {
  const health = createHealth();

  it.each<[string, () => unknown, string, RegExp]>([
    [
      'readiness() with a bad status code',
      () => readiness(health, { statusCodes: { DOWN: 99 } }),
      'statusCodes.DOWN',
      /^readiness\(\): .*>=200/,
    ],
    [
      'readiness() with a status code above 599',
      () => readiness(health, { statusCodes: { UP: 600 } }),
      'statusCodes.UP',
      /<=599/,
    ],
    [
      'readiness() with an unknown status',
      () => readiness(health, { statusCodes: { WARN: 200 } as never }),
      'statusCodes.WARN',
      /unknown option/,
    ],
    [
      'readiness() with an unknown option',
      () => readiness(health, { statusCode: {} } as never),
      'statusCode',
      /Did you mean `statusCodes`/,
    ],
    [
      'readiness() with a bad check',
      () => readiness({ db: 5 } as never),
      'checks.db',
      /expected a check function/,
    ],
    [
      'readiness() with null',
      () => readiness(null as never),
      '',
      /^readiness\(\): the first argument must be a Health from createHealth\(\) or a map of checks; got null\.$/,
    ],
    [
      'startup() with a fractional status code',
      () => startup(health, { statusCodes: { DOWN: 503.5 } }),
      'statusCodes.DOWN',
      /^startup\(\): .*expected int/,
    ],
    [
      'detailed() with a string status code',
      () => detailed(health, { statusCodes: { DOWN: '503' } as never }),
      'statusCodes.DOWN',
      /^detailed\(\): /,
    ],
    [
      'healthRouter() with an unknown option',
      () => healthRouter(health, { prefix: '/x' } as never),
      'prefix',
      /^healthRouter\(\): unknown option/,
    ],
    [
      'healthRouter() with bad runner options',
      () => healthRouter({ timeoutMs: 'fast' } as never),
      'timeoutMs',
      /expected number/,
    ],
  ])('%s', (_label, build, option, message) => {
    const thrown = thrownBy(build);
    expect(thrown).toBeInstanceOf(HealthOptionsError);
    expect((thrown as HealthOptionsError).option).toBe(option);
    expect((thrown as HealthOptionsError).message).toMatch(message);
  });

  it('accepts frozen probe options', () => {
    const options = Object.freeze({ statusCodes: Object.freeze({ DOWN: 500 }) });
    expect(() => readiness(health, options)).not.toThrow();
    expect(options).toEqual({ statusCodes: { DOWN: 500 } });
  });
});

describe('built-in check options', () => {
  it.each<[string, () => unknown, string, RegExp]>([
    [
      'diskSpace() without a threshold',
      () => checks.diskSpace({ path: '/' }),
      '',
      /exactly one of `minFreeRatio` and `minFreeBytes`/,
    ],
    [
      'diskSpace() with both thresholds',
      () => checks.diskSpace({ path: '/', minFreeRatio: 0.1, minFreeBytes: 1 }),
      '',
      /exactly one/,
    ],
    [
      'diskSpace() with a ratio of 1',
      () => checks.diskSpace({ path: '/', minFreeRatio: 1 }),
      'minFreeRatio',
      /<1/,
    ],
    [
      'diskSpace() without a path',
      () => checks.diskSpace({ minFreeRatio: 0.1 } as never),
      'path',
      /string/,
    ],
    [
      'memory() without a limit',
      () => checks.memory({}),
      '',
      /set at least one of `warnHeapRatio`, `maxHeapRatio`, `warnRssBytes`, `maxRssBytes`/,
    ],
    [
      'memory() with a ratio above 1',
      () => checks.memory({ maxHeapRatio: 1.5 }),
      'maxHeapRatio',
      /<=1/,
    ],
    [
      'eventLoopDelay() without maxP99Ms',
      () => checks.eventLoopDelay({} as never),
      'maxP99Ms',
      /number/,
    ],
    [
      'eventLoopDelay() with a typo',
      () => checks.eventLoopDelay({ maxP99: 10 } as never),
      'maxP99',
      /Did you mean `maxP99Ms`/,
    ],
  ])('%s', (_label, build, option, message) => {
    const thrown = thrownBy(build);
    expect(thrown).toBeInstanceOf(HealthOptionsError);
    expect((thrown as HealthOptionsError).option).toBe(option);
    expect((thrown as HealthOptionsError).message).toMatch(message);
  });
});

describe('readiness() given the options of createHealth()', () => {
  it('says the first argument is a map of checks, and names readiness() in runner errors', async () => {
    const { readiness: probe } = await import('../lib/index.js');
    expect(() => probe({ checks: { db: () => true } } as never)).toThrow(
      /readiness\(\): the first argument is a map of checks by name, not the options of createHealth\(\)/,
    );
    expect(() => probe({ db: 5 } as never)).toThrow(/^readiness\(\): invalid `checks\.db`/);
    // A check that happens to be named `checks` is still a check.
    expect(() => probe({ checks: { check: () => true } })).not.toThrow();
  });
});
