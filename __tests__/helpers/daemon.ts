// A daemon under test (Caddy, Varnish, the blackbox exporter): spawned with piped output,
// every line of stdout and stderr kept (the last 2000), and always stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { describe } from '../../lib/describe.js';
import { ROOT } from '../fixtures/child.js';

export interface Daemon {
  readonly process: ChildProcess;
  /** Lines of stdout and stderr, interleaved as they came; the last 2000. */
  readonly lines: readonly string[];
  /** The last 40 lines, for failure messages. */
  tail(): string;
  /** Whether it is still running. */
  readonly running: boolean;
  /** SIGTERM, SIGKILL after 5 s, then waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

const MAX_LINES = 2000;

/** Debian's `nobody` and `nogroup`. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** Whether this process is root, so that daemons can be started as {@link NOBODY}. */
export const isRoot = process.getuid?.() === 0;

/**
 * Spawns `command` in the repository root with `env` added to the environment. Run as root,
 * it runs as {@link NOBODY} (the files it reads or writes must allow that), unless
 * `ownJail` says the daemon drops its privileges itself (varnishd's `-j unix`).
 */
export function startDaemon(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  { ownJail = false }: { ownJail?: boolean } = {},
): Daemon {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(isRoot && !ownJail ? NOBODY : {}),
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    });
  }
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running = false;
      resolve();
    });
    child.once('error', (error) => {
      running = false;
      lines.push(`spawn failed: ${describe(error)}`);
      resolve();
    });
  });
  return {
    process: child,
    lines,
    tail: () => lines.slice(-40).join('\n'),
    get running() {
      return running;
    },
    async stop() {
      if (running) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
