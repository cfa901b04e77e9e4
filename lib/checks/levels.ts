import type * as z from 'zod';
import type { HealthStatus } from '../status.js';

/**
 * Which way a measure gets worse: `'above'` for a use (a ratio of a limit, a delay),
 * `'below'` for what is left (free space, days before a certificate expires).
 */
export type Worse = 'above' | 'below';

/**
 * One measure and its two levels, named as the options that set them. Every resource check
 * names its pair the same way: `warn<Measure>` reports DEGRADED, `max<Measure>` (or
 * `min<Measure>` for what is left) reports DOWN, each when the measure goes strictly past it.
 */
export interface Gauge {
  /** The measure, as the key in the details, e.g. `'heapRatio'`. */
  readonly name: string;
  readonly value: number;
  readonly worse: Worse;
  /** The unit shown after numbers in the message, e.g. `' bytes'`; `''` for a ratio. */
  readonly unit?: string;
  /** The DEGRADED level: the option's name and value, when set. */
  readonly warn?: readonly [option: string, level: number | undefined];
  /** The DOWN level: the option's name and value, when set. */
  readonly down?: readonly [option: string, level: number | undefined];
}

/** A status and, when a level was crossed, a message saying which and by how much. */
export interface Verdict {
  readonly status: HealthStatus;
  readonly message?: string;
}

const round = (value: number) => Math.round(value * 1e4) / 1e4;

function crossed(gauge: Gauge, level: number | undefined): boolean {
  if (level === undefined) return false;
  return gauge.worse === 'above' ? gauge.value > level : gauge.value < level;
}

function say(gauge: Gauge, option: string, level: number): string {
  const unit = gauge.unit ?? '';
  const by = round(Math.abs(gauge.value - level));
  return `${gauge.name} ${round(gauge.value)}${unit} is ${gauge.worse} ${option} ${level}${unit} by ${by}${unit}`;
}

/**
 * Judges every gauge: DOWN when any crossed its DOWN level, else DEGRADED when any crossed
 * its DEGRADED level, else UP. The message lists each crossing of the worst status, e.g.
 * `'heapRatio 0.93 is above maxHeapRatio 0.9 by 0.03'`, joined by `'; '`.
 */
export function judge(gauges: readonly Gauge[]): Verdict {
  const down: string[] = [];
  const degraded: string[] = [];
  for (const gauge of gauges) {
    const [downOption, downLevel] = gauge.down ?? ['', undefined];
    const [warnOption, warnLevel] = gauge.warn ?? ['', undefined];
    if (crossed(gauge, downLevel)) down.push(say(gauge, downOption, downLevel ?? 0));
    else if (crossed(gauge, warnLevel)) degraded.push(say(gauge, warnOption, warnLevel ?? 0));
  }
  if (down.length > 0) return { status: 'DOWN', message: down.join('; ') };
  if (degraded.length > 0) return { status: 'DEGRADED', message: degraded.join('; ') };
  return { status: 'UP' };
}

/** A pair of options: the DEGRADED level's key, the DOWN level's key, and which way is worse. */
export type LevelPair = readonly [warn: string, down: string, worse: Worse];

/**
 * Adds to `schema` the rules every pair of levels follows: at least one level of some pair
 * is set (`required`), and a DEGRADED level comes before its DOWN level (below it for
 * `'above'`, above it for `'below'`). The zod issue names the DEGRADED option, so the
 * {@link HealthOptionsError} does too.
 */
export function withLevels<S extends z.ZodType<Record<string, unknown>>>(
  schema: S,
  pairs: readonly LevelPair[],
  required = true,
): S {
  return schema.superRefine((options, context) => {
    const value = (key: string): number | undefined => {
      const level = options[key];
      return typeof level === 'number' ? level : undefined;
    };
    if (
      required &&
      !pairs.some(([warn, down]) => value(warn) !== undefined || value(down) !== undefined)
    ) {
      const keys = pairs.flatMap(([warn, down]) => [`\`${warn}\``, `\`${down}\``]);
      context.addIssue({ code: 'custom', message: `set at least one of ${keys.join(', ')}` });
    }
    for (const [warn, down, worse] of pairs) {
      const warnLevel = value(warn);
      const downLevel = value(down);
      if (warnLevel === undefined || downLevel === undefined) continue;
      const ordered = worse === 'above' ? warnLevel < downLevel : warnLevel > downLevel;
      if (!ordered) {
        context.addIssue({
          code: 'custom',
          path: [warn],
          message: `${warnLevel} must be ${worse === 'above' ? 'below' : 'above'} \`${down}\` (${downLevel}): the DEGRADED level comes before the DOWN level`,
        });
      }
    }
  });
}
