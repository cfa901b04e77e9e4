/** The machine and the versions a report states. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly os: string;
  /** The 1-minute load average when the run started: other work on the machine skews figures. */
  readonly loadAverage: number;
}

export function machine(): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage: loadavg()[0] ?? 0,
  };
}

/** The packages compared, by name, with the version installed under `bench/node_modules`. */
export const PACKAGES = [
  'express',
  'express5',
  '@godaddy/terminus',
  '@cloudnative/health-connect',
  '@cloudnative/health',
  'lightship',
  'express-actuator',
  'autocannon',
] as const;

function version(file: string): string {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return 'not installed';
  }
}

/** `name version` of health-probes (with its commit) and of every package compared. */
export function versions(benchDir: string, rootDir: string): [string, string][] {
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: rootDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout: the version alone.
  }
  const own = version(join(rootDir, 'package.json'));
  return [
    ['health-probes', commit === '' ? own : `${own} (${commit}, built dist/)`],
    ...PACKAGES.map((name): [string, string] => [
      name === 'express5' ? 'express (5)' : name,
      version(join(benchDir, 'node_modules', name, 'package.json')),
    ]),
  ];
}
