import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checks, HealthOptionsError } from '../lib/index.js';
import { closedPort } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';
import { serviceGate } from './helpers/service-gate.js';

const gate = await serviceGate('MariaDB', 3306);
const URI = 'mysql://root@127.0.0.1:3306/test';

describe.skipIf(gate.skip)(`checks.mysql against MariaDB${gate.reason}`, () => {
  it('is UP through a mysql2/promise pool, and gives the connection back', async () => {
    const pool = mysql2Promise.createPool({ uri: URI, connectionLimit: 1 });
    let connections = 0;
    pool.on('connection', () => connections++);
    try {
      const definition = checks.mysql(pool, { cacheTtlMs: 0 });
      for (let i = 0; i < 3; i++) {
        const result = await runCheck(definition);
        expect(result.status).toBe('UP');
        expect(result.details?.latencyMs).toBeGreaterThan(0);
      }
      expect(connections).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('is UP through a callback pool, and gives the connection back', async () => {
    const pool = mysql2.createPool({ uri: URI, connectionLimit: 1 });
    let connections = 0;
    pool.on('connection', () => connections++);
    try {
      const definition = checks.mysql(pool, { cacheTtlMs: 0 });
      for (let i = 0; i < 3; i++) expect((await runCheck(definition)).status).toBe('UP');
      expect(connections).toBe(1);
    } finally {
      await new Promise<void>((resolve) => pool.end(() => resolve()));
    }
  });

  it('quotes the server error, never the password', async () => {
    const pool = mysql2Promise.createPool({
      uri: 'mysql://root:s3cret-pw@127.0.0.1:3306/test',
      connectionLimit: 1,
    });
    try {
      const result = await runCheck(checks.mysql(pool));
      expect(result.status).toBe('DOWN');
      expect(result.message).toMatch(
        /^cannot get a connection: Access denied for user 'root'@'[^']+' \(using password: YES\)$/,
      );
      expect(JSON.stringify(result)).not.toContain('s3cret-pw');
    } finally {
      await pool.end();
    }
  });

  it('reports a refused connection without the connection string', async () => {
    const port = await closedPort();
    const pool = mysql2Promise.createPool({ uri: `mysql://root:s3cret-pw@127.0.0.1:${port}/test` });
    try {
      const result = await runCheck(checks.mysql(pool));
      expect(result.status).toBe('DOWN');
      expect(result.message).toBe(
        `cannot get a connection: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      expect(JSON.stringify(result)).not.toContain('s3cret-pw');
    } finally {
      await pool.end();
    }
  });
});

describe('checks.mysql contract', () => {
  it.each([
    ['undefined', undefined],
    ['a URI', 'mysql://localhost/test'],
    ['an object without getConnection()', { query: () => Promise.resolve() }],
  ])('throws HealthOptionsError for %s', (_name, value) => {
    expect(() => checks.mysql(value as never)).toThrow(
      new HealthOptionsError('checks.mysql(): expected a mysql2 pool as the first argument.', ''),
    );
  });

  it('rejects unknown options with a hint', () => {
    const pool = { getConnection: () => Promise.reject(new Error('unused')) };
    expect(() => checks.mysql(pool, { critcal: false } as never)).toThrow(
      'checks.mysql(): unknown option `critcal`. Did you mean `critical`?',
    );
  });

  it('takes the mysql2 types as they are, without importing mysql2', () => {
    expectTypeOf<mysql2Promise.Pool>().toExtend<checks.MysqlPoolLike>();
    expectTypeOf<mysql2.Pool>().toExtend<checks.MysqlPoolLike>();
    expectTypeOf<mysql2Promise.PoolConnection>().toExtend<checks.MysqlConnectionLike>();
    expectTypeOf<mysql2.PoolConnection>().toExtend<checks.MysqlConnectionLike>();
  });
});
