import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real service, to inject faults between a driver
 * and its server:
 *
 * - `delayMs`: added to every chunk the service sends back (order kept), so a round trip
 *   takes that much longer. Set it at any time; `0` forwards at once.
 * - `mode = 'black-hole'`: from then on nothing is forwarded either way, and new
 *   connections are accepted but never connected upstream: the connection stays open and
 *   silent, like a hung server. `'forward'` applies to connections made afterwards.
 * - `cut()`: the service goes away: every connection is destroyed and the port refuses
 *   connections. `restore()` listens on the same port again.
 */
export interface TcpProxy {
  readonly port: number;
  delayMs: number;
  mode: 'forward' | 'black-hole';
  /** Client connections that are still open. */
  openSockets(): number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(
  upstreamPort: number,
  upstreamHost = '127.0.0.1',
): Promise<TcpProxy> {
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let port = 0;
  const state = { delayMs: 0, mode: 'forward' as 'forward' | 'black-hole' };

  const onConnection = (client: Socket) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    if (state.mode === 'black-hole') {
      client.resume();
      return;
    }
    const upstream = connect(upstreamPort, upstreamHost);
    upstreams.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => {
      if (state.mode === 'forward') upstream.write(chunk);
    });
    let releaseAt = 0;
    upstream.on('data', (chunk) => {
      if (state.mode !== 'forward') return;
      if (state.delayMs === 0 && releaseAt <= performance.now()) {
        client.write(chunk);
        return;
      }
      releaseAt = Math.max(releaseAt, performance.now() + state.delayMs);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (state.mode === 'forward' && !client.destroyed) client.write(chunk);
      }, releaseAt - performance.now());
      timers.add(timer);
    });
  };

  const listen = async () => {
    const next = createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
    server = next;
  };

  const dropAll = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of [...clients, ...upstreams]) socket.destroy();
  };

  const stopListening = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = undefined;
      if (current === undefined) resolve();
      else current.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value: 'forward' | 'black-hole') {
      state.mode = value;
    },
    openSockets: () => clients.size,
    cut: async () => {
      const closing = stopListening();
      dropAll();
      await closing;
    },
    restore: listen,
    close: async () => {
      const closing = stopListening();
      dropAll();
      await closing;
    },
  };
}
