/**
 * express-actuator as its README sets it up: `app.use(actuator())` in an Express 4 app.
 * Its `/health` always answers `{"status":"UP"}`: it has no checks, so only liveness is
 * measured.
 */
import type { RequestListener } from 'node:http';
import { load, serve } from './common.js';
import { loadExpress } from './express.js';

const { default: actuator } = await load<{ default: () => RequestListener }>('express-actuator');
const express = await loadExpress();
const app = express();
app.use(actuator());
app.get('/', (_req, res) => {
  res.send('app');
});
await serve(app);
