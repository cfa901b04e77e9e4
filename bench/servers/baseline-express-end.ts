/** Baseline: a bare Express route writing a body serialised once with `res.end`. */
import { serve } from './common.js';
import { loadExpress } from './express.js';

const BODY = Buffer.from(JSON.stringify({ status: 'UP' }));
const HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': BODY.length,
};

const express = await loadExpress();
const app = express();
app.get('/health/live', (_req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
await serve(app);
