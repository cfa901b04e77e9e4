/**
 * Baseline: a bare Express route answering `res.json({ status: 'UP' })`. With
 * `BENCH_IMPORT_ZOD=1` it also imports zod (the copy health-probes uses), so the memory
 * scenario can tell zod's footprint from health-probes' own.
 */
import { load, serve } from './common.js';
import { loadExpress } from './express.js';

if (process.env.BENCH_IMPORT_ZOD === '1') await load('zod');
const express = await loadExpress();
const app = express();
app.get('/health/live', (_req, res) => {
  res.json({ status: 'UP' });
});
await serve(app);
