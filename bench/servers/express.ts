/**
 * Express (4, or 5 with `BENCH_EXPRESS=5`) as the benchmark loads it: the package
 * `express` of `bench/package.json` is Express 4, `express5` is Express 5.
 */
import { load, useExpress5 } from './common.js';

/** The `express()` factory of Express 4 (typed by `@types/express4`). */
export type Express4 = typeof import('express4');

/** Loads Express 4, or Express 5 when the runner asked for it. */
export async function loadExpress(): Promise<Express4> {
  const module = await load<{ default: Express4 }>(useExpress5() ? 'express5' : 'express');
  return module.default;
}
