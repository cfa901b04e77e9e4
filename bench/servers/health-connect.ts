/**
 * @cloudnative/health-connect as its README sets it up: one HealthChecker, a ReadinessCheck
 * per check, `LivenessEndpoint` and `ReadinessEndpoint` mounted in an Express 4 app.
 */
import type { RequestListener } from 'node:http';
import { benchChecks, load, serve, type BenchCheck } from './common.js';
import { loadExpress } from './express.js';

interface HealthChecker {
  registerReadinessCheck(check: unknown): void;
}
interface HealthConnect {
  HealthChecker: new () => HealthChecker;
  ReadinessCheck: new (name: string, check: BenchCheck) => unknown;
  LivenessEndpoint(checker: HealthChecker): RequestListener;
  ReadinessEndpoint(checker: HealthChecker): RequestListener;
}

const health = await load<HealthConnect>('@cloudnative/health-connect');
const express = await loadExpress();
const checker = new health.HealthChecker();
for (const [name, check] of Object.entries(benchChecks())) {
  checker.registerReadinessCheck(new health.ReadinessCheck(name, check));
}
const app = express();
app.use('/health/live', health.LivenessEndpoint(checker));
app.use('/health/ready', health.ReadinessEndpoint(checker));
app.get('/', (_req, res) => {
  res.send('app');
});
await serve(app);
