import { connect } from 'node:net';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import { elapsedMs } from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const tcpSchema = z.lazy(() =>
  checkTuningSchema.extend({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65_535),
  }),
);

/**
 * Options of {@link tcp}.
 *
 * - `host`: host name or IP address to connect to, e.g. `'db.internal'` or `'127.0.0.1'`.
 *   Required.
 * - `port`: TCP port, 1 to 65535. Required.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type TcpOptions = z.input<typeof tcpSchema>;

/**
 * Checks that a TCP connection to `host:port` can be opened (name lookup included), then
 * closes it at once: for a dependency that has no client here or no protocol to speak.
 * On timeout the socket is destroyed.
 *
 * Details: `host`, `port`, `latencyMs` (the connect time, in milliseconds).
 *
 * @throws {HealthOptionsError} when `host` or `port` is missing or invalid.
 * @example
 * createHealth({ checks: { smtp: checks.tcp({ host: 'mail.internal', port: 25, critical: false }) } });
 */
export function tcp(options: TcpOptions): CheckDefinition {
  const { host, port, ...tuning } = parseOptions('checks.tcp()', tcpSchema, options);
  return {
    ...pickTuning(tuning),
    check: function tcpCheck({ signal }): Promise<CheckResult> {
      const startedAt = performance.now();
      return new Promise<CheckResult>((resolve, reject) => {
        const socket = connect({ host, port });
        const onAbort = () => {
          socket.destroy();
          reject(signal.reason as Error);
        };
        const settle = (result: CheckResult) => {
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(result);
        };
        socket.once('connect', () => {
          settle({ status: 'UP', details: { host, port, latencyMs: elapsedMs(startedAt) } });
        });
        socket.on('error', (error) => {
          settle({ status: 'DOWN', message: describeError(error), details: { host, port } });
        });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
