import { isIP } from 'node:net';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import { judge, withLevels } from './levels.js';
import { elapsedMs } from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const pem = () => z.union([z.string().min(1), z.instanceof(Buffer)]);

// Built on first use (z.lazy): apps that never call this factory do not pay for it.
const tlsSchema = z.lazy(() =>
  withLevels(
    checkTuningSchema.extend({
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65_535),
      servername: z.string().min(1).max(253).optional(),
      warnDays: z.number().positive(),
      minDays: z.number().min(0).optional(),
      ca: z.union([pem(), z.array(pem()).min(1)]).optional(),
    }),
    [['warnDays', 'minDays', 'below']],
    false,
  ),
);

/**
 * Options of {@link tls}.
 *
 * - `host`, `port`: where to connect, e.g. `'api.internal'`, `443`. Required.
 * - `servername`: the name sent in SNI and checked against the certificate. Defaults to
 *   `host` (an IP address is checked against the certificate's IP entries, without SNI).
 * - `warnDays`: DEGRADED when fewer days than this are left before the certificate
 *   expires. Required.
 * - `minDays`: DOWN when fewer days than this are left. Defaults to `0`; below `warnDays`.
 * - `ca`: the certificates (PEM) to trust instead of Node's bundled roots, for a
 *   self-signed or private-CA certificate.
 * - plus the tuning of every check: `critical`, `timeoutMs`, `cacheTtlMs`.
 */
export type TlsOptions = z.input<typeof tlsSchema>;

const DAY_MS = 86_400_000;

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  return Object.entries(name ?? {})
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

/**
 * Checks a TLS endpoint's certificate: connects, completes the handshake, reads the peer
 * certificate and closes. DOWN when the certificate fails verification (expired, not yet
 * valid, an untrusted issuer, a name that does not match: the OpenSSL or Node code is in
 * the message, e.g. `'CERT_HAS_EXPIRED'`) or fewer than `minDays` days are left; DEGRADED
 * within `warnDays` of expiry. Spring Boot's `ssl` indicator warns the same way. On
 * timeout the socket is destroyed.
 *
 * Details (once a certificate was received): `validTo` (ISO 8601), `daysLeft` (fractional
 * days, negative once expired), `subject` and `issuer` (`'CN=api.internal, O=Example'`),
 * `latencyMs` (connect and handshake, in milliseconds).
 *
 * @throws {HealthOptionsError} when `host`, `port` or `warnDays` is missing or invalid, or
 *   `minDays` is not below `warnDays`.
 * @example
 * createHealth({ checks: { cert: checks.tls({ host: 'api.internal', port: 443, warnDays: 14, critical: false }) } });
 */
export function tls(options: TlsOptions): CheckDefinition {
  const {
    host,
    port,
    servername,
    warnDays,
    minDays = 0,
    ca,
    ...tuning
  } = parseOptions('checks.tls()', tlsSchema, options);
  const name = servername ?? (isIP(host) === 0 ? host : undefined);
  return {
    ...pickTuning(tuning),
    check: function tlsCheck({ signal }): Promise<CheckResult> {
      const startedAt = performance.now();
      return new Promise<CheckResult>((resolve, reject) => {
        // Verified below, so an expired certificate can still be reported with its dates.
        const socket = connect({
          host,
          port,
          ...(name === undefined ? {} : { servername: name }),
          ...(ca === undefined ? {} : { ca }),
          rejectUnauthorized: false,
        });
        const onAbort = () => {
          socket.destroy();
          reject(signal.reason as Error);
        };
        const settle = (result: CheckResult) => {
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(result);
        };
        socket.once('secureConnect', () => settle(judgeCertificate(socket, startedAt)));
        socket.on('error', (error) => settle({ status: 'DOWN', message: describeError(error) }));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };

  function judgeCertificate(socket: TLSSocket, startedAt: number): CheckResult {
    const latencyMs = elapsedMs(startedAt);
    const certificate = socket.getPeerCertificate();
    const validTo = Date.parse(certificate.valid_to);
    if (Number.isNaN(validTo)) {
      return { status: 'DOWN', message: 'the server sent no certificate', details: { latencyMs } };
    }
    const details = {
      validTo: new Date(validTo).toISOString(),
      daysLeft: Math.floor(((validTo - Date.now()) / DAY_MS) * 100) / 100,
      subject: distinguishedName(certificate.subject),
      issuer: distinguishedName(certificate.issuer),
      latencyMs,
    };
    if (!socket.authorized) {
      const why = describeError(socket.authorizationError);
      return { status: 'DOWN', message: `certificate not accepted: ${why}`, details };
    }
    const verdict = judge([
      {
        name: 'daysLeft',
        value: details.daysLeft,
        worse: 'below',
        unit: ' days',
        warn: ['warnDays', warnDays],
        down: ['minDays', minDays],
      },
    ]);
    return { ...verdict, details };
  }
}
