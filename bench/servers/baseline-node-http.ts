/** Baseline: a bare `node:http` handler writing a body serialised once. */
import { serve } from './common.js';

const BODY = Buffer.from(JSON.stringify({ status: 'UP' }));
const HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': BODY.length,
};

await serve((req, res) => {
  if (req.url === '/health/live') res.writeHead(200, HEADERS).end(BODY);
  else res.writeHead(404).end();
});
