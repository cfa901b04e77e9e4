import * as z from 'zod';

/** The prefix of {@link withHealth}, {@link fetchHandler} and `koaHealth` when none is given. */
export const DEFAULT_HEALTH_PREFIX = '/health';

// One or more `/segment`s: no trailing slash, no empty segment, no query or fragment.
const PREFIX = /^(?:\/[^/?#\s]+)+$/;

/** Schema of a `prefix` option. */
export const prefixSchema = z.string().regex(PREFIX, {
  error: "expected a path such as '/health': a leading '/', no trailing '/', no '?' or '#'",
});

/**
 * The part of `url` (a path and query) after `prefix`, matched exactly (case-sensitive)
 * and on a path-segment boundary: `/health/ready?x` gives `/ready?x`, `/health?verbose`
 * gives `/?verbose`, `/health` gives `/`; `/healthz` and `/Health` give `undefined`.
 */
export function stripPrefix(url: string, prefix: string): string | undefined {
  if (!url.startsWith(prefix)) return undefined;
  const length = prefix.length;
  const next = url.charCodeAt(length);
  // NaN: the URL is the prefix itself; 47 '/' and 63 '?': a segment boundary.
  if (next === 47) return url.slice(length);
  if (next === 63) return `/${url.slice(length)}`;
  if (Number.isNaN(next)) return '/';
  return undefined;
}
