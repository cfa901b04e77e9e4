import * as z from 'zod';
import { HealthOptionsError } from './errors.js';

/**
 * Parses `input` with `schema` or throws a {@link HealthOptionsError} whose message names
 * the factory, the option and the fix. The input is never mutated: zod returns a copy.
 *
 * @param at - the dotted path of `input` inside the factory's options (`'checks.db'`), so
 *   messages name the option as the caller wrote it. Defaults to `''`: `input` is the
 *   options object itself.
 */
export function parseOptions<S extends z.ZodType>(
  where: string,
  schema: S,
  input: unknown,
  at = '',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // An unknown key is most often a typo of a required one: report it first.
  const { issues } = result.error;
  const issue = deepest(issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]);
  if (issue === undefined) throw new HealthOptionsError(`${where}: invalid options`, at);
  const path = [...(at === '' ? [] : [at]), ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const option = path === '' ? key : `${path}.${key}`;
    const hint = suggest(key, knownKeys(schema, issue.path));
    throw new HealthOptionsError(
      `${where}: unknown option \`${option}\`.${hint === undefined ? ' Remove it.' : ` Did you mean \`${hint}\`?`}`,
      option,
      { cause: result.error },
    );
  }
  const label = path === '' ? 'options' : `option \`${path}\``;
  throw new HealthOptionsError(`${where}: invalid ${label}: ${explain(issue)}.`, path, {
    cause: result.error,
  });
}

/**
 * For a union (`false` or an object, say) whose value had the type of one branch but
 * failed inside it, that branch's issue, with its full path: it names the option to fix.
 */
function deepest(issue: z.core.$ZodIssue | undefined): z.core.$ZodIssue | undefined {
  if (issue?.code !== 'invalid_union') return issue;
  const inside = issue.errors.find((branch) =>
    branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys'),
  );
  const inner = inside?.find((i) => i.path.length > 0 || i.code === 'unrecognized_keys');
  if (inner === undefined) return issue;
  return deepest({ ...inner, path: [...issue.path, ...inner.path] });
}

/**
 * The message of an issue, with the allowed values spelled out where zod only says
 * "Invalid input" (a union of literals and a function, such as `showDetails`).
 */
function explain(issue: z.core.$ZodIssue): string {
  // zod's own messages start with "Invalid"; a schema's own message is kept as written.
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid')) {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code !== 'invalid_union') return issue.message.replace(/\.$/, '');
  const custom = issue.errors
    .flat()
    .find((i) => i.code === 'custom' && i.message !== 'Invalid input');
  if (custom !== undefined) return custom.message.replace(/\.$/, '');
  const allowed = issue.errors.flatMap((branch) => {
    const first = branch[0];
    if (first?.code === 'invalid_value') return first.values.map((v) => JSON.stringify(v));
    if (first?.code === 'invalid_type') return [`a ${first.expected}`];
    return [];
  });
  return allowed.length === 0
    ? issue.message.replace(/\.$/, '')
    : `expected ${allowed.join(' or ')}`;
}

/**
 * A record schema like `z.record(key, value)` that keeps every own key of its input,
 * `"__proto__"` included: zod's records leave that key out (without validating its value),
 * and `JSON.parse` makes it an own key, so configuration read from JSON would lose an entry
 * silently. The output is a plain object whose keys are defined as own properties, in the
 * input's order; look keys up with `Object.hasOwn`. Issues carry the entry's key in their
 * path, as zod's records do.
 */
export function ownRecord<V extends z.ZodType>(key: z.ZodType<string>, value: V) {
  return z
    .custom<Record<string, z.input<V>>>(
      (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
      { message: 'expected an object' },
    )
    .transform((input, ctx) => {
      const output: Record<string, z.output<V>> = {};
      for (const name of Object.keys(input)) {
        const entry = Object.getOwnPropertyDescriptor(input, name)?.value as unknown;
        const checkedKey = key.safeParse(name);
        const checkedValue = value.safeParse(entry);
        const issues = [
          ...(checkedKey.success ? [] : checkedKey.error.issues),
          ...(checkedValue.success ? [] : checkedValue.error.issues),
        ];
        for (const issue of issues) {
          ctx.issues.push({ ...issue, path: [name, ...issue.path], input: entry } as never);
        }
        if (issues.length === 0) {
          Object.defineProperty(output, name, {
            value: checkedValue.data,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return output;
    });
}

/** The keys a strict object schema accepts at `path`, for "did you mean" hints. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodRecord) current = unwrap(current.valueType);
    else if (
      current instanceof z.ZodObject &&
      typeof segment === 'string' &&
      Object.hasOwn(current.shape, segment)
    )
      current = unwrap(current.shape[segment] as z.ZodType);
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/**
 * Looks through optional wrappers, preprocess pipes and `z.lazy` (the options schemas of
 * factories most apps never call are built on first use) to the schema that validates.
 */
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodLazy
    )
      current = current.unwrap();
    else if (current instanceof z.ZodPipe) current = current.out;
    else return current;
  }
}

/** The known key closest to `key` (a prefix match or an edit distance of at most 3). */
function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const prefixed = known.find((k) => k.toLowerCase().startsWith(lower) && lower.length >= 3);
  if (prefixed !== undefined) return prefixed;
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
