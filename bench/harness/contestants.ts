/** The servers compared, each with the paths it answers and what it cannot do. */

export interface Contestant {
  /** Short id, used by `BENCH_ONLY`. */
  readonly id: string;
  /** Name in the report (Markdown). */
  readonly label: string;
  /** Which group it belongs to in the report. */
  readonly group: 'baseline' | 'health-probes' | 'existing';
  /** Its server file in `servers/`, without extension. */
  readonly server: string;
  /** Extra environment for the server process. */
  readonly env?: Readonly<Record<string, string>>;
  /** The liveness path. */
  readonly live: string;
  /** The readiness path, which runs the checks; absent: the library has no checks. */
  readonly ready?: string;
  /** Why the check scenarios do not apply, when `ready` is absent. */
  readonly noChecks?: string;
  /** Runs in the memory scenario (6) only: a baseline that separates a cost. */
  readonly memoryOnly?: boolean;
}

/** The baseline every ratio is taken against: bare Express 4 with `res.json`. */
export const BASELINE = 'express-json';
/** The baseline of `withHealth`: a bare `node:http` handler. */
export const NODE_BASELINE = 'node-http';
/**
 * The servers measured in pairs with {@link BASELINE} (both loaded at once on CPU 0), and
 * on which paths: the Express-mounted targets, and the `res.end()` floor for reference.
 */
export const PAIRED: readonly { readonly id: string; readonly path: 'live' | 'ready' }[] = [
  { id: 'express-end', path: 'live' },
  { id: 'hp-router', path: 'live' },
  { id: 'hp-router', path: 'ready' },
];
/** The libraries the 50 ms check target compares against. */
export const EXISTING = ['terminus', 'health-connect'];

export const CONTESTANTS: readonly Contestant[] = [
  {
    id: 'express-json',
    label: 'bare Express 4, `res.json()`',
    group: 'baseline',
    server: 'baseline-express-json',
    live: '/health/live',
  },
  {
    id: 'express-end',
    label: 'bare Express 4, `res.end()` of a precomputed body',
    group: 'baseline',
    server: 'baseline-express-end',
    live: '/health/live',
  },
  {
    id: 'express-zod',
    label: 'bare Express 4, `res.json()`, with zod imported',
    group: 'baseline',
    server: 'baseline-express-json',
    env: { BENCH_IMPORT_ZOD: '1' },
    live: '/health/live',
    memoryOnly: true,
  },
  {
    id: 'express5-json',
    label: 'bare Express 5, `res.json()`',
    group: 'baseline',
    server: 'baseline-express-json',
    env: { BENCH_EXPRESS: '5' },
    live: '/health/live',
  },
  {
    id: 'node-http',
    label: 'bare `node:http` handler',
    group: 'baseline',
    server: 'baseline-node-http',
    live: '/health/live',
  },
  {
    id: 'hp-router',
    label: 'health-probes `healthRouter` in Express 4',
    group: 'health-probes',
    server: 'health-probes-router',
    live: '/health/live',
    ready: '/health/ready',
  },
  {
    id: 'hp-router-e5',
    label: 'health-probes `healthRouter` in Express 5',
    group: 'health-probes',
    server: 'health-probes-router',
    env: { BENCH_EXPRESS: '5' },
    live: '/health/live',
    ready: '/health/ready',
  },
  {
    id: 'hp-with-health',
    label: 'health-probes `withHealth` around Express 4',
    group: 'health-probes',
    server: 'health-probes-with-health',
    live: '/health/live',
    ready: '/health/ready',
  },
  {
    id: 'terminus',
    label: '@godaddy/terminus',
    group: 'existing',
    server: 'terminus',
    live: '/health/live',
    ready: '/health/ready',
  },
  {
    id: 'health-connect',
    label: '@cloudnative/health-connect',
    group: 'existing',
    server: 'health-connect',
    live: '/health/live',
    ready: '/health/ready',
  },
  {
    id: 'lightship',
    label: 'lightship',
    group: 'existing',
    server: 'lightship',
    live: '/live',
    noChecks: 'no checks: readiness is pushed with `signalReady()`',
  },
  {
    id: 'express-actuator',
    label: 'express-actuator',
    group: 'existing',
    server: 'express-actuator',
    live: '/health',
    noChecks: 'no checks: `/health` is always UP',
  },
];
