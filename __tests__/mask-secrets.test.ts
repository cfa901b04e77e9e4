import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { describeError, redactUrls } from '../lib/checks/redact.js';
import { boundText, MAX_SCANNED_CHARS, maskSecrets, stripUrls } from '../lib/mask-secrets.js';
import { cleanMessage, errorMessage } from '../lib/runner/messages.js';
import { checks, createHealth } from '../lib/index.js';
import { runCheck } from './helpers/run-check.js';

/**
 * Milliseconds one call of `fn` takes: the best of 5 calls, each timed alone, so that a
 * garbage collection or a busy shared machine during one call does not count.
 */
function timed(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    fn();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

// Inputs that made the former regular expressions backtrack quadratically, at 10 MB, built
// when their test runs (and flattened there, outside the timing).
const TEN_MB = 10 * 1024 * 1024;
const hostile = {
  dotted: () => 'a.'.repeat(TEN_MB / 2),
  dashed: () => 'a-'.repeat(TEN_MB / 2),
  schemes: () => 'a://'.repeat(TEN_MB / 4),
  userinfo: () => `x://${'a:'.repeat(TEN_MB / 2)}`,
  punctuation: () => `http://h/?${','.repeat(TEN_MB)}x`,
  pairs: () => 'password="'.repeat(TEN_MB / 10),
  equals: () => '='.repeat(TEN_MB),
  at: () => `x://${'@'.repeat(TEN_MB)}`,
  spaces: () => ' '.repeat(TEN_MB),
};

/** The length of the RESP command at the start of `text`, or 0 while it is incomplete. */
function respCommand(text: string): number {
  const header = /^\*(\d+)\r\n/.exec(text);
  if (header === null) return 0;
  let at = header[0].length;
  for (let n = Number(header[1]); n > 0; n--) {
    const bulk = /^\$(\d+)\r\n/.exec(text.slice(at));
    if (bulk === null) return 0;
    at += bulk[0].length + Number(bulk[1]) + 2;
    if (at > text.length) return 0;
  }
  return at;
}

describe('message cleaning is linear and bounded', () => {
  it.each(Object.entries(hostile))('a 10 MB %s message costs under 50 ms', (_name, make) => {
    const text = make();
    expect(text.length).toBeGreaterThanOrEqual(TEN_MB);
    text.indexOf('\u0000'); // flattens the string the engine built lazily
    cleanMessage(text.slice(0, 1000), 300); // warm the code up
    expect(timed(() => cleanMessage(text, 10_000))).toBeLessThan(50);
    expect(timed(() => redactUrls(text))).toBeLessThan(50);
    expect(timed(() => maskSecrets(text))).toBeLessThan(50);
  });

  it('a check rejecting with a 10 MB dotted message costs the runner under 50 ms', async () => {
    const error = new Error(hostile.dotted());
    const health = createHealth({ cacheTtlMs: 0, checks: { dep: () => Promise.reject(error) } });
    await health.run(); // warm up
    const started = performance.now();
    const report = await health.run();
    expect(performance.now() - started).toBeLessThan(50);
    expect(report.components.dep?.message).toHaveLength(300);
    health.close();
  });

  it('a Redis server answering PING with a 1 MB dotted error does not stall checks.redis', async () => {
    // A fake server on loopback: PING is answered with a long error, the rest with a short one.
    const reply = Buffer.from(`-ERR ${'a.'.repeat(512 * 1024)}\r\n`);
    const server = createNetServer((socket) => {
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        for (let parsed = respCommand(buffered); parsed > 0; parsed = respCommand(buffered)) {
          const ping = /^\*1\r\n\$4\r\nping\r\n/i.test(buffered);
          buffered = buffered.slice(parsed);
          socket.write(ping ? reply : '-ERR unknown command\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new Redis({
      host: '127.0.0.1',
      port,
      enableReadyCheck: false,
      protocol: 2,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await once(client, 'ready');
      const started = performance.now();
      const result = await runCheck(checks.redis(client));
      const elapsed = performance.now() - started;
      expect(result.status).toBe('DOWN');
      expect(result.message).toMatch(/^PING failed: ERR a\.a\.a/);
      // The driver reads the megabyte too; the quadratic masking took minutes.
      expect(elapsed).toBeLessThan(500);
    } finally {
      client.disconnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads at most MAX_SCANNED_CHARS characters, and marks the cut', () => {
    const text = 'x'.repeat(MAX_SCANNED_CHARS + 10);
    expect(boundText(text)).toBe(`${'x'.repeat(MAX_SCANNED_CHARS)}…`);
    expect(boundText('short')).toBe('short');
    expect(MAX_SCANNED_CHARS).toBeGreaterThan(5 * 10_000); // the largest maxMessageLength
  });

  it('drops a URL that the cut splits, so no part of its password is shown', () => {
    const url = 'postgres://app:Tr0ub4dor@Horse9@db/x';
    for (let keep = 1; keep < url.length; keep++) {
      const text = `${' '.repeat(MAX_SCANNED_CHARS - keep)}${url}`;
      const cleaned = cleanMessage(text, 10_000);
      expect(cleaned).not.toMatch(/Tr0|Hor|se9/);
    }
  });
});

describe('maskSecrets', () => {
  it.each([
    // The password may hold an unencoded `@` or `/`: masked up to the last `@`.
    ['postgres://app:Tr0ub4dor@Horse9@db/x', 'postgres://app:***@db/x'],
    ['amqp://svc:Ab/cd99@mq', 'amqp://svc:***@mq'],
    ['amqp://svc:Ab/cd99@mq/vhost and more', 'amqp://svc:***@mq/vhost and more'],
    ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['failed postgres://app:pw@db:5432/x', 'failed postgres://app:***@db:5432/x'],
    // A user part alone, or a long one, is most often a token.
    ['https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/x', 'https://***@github.com/x'],
    [
      'https://ghp_16C7e42F292c6912E7710c838347Ae1:x-oauth-basic@github.com',
      'https://***@github.com',
    ],
    // An `@` in a path or a query is not userinfo.
    ['http://host/a@b', 'http://host/a@b'],
    ['http://host/users?email=a@b.example', 'http://host/users?email=a@b.example'],
    // A URL inside another one's query.
    ['http://x/login?next=https://u:p@h/y', 'http://x/login?next=https://u:***@h/y'],
    // libpq and ODBC strings.
    ['host=db user=app password=hunter2 dbname=x', 'host=db user=app password=*** dbname=x'],
    ["host=db password='a b c' dbname=x", 'host=db password=*** dbname=x'],
    ['Server=db;Uid=app;Pwd=s3cret;Database=x', 'Server=db;Uid=app;Pwd=***;Database=x'],
    ['password = hunter2', 'password = ***'],
    ['password="unclosed rest of text', 'password=***'],
    // Query values of keys that name a secret.
    [
      'GET https://api.example/v1?token=abc&page=2&api_key=k1&X-Amz-Signature=f00 failed',
      'GET https://api.example/v1?token=***&page=2&api_key=***&X-Amz-Signature=*** failed',
    ],
    ['https://h/cb#access_token=abc&state=1', 'https://h/cb#access_token=***&state=1'],
    ['?key=k&sig=s&secret=x&client_secret=y', '?key=***&sig=***&secret=***&client_secret=***'],
    // Nothing to mask.
    ['no secrets here: a=b, retries=3', 'no secrets here: a=b, retries=3'],
    ['a.a.a.a', 'a.a.a.a'],
    ['', ''],
  ])('maskSecrets(%j) is %j', (text, expected) => {
    expect(maskSecrets(text)).toBe(expected);
  });
});

describe('stripUrls (the built-in checks)', () => {
  it.each([
    ['postgres://app:Tr0ub4dor@Horse9@db/x', 'postgres://db/x'],
    ['amqp://svc:Ab/cd99@mq', 'amqp://mq'],
    ['see http://h/p?x=1, then', 'see http://h/p, then'],
    ['ends with punctuation http://h/?,,,,x!', 'ends with punctuation http://h/!'],
  ])('stripUrls(%j) is %j', (text, expected) => {
    expect(stripUrls(text)).toBe(expected);
  });
});

describe('messages of user checks', () => {
  it('are masked like those of the built-in checks', async () => {
    const health = createHealth({
      checks: {
        thrown: () => Promise.reject(new Error('cannot reach amqp://svc:Ab/cd99@mq')),
        returned: () => ({ status: 'DOWN', message: 'GET https://h/x?token=abc failed' }),
        libpq: () => Promise.reject(new Error('connect host=db password=hunter2 failed')),
      },
    });
    const { components } = await health.run();
    expect(components.thrown?.message).toBe('cannot reach amqp://svc:***@mq');
    expect(components.returned?.message).toBe('GET https://h/x?token=*** failed');
    expect(components.libpq?.message).toBe('connect host=db password=*** failed');
    health.close();
  });

  it('errorMessage() never throws, whatever was thrown', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });
    const badMessage = Object.defineProperty(new Error('x'), 'message', { get: trap });
    const badString = { toString: trap, valueOf: trap };
    expect(errorMessage(proxy)).toBe('check failed');
    expect(errorMessage(badMessage)).toBe('Error');
    expect(errorMessage(badString)).toBe('check failed');
    expect(describeError(proxy)).toBe('unknown error');
    expect(describeError(badMessage)).toBe('unknown error');
  });
});
