import { z } from 'zod';
import { parseGoDuration, parseGoRfc3339 } from './go-time';

/*
 * Times and durations as the Go operators read them (lib/spec/go-time.ts), then held to what makes
 * sense for the field. test/cluster/gotime-oracle.test.ts checks both against the real Go.
 */

/**
 * The span a restore target time may fall in. Synth compares with no clock, so that the same
 * declaration renders the same dist/ on any day: a time after the newest backup can only be found
 * out when the operator looks at the bucket (apply time). What synth can refuse without a clock is
 * a time no backup can be at: before 2020 (the operators that write and read these backups,
 * CloudNativePG with its Barman Cloud plugin and VolSync's restic mover, are younger than that),
 * or from 2100 on (a mistyped year, such as 2206 for 2026; no cluster made now runs that long).
 */
export const POINT_IN_TIME_SPAN = { from: '2020-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' } as const;
const SPAN_MS = { from: Date.parse(POINT_IN_TIME_SPAN.from), until: Date.parse(POINT_IN_TIME_SPAN.until) };

/**
 * RFC 3339 proper, which Go's strict path reads: two digits in every field, `.` before at most nine
 * fraction digits (Go drops the rest silently), and a zone offset within ±23:59. Go's lenient
 * fallback also takes a one-digit hour, `,` before the fraction and offsets up to ±24:60, which
 * PostgreSQL (the target time goes on to it) and restic do not read alike.
 */
const RFC3339_PROPER = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$/;

const EXAMPLE_TIME = 'such as 2026-08-01T10:00:00Z';

/** Why `text` is not a restore point in time, or undefined when it is one. */
export function pointInTimeProblem(text: string): string | undefined {
  const parsed = parseGoRfc3339(text);
  if (typeof parsed === 'string') {
    // A calendar problem (30 February, hour 24, a leap second) or a spelling one.
    const what = parsed.endsWith('out of range') ? 'a real date and time in RFC 3339' : 'an RFC 3339 time with a zone';
    return `${what}, ${EXAMPLE_TIME} (Go, which the operators are written in, reads this one as: ${parsed})`;
  }
  if (!RFC3339_PROPER.test(text)) return `an RFC 3339 time ${EXAMPLE_TIME}: two-digit fields, \`.\` before at most nine fraction digits, a zone of Z or within ±23:59 (Go's lenient parser takes this one, other readers of the time do not)`;
  if (parsed.epochMs < SPAN_MS.from) return `a time from ${POINT_IN_TIME_SPAN.from} on (no backup these operators read is older), ${EXAMPLE_TIME}`;
  if (parsed.epochMs >= SPAN_MS.until) return `a time before ${POINT_IN_TIME_SPAN.until} (is the year mistyped?), ${EXAMPLE_TIME}`;
  return undefined;
}

/** A restore target: an RFC 3339 time as Go reads it, within POINT_IN_TIME_SPAN. */
export const pointInTime = z.string('an RFC 3339 time with a zone, such as 2026-08-01T10:00:00Z').superRefine((text, ctx) => {
  const problem = pointInTimeProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The Go duration units, largest first, for showing a bound. */
const UNITS: [string, bigint][] = [['h', 3_600_000_000_000n], ['m', 60_000_000_000n], ['s', 1_000_000_000n], ['ms', 1_000_000n], ['us', 1000n], ['ns', 1n]];

/** A duration in nanoseconds written as Go writes it (`1h30m`). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  let rest = ns < 0n ? -ns : ns;
  let text = ns < 0n ? '-' : '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${rest / size}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** Why `text` is not a duration from `min` to `max` (Go syntax), or undefined when it is one. */
export function goDurationProblem(text: string, bounds: { min: string; max: string; why: string }): string | undefined {
  const ns = parseGoDuration(text);
  const range = `a duration from ${bounds.min} to ${bounds.max} (${bounds.why}), such as 1h, 30m or 1h30m`;
  if (typeof ns === 'string') return `${range}; Go reads this one as: ${ns} (units ns, us, ms, s, m, h; no days)`;
  if (ns < (parseGoDuration(bounds.min) as bigint) || ns > (parseGoDuration(bounds.max) as bigint)) return `${range}; this one is ${formatGoDuration(ns)}`;
  return undefined;
}

/** A Go duration field (time.ParseDuration, as controllers read metav1.Duration) bounded for its use. */
export function goDuration(bounds: { min: string; max: string; why: string }) {
  for (const bound of [bounds.min, bounds.max]) if (typeof parseGoDuration(bound) === 'string') throw new Error(`goDuration: bound ${bound} is not a Go duration`);
  return z.string('a duration such as 1h or 30m').superRefine((text, ctx) => {
    const problem = goDurationProblem(text, bounds);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
