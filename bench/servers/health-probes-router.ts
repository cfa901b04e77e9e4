/** health-probes: `healthRouter` mounted at `/health` in Express (4, or 5 with BENCH_EXPRESS=5). */
import { serve } from './common.js';
import { loadExpress } from './express.js';
import { benchHealth } from './health-probes.js';

const express = await loadExpress();
const { probes, health } = await benchHealth();
const app = express();
app.use('/health', probes.healthRouter(health));
app.get('/', (_req, res) => {
  res.send('app');
});
await serve(app);
