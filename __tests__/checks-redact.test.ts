import { describe, expect, it } from 'vitest';
import { describeError, redactUrls } from '../lib/checks/redact.js';
import { redactUrl } from '../lib/mask-secrets.js';

describe('messages of the dependency checks', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/app?sslpassword=x', 'postgres://db:5432/app'],
    ['redis://:s3cret@cache:6379/0', 'redis://cache:6379/0'],
    ['amqp://guest:p@ss@broker/vhost', 'amqp://broker/vhost'],
    ['see https://api.example.com/v1?token=abc#frag, then', 'see https://api.example.com/v1, then'],
    ["quoted 'mysql://root:pw@db/test'", "quoted 'mysql://db/test'"],
    ['http://host/a@b', 'http://host/a@b'],
    ['no URL here', 'no URL here'],
  ])('redactUrls(%j) is %j', (text, expected) => {
    expect(redactUrls(text)).toBe(expected);
  });

  it('shows a URL as scheme, host, port and path', () => {
    expect(redactUrl(new URL('https://u:p@api.example.com:8443/health?token=t#x'))).toBe(
      'https://api.example.com:8443/health',
    );
  });

  it('names the real cause of wrapped errors, never a stack', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(describeError(new TypeError('fetch failed', { cause: refused }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(describeError(new AggregateError([refused], ''))).toBe(
      'connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(describeError(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(describeError(new RangeError(''))).toBe('RangeError');
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(42)).toBe('unknown error');
    expect(describeError(new Error('failed for postgres://a:b@h/db'))).toBe(
      'failed for postgres://h/db',
    );
  });
});
