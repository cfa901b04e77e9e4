/** Longest text {@link describe} returns, in characters. */
export const MAX_DESCRIPTION_LENGTH = 1000;

/**
 * One line that says what a foreign value is (a thrown value, a rejection reason, a
 * listener's error), for a log line or a component message. Total: it never throws and
 * never calls code of the value's that may hang, whatever the value is (a `Proxy` with
 * throwing traps, an `Error` whose `message` getter throws, an object whose `toString`
 * throws, a revoked proxy, `Symbol()`). Never the stack.
 *
 * - an `Error` (or anything with a string `message`): its message, or its `name` and
 *   `code` when the message is empty;
 * - a string: itself; a number, boolean, bigint, symbol, `null` or `undefined`: as written
 *   in code (`'42'`, `'null'`);
 * - any other object or function: `fallback`.
 *
 * The result is cut to {@link MAX_DESCRIPTION_LENGTH} characters.
 *
 * @param value - anything at all.
 * @param fallback - what to say when nothing can be read. Defaults to `'unknown error'`.
 */
export function describe(value: unknown, fallback = 'unknown error'): string {
  return clip(read(value, fallback));
}

function read(value: unknown, fallback: string): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return `${value}`;
    case 'symbol':
      return safely(() => value.toString(), 'Symbol()');
    case 'function':
      return fallback;
    default:
      break;
  }
  if (value === null) return 'null';
  const message = safely(() => (value as { message?: unknown }).message, undefined);
  if (typeof message === 'string' && message !== '') return message;
  const name = safely(() => (value as { name?: unknown }).name, undefined);
  const code = safely(() => (value as { code?: unknown }).code, undefined);
  const parts = [name, code].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length > 0 ? parts.join(' ') : fallback;
}

function safely<T, F>(read: () => T, fallback: F): T | F {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function clip(text: string): string {
  return text.length > MAX_DESCRIPTION_LENGTH
    ? `${text.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`
    : text;
}
