import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { describe } from './describe.js';
import { resolveHealth } from './http/probe-options.js';
import { parseOptions } from './options.js';
import type { Health } from './runner/health.js';

/** The defaults of {@link writeHealthFile}, in one place (the README quotes them). */
export const HEALTH_FILE_DEFAULTS = Object.freeze({
  /** Time between writes, in milliseconds. */
  intervalMs: 5000,
  /** Permissions of the file: owner read-write, everyone else read (`rw-r--r--`). */
  mode: 0o644,
});

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Schema of {@link HealthFileOptions}.
 * Built on first use (`z.lazy`): apps that never call the factory do not pay for it.
 */
export const healthFileOptionsSchema = z.lazy(() =>
  z.strictObject({
    path: z.string().min(1),
    intervalMs: z.number().int().min(10).max(MAX_TIMER_MS).optional(),
    mode: z.number().int().min(0).max(0o777).optional(),
  }),
);

/**
 * Options of {@link writeHealthFile}.
 *
 * - `path`: the file to write, e.g. `'/tmp/health.json'`; a relative path is resolved
 *   against the working directory once, at creation. Its directory must exist and be
 *   writable (the temporary file is created next to it). Required.
 * - `intervalMs`: time from the end of one write to the start of the next, in
 *   milliseconds, 10 to 2^31-1. Defaults to `5000`.
 * - `mode`: the file's permission bits, `0` to `0o777`, set exactly (the umask does not
 *   apply). Defaults to `0o644`: an exec probe, a Docker `HEALTHCHECK` or a sidecar may run
 *   as another user and must be able to read it. Use `0o600` (or `0o640` with a shared
 *   group) when the report holds details other local users must not see.
 */
export type HealthFileOptions = z.input<typeof healthFileOptionsSchema>;

/** What {@link writeHealthFile} returns. */
export interface HealthFile {
  /** The absolute path of the file. */
  readonly path: string;
  /**
   * Stops writing, waits for a write in progress, then removes the file. Idempotent;
   * never rejects.
   */
  close(): Promise<void>;
}

/**
 * Writes the detailed report (`JSON.stringify(report)`, the body of the detailed
 * endpoint) to a file at once and then every `intervalMs`, for Kubernetes exec probes
 * (`health-probes check-file <path>`) and sidecars that cannot call HTTP.
 *
 * Each write goes to a temporary file in the same directory which is then renamed over
 * the target, so a reader sees the previous report or the new one, never a partial one.
 * The temporary file has a random name and is created exclusively (`O_CREAT | O_EXCL`,
 * which never follows a symbolic link), so nothing planted in the directory can make the
 * service write anywhere else. The rename replaces a symbolic link at `path` itself,
 * never its target.
 * Writes never overlap: the next one is scheduled when the previous one has finished,
 * on an unref'd timer that never keeps the process alive. The file's modification time
 * is the time of the last write, which is what `check-file --max-age` checks.
 *
 * On the runner's `shutdown` event (`health.markShuttingDown()` or `health.close()`)
 * it writes one last report, DOWN with the message `'shutting down'`, and stops: the
 * file stays, so an exec probe fails while the instance drains. A write that fails (a
 * missing directory, a full disk) is reported to the runner's `logger`, or with
 * `process.emitWarning` when there is none, once until a write succeeds again.
 *
 * @param health - the runner from {@link createHealth}.
 * @param options - see {@link HealthFileOptions}.
 * @returns a {@link HealthFile}; `close()` stops and removes the file.
 * @throws {HealthOptionsError} at creation, for an invalid option or a first argument that
 *   is not a {@link Health} (a plain object is not one).
 * @example
 * const healthFile = writeHealthFile(health, { path: '/tmp/health.json', intervalMs: 5000 });
 * // livenessProbe.exec.command: [health-probes, check-file, /tmp/health.json, --max-age, 30s]
 * process.once('SIGTERM', async () => {
 *   health.markShuttingDown(); // the file now says DOWN, shutting down
 *   await healthFile.close();
 * });
 */
export function writeHealthFile(health: Health, options: HealthFileOptions): HealthFile {
  const where = 'writeHealthFile()';
  const runner = resolveHealth(where, health);
  const parsed = parseOptions(where, healthFileOptionsSchema, options);
  const path = resolve(parsed.path);
  const intervalMs = parsed.intervalMs ?? HEALTH_FILE_DEFAULTS.intervalMs;
  const mode = parsed.mode ?? HEALTH_FILE_DEFAULTS.mode;
  const tempPrefix = join(dirname(path), `.${basename(path)}.`);
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let writes: Promise<void> = Promise.resolve();

  const write = async () => {
    const temp = `${tempPrefix}${randomBytes(12).toString('hex')}.tmp`;
    let written = false;
    try {
      const text = JSON.stringify(await runner.run());
      await writeExclusive(temp, text, mode);
      written = true;
      await rename(temp, path);
      failing = false;
    } catch (error) {
      // Only a file this write created is removed, never one that was there before.
      if (written) await rm(temp, { force: true }).catch(() => undefined);
      if (!failing) report(error);
      failing = true;
    }
  };
  const report = (error: unknown) => {
    const reason = describe(error);
    const logger = runner.logger;
    if (logger === undefined) {
      process.emitWarning(`health-probes: cannot write the health file ${path}: ${reason}`);
      return;
    }
    try {
      logger.error({ path, error: reason }, 'health-probes: cannot write the health file');
    } catch {
      // Nothing more can be done for a logger that throws.
    }
  };
  // One write at a time, in order: the last one queued is the last one on disk.
  const enqueue = () => (writes = writes.then(write));
  const tick = () => {
    timer = undefined;
    void enqueue().then(schedule);
  };
  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, intervalMs).unref();
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
    runner.off('shutdown', onShutdown);
  };
  const onShutdown = () => {
    stop();
    void enqueue();
  };

  runner.on('shutdown', onShutdown);
  if (runner.shuttingDown) onShutdown();
  else tick();

  let closing: Promise<void> | undefined;
  return {
    path,
    close() {
      closing ??= (async () => {
        stop();
        await writes;
        await rm(path, { force: true }).catch(() => undefined);
      })();
      return closing;
    },
  };
}

/**
 * Creates `path` exclusively (`wx`: `O_CREAT | O_EXCL`, so an existing file or a symbolic
 * link there fails with `EEXIST` instead of being followed), writes `text`, sets `mode`
 * exactly (the umask only narrows the mode given to `open`) and closes it. When the write
 * fails the file it created is removed before the error is rethrown.
 */
export async function writeExclusive(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(text);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
  await handle.close();
}
