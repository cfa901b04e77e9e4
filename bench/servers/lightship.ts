/**
 * lightship as its README sets it up: `await createLightship()` (its own server; a random
 * port outside Kubernetes) and `signalReady()` once the app listens. It has no checks:
 * readiness is pushed by the app, so only liveness is measured.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, load } from './common.js';
import { loadExpress } from './express.js';

interface Lightship {
  createLightship: () => Promise<{ server: Server; signalReady(): void }>;
}

const { createLightship } = await load<Lightship>('lightship');
const lightship = await createLightship();
const express = await loadExpress();
const app = express();
app.get('/', (_req, res) => {
  res.send('app');
});
app.listen(0, '127.0.0.1', () => {
  lightship.signalReady();
  announce((lightship.server.address() as AddressInfo).port);
});
