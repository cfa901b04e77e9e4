/** Baseline: a bare Express route answering `res.json({ status: 'UP' })`. */
import { serve } from './common.js';
import { loadExpress } from './express.js';

const express = await loadExpress();
const app = express();
app.get('/health/live', (_req, res) => {
  res.json({ status: 'UP' });
});
await serve(app);
