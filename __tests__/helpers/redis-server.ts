import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { closedPort, waitFor } from './poll.js';
import { serviceUp } from './services.js';

/** Whether a `redis-server` binary is on the PATH. */
export const redisServerInstalled =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * A private `redis-server` on a free loopback port, with no persistence, that the test can
 * stop and start again on the same port (an outage and a recovery).
 */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await closedPort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    child = spawn('redis-server', [...args, '--dir', tmpdir()], { stdio: 'ignore' });
    await waitFor(
      `redis-server on ${port}`,
      async () => ((await serviceUp(port)) ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
  };

  const stop = async () => {
    const current = child;
    child = undefined;
    if (current === undefined || current.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGKILL');
    await exited;
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, start };
}
