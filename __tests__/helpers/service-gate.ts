import { serviceUp, servicesRequired } from './services.js';

/** Whether a loopback service can be tested, and the suffix that says why not. */
export interface ServiceGate {
  /** `true` when the service is down and not required: skip its tests. */
  readonly skip: boolean;
  /** `''`, or `' (skipped: PostgreSQL is not reachable on 127.0.0.1:5432)'` for the suite title. */
  readonly reason: string;
}

/**
 * Probes `127.0.0.1:port`. A missing service skips its suites with the reason in their
 * titles (and a warning), unless `REQUIRE_SERVICES=1`: then it is a failure.
 */
export async function serviceGate(name: string, port: number): Promise<ServiceGate> {
  if (await serviceUp(port)) return { skip: false, reason: '' };
  const why = `${name} is not reachable on 127.0.0.1:${port}`;
  if (servicesRequired) throw new Error(`${why}, and REQUIRE_SERVICES=1 requires it`);
  console.warn(`skipping the ${name} tests: ${why}`);
  return { skip: true, reason: ` (skipped: ${why})` };
}
