import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceUp } from './services.js';

/** Debian's nginx (package nginx-light). */
export const NGINX = '/usr/sbin/nginx';
export const nginxInstalled = existsSync(NGINX);

/** An NGINX in the foreground on a loopback port, with everything in its own temp dir. */
export interface TestNginx {
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts NGINX with `locations` (the inside of a `server {}` block, where `$UPSTREAM` is
 * `http://127.0.0.1:<upstreamPort>`), pid, logs and temp files in a new temp dir, and
 * waits until it accepts connections (5 s at most).
 */
export async function startNginx(upstreamPort: number, locations: string): Promise<TestNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'health-probes-nginx-'));
  const port = await freePort();
  const config = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    ${locations.replaceAll('$UPSTREAM', `http://127.0.0.1:${upstreamPort}`)}
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), config);
  const child = spawn(
    NGINX,
    ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 5000;
  while (!(await serviceUp(port))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`nginx did not start: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, process: child, stop };
}
