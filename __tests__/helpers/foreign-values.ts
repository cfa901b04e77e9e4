// Thrown values that cannot be turned into a string: every failure path must survive them.

function trap(): never {
  throw new Error('trap');
}

/** A `Proxy` whose every trap throws (`String()`, `instanceof`, property reads all throw). */
export const throwingProxy: unknown = new Proxy(
  {},
  { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap },
);

/** An `Error` whose `message` getter throws. */
export const throwingMessage: unknown = Object.defineProperty(new Error('x'), 'message', {
  get: trap,
});

/** An object whose `toString` and `valueOf` throw. */
export const throwingToString: unknown = { toString: trap, valueOf: trap };

/** The three, labelled, for `it.each`. */
export const FOREIGN_VALUES: readonly (readonly [string, unknown])[] = [
  ['a Proxy with throwing traps', throwingProxy],
  ['an Error whose message getter throws', throwingMessage],
  ['an object whose toString throws', throwingToString],
];
