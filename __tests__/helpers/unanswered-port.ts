import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/**
 * A loopback port where TCP connects hang: a child process listens with a backlog of 1
 * and then blocks (without spinning) so it never accepts; once a few connections fill the
 * accept queue, the kernel drops further SYNs, as a firewall that drops packets does.
 */
export interface UnansweredPort {
  readonly port: number;
  close(): Promise<void>;
}

const CHILD = `
const server = require('node:net').createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  require('node:fs').writeSync(1, server.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
});
`;

export async function unansweredPort(): Promise<UnansweredPort> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())));
    child.once('exit', () => reject(new Error('the listening child exited')));
  });
  // Fill the accept queue: connect until one connect hangs (bounded to 8 tries).
  const fillers: Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const filler = connect(port, '127.0.0.1');
    filler.on('error', () => undefined);
    fillers.push(filler);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 250);
      filler.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const filler of fillers) filler.destroy();
      child.kill('SIGKILL');
      await exited;
    },
  };
}
