// checks.tls against local node:tls servers, with certificates made for the test by the
// Debian `openssl` CLI: a private CA signs leaves with chosen dates (`openssl ca
// -startdate/-enddate`, which OpenSSL 3.0's `req -x509` cannot set), plus one self-signed.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checks, HealthOptionsError } from '../lib/index.js';
import { blackHole } from './helpers/black-hole.js';
import { closedPort, waitFor } from './helpers/poll.js';
import { runCheck } from './helpers/run-check.js';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

let dir: string;
const servers: Server[] = [];
let ca: string;
const ports: Record<string, number> = {};

/** `YYYYMMDDHHMMSSZ`, the form `openssl ca -startdate` takes. */
const stamp = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * DAY_MS).toISOString().replace(/[-:T]|\.\d+/g, '');

async function openssl(...args: string[]) {
  await run('openssl', args, { cwd: dir, timeout: 10_000 });
}

async function leaf(name: string, fromDays: number, toDays: number) {
  await openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-subj',
    '/CN=localhost',
    '-out',
    `${name}.csr`,
  );
  await openssl(
    'ca',
    '-batch',
    '-notext',
    '-config',
    'ca.cnf',
    '-extensions',
    'leaf',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
    '-startdate',
    stamp(fromDays),
    '-enddate',
    stamp(toDays),
  );
}

async function serve(name: string) {
  const server = createServer({
    key: await readFile(join(dir, `${name}.key`)),
    cert: await readFile(join(dir, `${name}.pem`)),
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  ports[name] = (server.address() as { port: number }).port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'health-probes-tls-'));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '01\n');
  await writeFile(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      'serial = $dir/serial',
      'certificate = $dir/ca.pem',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '[leaf]',
      'basicConstraints = CA:FALSE',
      'subjectAltName = DNS:localhost,IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=Test CA/O=health-probes',
  );
  await leaf('valid', -1, 365);
  await leaf('soon', -1, 5);
  await leaf('expired', -60, -30);
  await leaf('future', 10, 100);
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  );
  ca = await readFile(join(dir, 'ca.pem'), 'utf8');
  for (const name of ['valid', 'soon', 'expired', 'future', 'self']) await serve(name);
}, 30_000);

afterAll(async () => {
  for (const server of servers) server.close();
  await rm(dir, { recursive: true, force: true });
});

const port = (name: string) => ports[name] ?? 0;

describe('checks.tls', () => {
  it('is UP for a valid certificate of a private CA given as `ca`, with its dates', async () => {
    const result = await runCheck(
      checks.tls({ host: 'localhost', port: port('valid'), warnDays: 30, ca }),
    );
    expect(result.status).toBe('UP');
    expect(result.message).toBeUndefined();
    expect(result.details).toMatchObject({
      subject: 'CN=localhost',
      issuer: 'CN=Test CA, O=health-probes',
    });
    expect(result.details?.daysLeft).toBeGreaterThan(364);
    expect(result.details?.daysLeft).toBeLessThanOrEqual(365);
    expect(Date.parse(result.details?.validTo as string)).toBeGreaterThan(
      Date.now() + 364 * DAY_MS,
    );
    expect(result.details?.latencyMs).toBeGreaterThan(0);
  });

  it('checks an IP address against the certificate IP entries', async () => {
    const result = await runCheck(
      checks.tls({ host: '127.0.0.1', port: port('valid'), warnDays: 30, ca }),
    );
    expect(result.status).toBe('UP');
  });

  it.each<[string, Parameters<typeof checks.tls>[0], string, RegExp]>([
    [
      'about to expire: DEGRADED within warnDays',
      { host: 'localhost', port: 0, warnDays: 30 },
      'DEGRADED',
      /^daysLeft 4\.9\d days is below warnDays 30 days by 25\.0\d days$/,
    ],
    [
      'about to expire: DOWN within minDays',
      { host: 'localhost', port: 0, warnDays: 30, minDays: 7 },
      'DOWN',
      /^daysLeft 4\.9\d days is below minDays 7 days by 2\.0\d days$/,
    ],
  ])('%s', async (_name, options, status, message) => {
    const result = await runCheck(checks.tls({ ...options, port: port('soon'), ca }));
    expect(result.status).toBe(status);
    expect(result.message).toMatch(message);
  });

  it.each([
    ['expired', 'expired', {}, 'CERT_HAS_EXPIRED'],
    ['not yet valid', 'future', {}, 'CERT_NOT_YET_VALID'],
    [
      'for another host name',
      'valid',
      { servername: 'wrong.example' },
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    [
      'of a CA not trusted (no `ca`)',
      'valid',
      { ca: undefined },
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ],
    ['self-signed, without `ca`', 'self', { ca: undefined }, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ])('is DOWN for a certificate %s, with its dates', async (_name, server, extra, code) => {
    const result = await runCheck(
      checks.tls({ host: 'localhost', port: port(server), warnDays: 30, ca, ...extra }),
    );
    expect(result.status).toBe('DOWN');
    expect(result.message).toBe(`certificate not accepted: ${code}`);
    expect(result.details).toMatchObject({ subject: 'CN=localhost' });
    if (server === 'expired') expect(result.details?.daysLeft).toBeLessThan(-29);
  });

  it('is UP for the self-signed certificate once it is given as `ca`', async () => {
    const self = await readFile(join(dir, 'self.pem'));
    const result = await runCheck(
      checks.tls({ host: 'localhost', port: port('self'), warnDays: 7, ca: [self] }),
    );
    expect(result.status).toBe('UP');
    expect(result.details).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=localhost' });
  });

  it('is DOWN at once on a closed port', async () => {
    const closed = await closedPort();
    const startedAt = performance.now();
    const result = await runCheck(checks.tls({ host: '127.0.0.1', port: closed, warnDays: 30 }));
    expect(result.status).toBe('DOWN');
    expect(result.message).toBe(`connect ECONNREFUSED 127.0.0.1:${closed}`);
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });

  it('is DOWN at the timeout on a black hole, leaving no socket', async () => {
    const hole = await blackHole();
    try {
      const result = await runCheck(
        checks.tls({ host: '127.0.0.1', port: hole.port, warnDays: 30, timeoutMs: 300 }),
      );
      expect(result).toMatchObject({ status: 'DOWN', message: 'timed out after 300 ms' });
      expect(result.durationMs).toBeGreaterThanOrEqual(295);
      expect(hole.accepted).toBe(1);
      await waitFor('no open socket', () => (hole.openSockets() === 0 ? true : undefined));
    } finally {
      await hole.close();
    }
  });

  it.each<[string, () => unknown, string]>([
    ['without warnDays', () => checks.tls({ host: 'a', port: 443 } as never), 'warnDays'],
    [
      'minDays not below warnDays',
      () => checks.tls({ host: 'a', port: 443, warnDays: 7, minDays: 7 }),
      'warnDays',
    ],
    ['a port out of range', () => checks.tls({ host: 'a', port: 70_000, warnDays: 7 }), 'port'],
  ])('rejects options %s', (_name, build, option) => {
    expect(build).toThrow(HealthOptionsError);
    try {
      build();
    } catch (error) {
      expect((error as HealthOptionsError).option).toBe(option);
    }
  });
});
