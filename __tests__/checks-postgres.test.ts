import pg from 'pg';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checks, HealthOptionsError } from '../lib/index.js';
import { closedPort } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';

const gate = await serviceGate('PostgreSQL', 5432);
const URL = 'postgres://postgres@127.0.0.1:5432/test';

describe.skipIf(gate.skip)(`checks.postgres against PostgreSQL${gate.reason}`, () => {
  it('is UP through a Pool, with the round trip and the pool counters', async () => {
    const pool = new pg.Pool({ connectionString: URL, max: 2 });
    try {
      const result = await runCheck(checks.postgres(pool));
      expect(result.status).toBe('UP');
      expect(result.details).toEqual({
        latencyMs: expect.any(Number) as number,
        totalCount: 1,
        idleCount: 1,
        waitingCount: 0,
      });
      expect(result.details?.latencyMs).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
  });

  it('gives the client back: many runs on a pool of one reuse one connection', async () => {
    const pool = new pg.Pool({ connectionString: URL, max: 1 });
    const connections: unknown[] = [];
    pool.on('connect', (client) => connections.push(client));
    try {
      const definition = checks.postgres(pool, { cacheTtlMs: 0 });
      for (let i = 0; i < 5; i++) expect((await runCheck(definition)).status).toBe('UP');
      expect(connections).toHaveLength(1);
      expect([pool.totalCount, pool.idleCount, pool.waitingCount]).toEqual([1, 1, 0]);
    } finally {
      await pool.end();
    }
  });

  it('is UP through a connected Client, with the round trip only', async () => {
    const client = new pg.Client({ connectionString: URL });
    await client.connect();
    try {
      const result = await runCheck(checks.postgres(client));
      expect(result.status).toBe('UP');
      expect(Object.keys(result.details ?? {})).toEqual(['latencyMs']);
    } finally {
      await client.end();
    }
  });

  it('quotes the server error, never the password or the query string', async () => {
    const secretUrl =
      'postgres://postgres:s3cret-pw@127.0.0.1:5432/no_such_db?application_name=t0ken-value';
    const pool = new pg.Pool({ connectionString: secretUrl });
    try {
      const result = await runCheck(checks.postgres(pool));
      expect(result.status).toBe('DOWN');
      expect(result.message).toBe('cannot get a connection: database "no_such_db" does not exist');
      expect(JSON.stringify(result)).not.toMatch(/s3cret-pw|t0ken-value/);
    } finally {
      await pool.end();
    }
  });

  it('reports a refused connection without the connection string', async () => {
    const port = await closedPort();
    const pool = new pg.Pool({
      connectionString: `postgres://app:s3cret-pw@127.0.0.1:${port}/test`,
    });
    try {
      const result = await runCheck(checks.postgres(pool));
      expect(result.status).toBe('DOWN');
      expect(result.message).toBe(
        `cannot get a connection: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      expect(JSON.stringify(result)).not.toContain('s3cret-pw');
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
  });
});

describe('checks.postgres contract', () => {
  it.each([
    ['undefined', undefined],
    ['a connection string', 'postgres://localhost/test'],
    ['an object without query()', { connect: () => Promise.resolve() }],
  ])('throws HealthOptionsError for %s', (_name, value) => {
    expect(() => checks.postgres(value as unknown as pg.Pool)).toThrow(
      new HealthOptionsError(
        'checks.postgres(): expected a pg Pool or Client as the first argument.',
        '',
      ),
    );
  });

  it('rejects unknown options with a hint, and passes its tuning on', () => {
    const client = { query: () => Promise.resolve() };
    expect(() => checks.postgres(client, { timeout: 5 } as never)).toThrow(
      'checks.postgres(): unknown option `timeout`. Did you mean `timeoutMs`?',
    );
    const definition = checks.postgres(client, { critical: false, timeoutMs: 250, cacheTtlMs: 0 });
    expect(definition).toMatchObject({ critical: false, timeoutMs: 250, cacheTtlMs: 0 });
  });

  it('takes the pg types as they are, without importing pg', () => {
    expectTypeOf<pg.Pool>().toExtend<checks.PgPoolLike>();
    expectTypeOf<pg.Client>().toExtend<checks.PgClientLike>();
    expectTypeOf<pg.PoolClient>().toExtend<checks.PgPoolClientLike>();
  });
});
