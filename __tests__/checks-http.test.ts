import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checks, createHealth, HealthOptionsError } from '../lib/index.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { listen, type TestServer } from './helpers/server.js';

let upstream: TestServer;
const seen: { method?: string; url?: string; authorization?: string }[] = [];
// Sockets that carried a request to /stalled and are still open.
const stalled = new Set<Socket>();

beforeAll(async () => {
  upstream = await listen((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/ok') res.end('{"ready":true}');
    else if (path === '/fail') res.writeHead(500).end('{"ready":false}');
    else if (path === '/redirect') res.writeHead(302, { location: '/ok' }).end();
    else if (path === '/big') res.end('a'.repeat(100_000));
    else if (path === '/stalled')
      res.writeHead(200).write('{"ready":'); // never ends
    else res.writeHead(404).end();
  });
});

afterAll(() => upstream.close());

const at = (path: string) => `${upstream.url}${path}`;

describe('checks.http against a local upstream', () => {
  it('is UP on a 2xx, with the URL, the status code and the latency', async () => {
    const result = await runCheck(checks.http(at('/ok')));
    expect(result.status).toBe('UP');
    expect(result.details).toEqual({
      url: at('/ok'),
      statusCode: 200,
      latencyMs: expect.any(Number) as number,
    });
  });

  it('is DOWN on another status, saying what it expected', async () => {
    const result = await runCheck(checks.http(at('/fail')));
    expect(result).toMatchObject({
      status: 'DOWN',
      message: `GET ${at('/fail')} answered 500, expected 2xx`,
      details: { statusCode: 500 },
    });
    expect((await runCheck(checks.http(at('/fail'), { expectedStatus: [200, 500] }))).status).toBe(
      'UP',
    );
    expect((await runCheck(checks.http(at('/ok'), { expectedStatus: 204 }))).message).toBe(
      `GET ${at('/ok')} answered 200, expected 204`,
    );
  });

  it('does not follow redirects unless told to', async () => {
    expect((await runCheck(checks.http(at('/redirect')))).message).toBe(
      `GET ${at('/redirect')} answered 302, expected 2xx`,
    );
    expect((await runCheck(checks.http(at('/redirect'), { expectedStatus: 302 }))).status).toBe(
      'UP',
    );
    const followed = await runCheck(checks.http(at('/redirect'), { followRedirects: true }));
    expect(followed).toMatchObject({ status: 'UP', details: { statusCode: 200 } });
  });

  it('sends HEAD when asked', async () => {
    seen.length = 0;
    expect((await runCheck(checks.http(at('/ok'), { method: 'HEAD' }))).status).toBe('UP');
    expect(seen.map((request) => request.method)).toEqual(['HEAD']);
  });

  it('judges the body with expectBody, reading at most maxBodyBytes', async () => {
    const ready = (body: string) => (JSON.parse(body) as { ready: boolean }).ready;
    expect((await runCheck(checks.http(at('/ok'), { expectBody: ready }))).status).toBe('UP');
    expect(
      await runCheck(checks.http(at('/fail'), { expectBody: ready, expectedStatus: 500 })),
    ).toMatchObject({
      status: 'DOWN',
      message: `GET ${at('/fail')} answered a body that expectBody rejected`,
    });
    let length = 0;
    const sized = checks.http(at('/big'), {
      maxBodyBytes: 10,
      expectBody: (body) => {
        length = body.length;
        return true;
      },
    });
    expect((await runCheck(sized)).status).toBe('UP');
    expect(length).toBe(10);
  });

  it('sends URL credentials as Basic auth and never shows them or the query', async () => {
    seen.length = 0;
    const secretUrl = (path: string) =>
      `http://probe:s3cret-pw@127.0.0.1:${upstream.port}${path}?token=t0ken-value`;
    expect((await runCheck(checks.http(secretUrl('/ok')))).status).toBe('UP');
    expect(seen[0]).toEqual({
      method: 'GET',
      url: '/ok?token=t0ken-value',
      authorization: `Basic ${btoa('probe:s3cret-pw')}`,
    });
    const failed = await runCheck(checks.http(new URL(secretUrl('/fail'))));
    expect(failed.message).toBe(`GET ${at('/fail')} answered 500, expected 2xx`);
    expect(failed.details?.url).toBe(at('/fail'));
    expect(JSON.stringify(failed)).not.toMatch(/s3cret-pw|t0ken-value|probe:/);
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    const result = await runCheck(checks.http(`http://127.0.0.1:${port}/health`));
    expect(result).toMatchObject({
      status: 'DOWN',
      message: `GET http://127.0.0.1:${port}/health failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  // Node's fetch may then open one idle connection of its own, closed after its 4 s
  // keep-alive: checks-faults.test.ts waits for that one too.
  it('closes the connection when the body stalls past the timeout', async () => {
    const health = createHealth({
      checks: { upstream: checks.http(at('/stalled'), { timeoutMs: 300, expectBody: () => true }) },
    });
    try {
      const startedAt = performance.now();
      const report = await health.run();
      const elapsedMs = performance.now() - startedAt;
      expect(report.components.upstream).toMatchObject({
        status: 'DOWN',
        message: 'timed out after 300 ms',
      });
      expect(elapsedMs).toBeGreaterThanOrEqual(295);
      expect(elapsedMs).toBeLessThan(1500);
      await waitFor(
        'the stalled connection to close',
        () => (stalled.size === 0 ? true : undefined),
        {
          timeoutMs: 2000,
        },
      );
    } finally {
      health.close();
    }
  });

  it('cancels an unread body, so a stalled one does not hold the connection', async () => {
    expect(stalled.size).toBe(0);
    const result = await runCheck(checks.http(at('/stalled'), { timeoutMs: 2000 }));
    expect(result.status).toBe('UP');
    await waitFor(
      'the stalled connection to close',
      () => (stalled.size === 0 ? true : undefined),
      {
        timeoutMs: 2000,
      },
    );
  });
});

describe('checks.http options', () => {
  it.each([
    ['not a URL', 'health'],
    ['another scheme', 'ftp://user:s3cret-pw@127.0.0.1/'],
    ['a number', 8080],
  ])('rejects %s without quoting it', (_name, value) => {
    const attempt = () => checks.http(value as string);
    expect(attempt).toThrow(
      new HealthOptionsError(
        'checks.http(): expected an http: or https: URL (a string or a URL) as the first argument.',
        '',
      ),
    );
  });

  it.each([
    [{ method: 'POST' }, /^checks\.http\(\): invalid option `method`/],
    [{ expectedStatus: 99 }, /^checks\.http\(\): invalid option `expectedStatus`/],
    [{ expectedStatus: [] }, /^checks\.http\(\): invalid option `expectedStatus`/],
    [{ maxBodyBytes: 0 }, /^checks\.http\(\): invalid option `maxBodyBytes`/],
    [
      { expectBody: 'ready' },
      /^checks\.http\(\): invalid option `expectBody`: expected a function/,
    ],
    [{ redirect: 'follow' }, /^checks\.http\(\): unknown option `redirect`/],
  ])('rejects %o', (options, message) => {
    expect(() => checks.http('http://127.0.0.1/', options as never)).toThrow(message);
  });

  it.each([
    ['a name with a space', { 'bad header': 'x' }, /"bad header" is not a valid header name/],
    ['an empty name', { '': 'x' }, /"" is not a valid header name/],
    [
      'a value with a newline',
      { authorization: 'Bearer s3cret\r\nX-Injected: 1' },
      /the value of "authorization" is not a valid header value/,
    ],
  ])(
    'rejects headers with %s as a HealthOptionsError naming `headers`',
    (_label, headers, message) => {
      let thrown: unknown;
      try {
        checks.http('http://127.0.0.1/', { headers });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HealthOptionsError);
      expect(thrown).toMatchObject({ option: 'headers', code: 'ERR_HEALTH_OPTIONS' });
      expect((thrown as Error).message).toMatch(/^checks\.http\(\): invalid option `headers`: /);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain('s3cret');
    },
  );

  it('does not modify a frozen options object', () => {
    const options = Object.freeze({ headers: Object.freeze({ accept: 'application/json' }) });
    expect(() => checks.http('http://u:p@127.0.0.1/', options)).not.toThrow();
    expect(options).toEqual({ headers: { accept: 'application/json' } });
  });
});
