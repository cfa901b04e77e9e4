import { connect } from 'node:net';

/**
 * Whether a loopback service answers on `port`. Tests of a missing service are skipped
 * with the reason on a laptop, but `REQUIRE_SERVICES=1` (set by .ci/run) makes them fail.
 */
export async function serviceUp(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** `true` when a service is required: then a missing one is a failure, not a skip. */
export const servicesRequired = process.env.REQUIRE_SERVICES === '1';
