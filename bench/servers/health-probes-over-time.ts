/**
 * health-probes over time (scenario 8): one check taking `BENCH_CHECK_MS`, run as
 * `BENCH_MODE` says (background, stale-while-revalidate or on request), answered by
 * `healthRouter` in Express 4 or by `withHealth` around it (`BENCH_MOUNT`).
 */
import { delayCheck, loadHealthProbes, serve } from './common.js';
import { loadExpress } from './express.js';
import { OVER_TIME_TIMEOUT_MS, overTimeSettings, overTimeTuning } from './over-time.js';

const { mode, checkMs, mount } = overTimeSettings();
const probes = await loadHealthProbes();
const health = probes.createHealth({
  timeoutMs: OVER_TIME_TIMEOUT_MS,
  checks: { database: { check: delayCheck(checkMs), ...overTimeTuning(mode) } },
});
const express = await loadExpress();
const app = express();
if (mount === 'router') app.use('/health', probes.healthRouter(health));
app.get('/', (_req, res) => {
  res.send('app');
});
await serve(mount === 'router' ? app : probes.withHealth(app, health));
