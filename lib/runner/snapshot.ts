/**
 * Largest check `details` kept, in bytes of their JSON (64 KiB). Larger details are
 * replaced by `{ omitted: '...' }`: a report goes to every probe, stream client and
 * scrape, so one check must not make each of them large.
 */
export const MAX_DETAILS_BYTES = 65_536;

/** The outcome of {@link snapshotDetails}. */
export type DetailsSnapshot =
  | { readonly ok: true; readonly details: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string };

/**
 * A copy of a check's `details` that can never change after the run: JSON-safe (what
 * `JSON.stringify` keeps: no functions, `undefined` or symbols; dates as strings), deeply
 * frozen and at most {@link MAX_DETAILS_BYTES}. A check that later mutates its own object
 * (adds a `BigInt`, a cycle) or a consumer that mutates a report changes nothing here.
 * Never throws: details that cannot be serialised (a `BigInt`, a cycle, a throwing
 * `toJSON` or getter) are a problem to report.
 */
export function snapshotDetails(details: object): DetailsSnapshot {
  let json: string | undefined;
  try {
    json = JSON.stringify(details);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    return { ok: false, problem: 'invalid check result: details are not JSON-serialisable' };
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_DETAILS_BYTES) {
    return {
      ok: true,
      details: Object.freeze({
        omitted: `details of ${bytes} bytes as JSON exceed the ${MAX_DETAILS_BYTES}-byte cap`,
      }),
    };
  }
  return { ok: true, details: deepFreeze(JSON.parse(json) as Record<string, unknown>) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
