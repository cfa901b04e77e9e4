import { describe as suite, expect, it } from 'vitest';
import { describe, MAX_DESCRIPTION_LENGTH } from '../lib/describe.js';

const throwing = new Proxy(
  {},
  {
    get() {
      throw new Error('trap');
    },
    getPrototypeOf() {
      throw new Error('trap');
    },
  },
);
const revocable = Proxy.revocable({}, {});
revocable.revoke();
const badMessage = new Error('x');
Object.defineProperty(badMessage, 'message', {
  get() {
    throw new Error('getter');
  },
});

suite('describe()', () => {
  it.each([
    ['an Error', new Error('boom'), 'boom'],
    [
      'an Error without a message, with a code',
      Object.assign(new Error(''), { code: 'ECONNRESET' }),
      'Error ECONNRESET',
    ],
    ['a string', 'plain', 'plain'],
    ['a number', 42, '42'],
    ['a bigint', 10n, '10'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a Proxy whose traps throw', throwing, 'unknown error'],
    ['a revoked Proxy', revocable.proxy, 'unknown error'],
    ['an Error whose message getter throws', badMessage, 'Error'],
    [
      'an object whose toString throws',
      {
        toString: () => {
          throw new Error('no');
        },
      },
      'unknown error',
    ],
    ['a function', () => 1, 'unknown error'],
  ])('%s', (_, value, expected) => {
    expect(describe(value)).toBe(expected);
  });

  it('uses the fallback given', () => {
    expect(describe({}, 'check failed')).toBe('check failed');
  });

  it('cuts long text', () => {
    const text = describe('x'.repeat(10 * MAX_DESCRIPTION_LENGTH));
    expect(text).toHaveLength(MAX_DESCRIPTION_LENGTH);
    expect(text.endsWith('…')).toBe(true);
  });
});
