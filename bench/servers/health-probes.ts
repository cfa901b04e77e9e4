/** The health-probes runner every health-probes server of the benchmark uses. */
import {
  benchChecks,
  CACHE_TTL_MS,
  checkKind,
  HANG_TIMEOUT_MS,
  loadHealthProbes,
} from './common.js';

/**
 * The built package and a runner with this scenario's checks: the default 1 s cache,
 * `timeoutMs: 200` for the never-settling check, `exposeErrors: false` for the throwing
 * one, as the targets of the benchmark state them.
 */
export async function benchHealth() {
  const probes = await loadHealthProbes();
  const kind = checkKind();
  const health = probes.createHealth({
    checks: benchChecks(kind),
    cacheTtlMs: CACHE_TTL_MS,
    ...(kind === 'hang' ? { timeoutMs: HANG_TIMEOUT_MS } : {}),
    ...(kind.startsWith('throw') ? { exposeErrors: false } : {}),
  });
  return { probes, health };
}
