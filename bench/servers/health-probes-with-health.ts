/** health-probes: `withHealth(app, health)` in front of an Express 4 app, as the server's listener. */
import { serve } from './common.js';
import { loadExpress } from './express.js';
import { benchHealth } from './health-probes.js';

const express = await loadExpress();
const { probes, health } = await benchHealth();
const { withHealth } = probes;
const app = express();
app.get('/', (_req, res) => {
  res.send('app');
});
await serve(withHealth(app, health));
