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
