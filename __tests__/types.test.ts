import type { RequestListener } from 'node:http';
import type { NextHandleFunction } from 'connect';
import type { RequestHandler as Express5Handler } from 'express';
import type { RequestHandler as Express4Handler } from 'express4';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createHealth,
  healthRouter,
  readiness,
  type CheckContext,
  type CheckFunction,
  type HealthHandler,
  type HealthOptions,
  type HealthReport,
  type HealthStatus,
} from '../lib/index.js';

describe('types', () => {
  it('handlers fit Express 4, Express 5, Connect and node:http', () => {
    expectTypeOf<HealthHandler>().toExtend<Express4Handler>();
    expectTypeOf<HealthHandler>().toExtend<Express5Handler>();
    expectTypeOf<HealthHandler>().toExtend<NextHandleFunction>();
    expectTypeOf<HealthHandler>().toExtend<RequestListener>();
    expectTypeOf(healthRouter(createHealth())).toEqualTypeOf<HealthHandler>();
  });

  it('check functions get their context typed and may return what drivers return', () => {
    const options: HealthOptions = {
      checks: {
        typed: ({ signal }) => {
          expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        },
        pong: () => Promise.resolve('PONG'),
        result: { check: () => ({ status: 'DEGRADED', message: 'slow' }), critical: false },
      },
    };
    expectTypeOf(options).toExtend<HealthOptions>();
    expectTypeOf<Parameters<CheckFunction>[0]>().toEqualTypeOf<CheckContext>();
    expectTypeOf(readiness({ db: () => true })).toEqualTypeOf<HealthHandler>();
  });

  it('rejects wrong shapes at compile time', () => {
    // Never called: these only have to fail to compile.
    const wrong = [
      // @ts-expect-error: the option is timeoutMs
      () => createHealth({ timeout: 5 }),
      // @ts-expect-error: statuses are upper case
      () => createHealth({ checks: { db: () => ({ status: 'up' }) } }),
      // @ts-expect-error: status codes are numbers
      () => readiness(createHealth(), { statusCodes: { DOWN: '503' } }),
    ];
    expectTypeOf(wrong).toBeArray();
  });

  it('reports are read-only and statuses are a closed union', () => {
    expectTypeOf<HealthReport['status']>().toEqualTypeOf<HealthStatus>();
    expectTypeOf<HealthStatus>().toEqualTypeOf<'UP' | 'DEGRADED' | 'DOWN'>();
  });

  it('run() promises a report; runCached() gives one now or undefined', () => {
    const health = createHealth();
    expectTypeOf(health.run()).toEqualTypeOf<Promise<HealthReport>>();
    expectTypeOf(health.runCached({ only: ['db'] })).toEqualTypeOf<HealthReport | undefined>();
  });
});
