/**
 * Thrown at construction when an option is invalid: a factory was given an unknown
 * key, a value of the wrong type or out of range. Never thrown while serving a request.
 *
 * `code` is always `'ERR_HEALTH_OPTIONS'`; `option` is the dotted path of the first
 * offending option (e.g. `'checks.database.timeoutMs'`), or `''` for the whole object.
 *
 * @example
 * try { createHealth({ timeout: 500 }) } catch (error) {
 *   // HealthOptionsError: createHealth(): unknown option `timeout`. Did you mean `timeoutMs`?
 * }
 */
export class HealthOptionsError extends TypeError {
  /** Stable machine-readable code: `'ERR_HEALTH_OPTIONS'`. */
  readonly code = 'ERR_HEALTH_OPTIONS';
  /** Dotted path of the offending option, `''` when the whole value is wrong. */
  readonly option: string;

  constructor(message: string, option: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HealthOptionsError';
    this.option = option;
  }
}

/**
 * Thrown by a factory that needs an optional peer dependency which is not installed (or
 * is too old to provide what is needed). `code` is `'ERR_HEALTH_MISSING_PEER'`; `peer`
 * names the package to install; `cause` is the loader's error, when there is one.
 *
 * @example
 * // MissingPeerError: grpcHealth() needs the optional peer dependency `grpc-health-check`
 * // (^2.1.0): npm install @grpc/grpc-js grpc-health-check
 */
export class MissingPeerError extends Error {
  /** Stable machine-readable code: `'ERR_HEALTH_MISSING_PEER'`. */
  readonly code = 'ERR_HEALTH_MISSING_PEER';
  /** The package to install. */
  readonly peer: string;

  constructor(message: string, peer: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MissingPeerError';
    this.peer = peer;
  }
}
