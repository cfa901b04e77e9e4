import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP server that accepts connections and never answers: what a hung dependency, or a
 * firewall that lets SYNs through and drops everything after, looks like to a client.
 * It reads and discards what it gets, so it sees a client close its side, and then closes
 * its own (it never keeps a socket the client gave up).
 */
export interface BlackHole {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections the client has not closed yet. */
  openSockets(): number;
  close(): Promise<void>;
}

export async function blackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    get accepted() {
      return accepted;
    },
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
