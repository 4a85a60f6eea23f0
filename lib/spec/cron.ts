/*
 * CronJob schedules as Kubernetes reads them. kube-apiserver validates CronJob.spec.schedule with
 * github.com/robfig/cron/v3 ParseStandard (k8s.io/kubernetes pkg/apis/batch/validation, v1.32) and
 * refuses a schedule that names a time zone (TZ=, CRON_TZ=: spec.timeZone is for that); the
 * CronJob controller reads it with the same parser. This is a reimplementation of that reading, so
 * a bad schedule fails at synth with the field that is wrong instead of at apply time;
 * test/cron.test.ts checks it against the real parser (test/oracles/cron).
 *
 * On top of what Kubernetes refuses, this refuses:
 * - `@every <duration>` (robfig accepts it; a 5-field schedule or a named one is easier to review);
 * - schedules that parse but never fire (30 February): the parser's Next() gives up after 5 years,
 *   and the CronJob would never run.
 */

/** A field's values as robfig keeps them: the values, and whether a `*` or `?` (step 1) set them. */
interface FieldValues {
  readonly values: ReadonlySet<number>;
  /** robfig's star bit: the field was `*` or `?` (alone, in a list, or with step 1). */
  readonly star: boolean;
}

interface FieldKind {
  readonly what: string;
  readonly plural: string;
  readonly min: number;
  readonly max: number;
  /** Lowercase names for min, min + 1, ... (month and day-of-week fields). */
  readonly names?: readonly string[];
  /** What "expected" says: `a minute from 0 to 59`. */
  readonly expected: string;
}

const FIELDS: readonly FieldKind[] = [
  { what: 'minute', plural: 'minutes', min: 0, max: 59, expected: 'a minute from 0 to 59' },
  { what: 'hour', plural: 'hours', min: 0, max: 23, expected: 'an hour from 0 to 23' },
  { what: 'day of month', plural: 'days', min: 1, max: 31, expected: 'a day of month from 1 to 31' },
  {
    what: 'month', plural: 'months', min: 1, max: 12, expected: 'a month from 1 to 12 or JAN-DEC',
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  {
    what: 'day of week', plural: 'days', min: 0, max: 6, expected: 'a day of week from 0 to 6 or SUN-SAT',
    names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
  },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const FIVE_FIELDS = 'a 5-field schedule (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly';
const FIVE_FIELDS_SHORT = 'a 5-field schedule or @hourly/@daily/@weekly/@monthly/@yearly';

/**
 * Go's unicode.IsSpace, which strings.Fields splits on: JavaScript's \s without U+FEFF, plus U+0085
 * (the oracle test's corpus has both).
 */
const GO_SPACES = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Why `schedule` is not a schedule the Kubernetes CronJob controller (robfig/cron v3 ParseStandard)
 * accepts AND that fires at least once, or undefined when it is fine. The message completes
 * "expected ...", e.g. 'a minute from 0 to 59 in field 1 (got 60)'.
 */
export function cronScheduleProblem(schedule: string): string | undefined {
  if (schedule.length === 0) return `${FIVE_FIELDS} (got an empty string)`;
  // Kubernetes refuses any schedule containing "TZ"; only these prefixes would parse otherwise.
  if (schedule.startsWith('TZ=') || schedule.startsWith('CRON_TZ=')) {
    return `a schedule without TZ= or CRON_TZ= (got ${JSON.stringify(schedule)}; the CronJob's timeZone sets the time zone)`;
  }
  // robfig compares the whole string with each name, so "@daily " is none (nor is " @daily").
  if (DESCRIPTORS.has(schedule)) return undefined;
  if (DESCRIPTORS.has(schedule.trim())) return `${FIVE_FIELDS_SHORT}, with no space around it (got ${JSON.stringify(schedule)})`;
  if (schedule.startsWith('@')) return `${FIVE_FIELDS_SHORT} (got ${JSON.stringify(schedule)})`;
  const fields = schedule.split(GO_SPACES).filter((f) => f !== '');
  if (fields.length !== 5) {
    return `${FIVE_FIELDS} (got ${fields.length === 0 ? 'only white space' : `${fields.length} field${fields.length === 1 ? '' : 's'}`})`;
  }
  const parsed: FieldValues[] = [];
  for (const [i, text] of fields.entries()) {
    const field = parseField(text, FIELDS[i], i + 1);
    if (typeof field === 'string') return field;
    parsed.push(field);
  }
  return neverFires(fields, parsed);
}

/** A field: a comma-separated list of ranges; empty items are skipped (so "," is no values at all). */
function parseField(text: string, kind: FieldKind, position: number): FieldValues | string {
  const values = new Set<number>();
  let star = false;
  for (const expr of text.split(',').filter((e) => e !== '')) {
    const range = parseRange(expr, kind, position);
    if (typeof range === 'string') return range;
    range.values.forEach((v) => values.add(v));
    star ||= range.star;
  }
  return { values, star };
}

/** `*`, `?`, a value, `low-high`, each optionally with `/step`; `value/step` means value-max/step. */
function parseRange(expr: string, kind: FieldKind, position: number): FieldValues | string {
  const at = `in field ${position} (got ${JSON.stringify(expr)})`;
  const shape = `a value, a range low-high or a step */n, low/n or low-high/n ${at}`;
  const [span, ...steps] = expr.split('/');
  const ends = span.split('-');
  let start: bigint;
  let end: bigint;
  let star = false;
  if (ends[0] === '*' || ends[0] === '?') {
    // Whatever follows a leading * or ? up to the slash is ignored ("*-5" is "*").
    [start, end, star] = [BigInt(kind.min), BigInt(kind.max), true];
  } else {
    const low = valueOf(ends[0], kind);
    if (low === undefined) return `${kind.expected} ${at}`;
    if (ends.length > 2) return shape;
    const high = ends.length === 2 ? valueOf(ends[1], kind) : low;
    if (high === undefined) return `${kind.expected} ${at}`;
    [start, end] = [low, high];
  }
  let step = 1n;
  if (steps.length > 1) return shape;
  if (steps.length === 1) {
    const n = goAtoi(steps[0]);
    if (n === undefined || n < 0n) return `a step of at least 1 ${at}`;
    step = n;
    if (ends.length === 1) end = BigInt(kind.max);
    if (step > 1n) star = false;
  }
  const got = (n: bigint) => `in field ${position} (got ${n}${String(n) === expr ? '' : ` in ${JSON.stringify(expr)}`}`;
  if (start < BigInt(kind.min)) return `${kind.expected} ${got(start)})`;
  if (end > BigInt(kind.max)) return `${kind.expected} ${got(end)}${kind.what === 'day of week' && end === 7n ? '; Sunday is 0' : ''})`;
  if (start > end) {
    const wrap = steps.length === 0 ? `; ${start}-${kind.max},${kind.min}-${end} wraps around` : '';
    return `a range whose start is not after its end in field ${position} (got ${JSON.stringify(expr)}${wrap})`;
  }
  if (step === 0n) return `a step of at least 1 ${at}`;
  const values = new Set<number>();
  const by = Number(step > 64n ? 64n : step);
  for (let v = Number(start); v <= Number(end); v += by) values.add(v);
  return { values, star };
}

/** A name of the field (any case, as Go's strings.ToLower folds it) or a number as Go's strconv.Atoi reads it. */
function valueOf(text: string, kind: FieldKind): bigint | undefined {
  const index = kind.names?.indexOf(goLower(text)) ?? -1;
  if (index >= 0) return BigInt(kind.min + index);
  const n = goAtoi(text);
  return n === undefined || n < 0n ? undefined : n;
}

/** strings.ToLower, as far as matching ASCII names goes: U+0130 and U+212A fold to "i" and "k". */
function goLower(text: string): string {
  return text.replace(/[A-Z\u0130\u212a]/g, (c) => (c === '\u0130' ? 'i' : c === '\u212a' ? 'k' : c.toLowerCase()));
}

/** strconv.Atoi on 64-bit: an optional sign, ASCII digits, within int64. */
function goAtoi(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** First and last day of the calendar searched for a day that fires: 8 years, two of them leap years. */
const SPAN_START = Date.UTC(2024, 0, 1);
const SPAN_END = Date.UTC(2031, 11, 31);
const DAY_MS = 86_400_000;

/**
 * Why a parsed schedule never fires, or undefined. Every minute and hour of a matching day exists
 * (UTC has no gaps), so it fires when its minute, hour and month fields have values and some day
 * matches. A day matches as robfig's dayMatches decides: when the day-of-month or the day-of-week
 * field has the star bit, both must match; otherwise either.
 */
function neverFires(texts: readonly string[], [minute, hour, dom, month, dow]: readonly FieldValues[]): string | undefined {
  const fires = 'a schedule that fires at least once';
  const none = (i: number) => `${fires} (got ${FIELDS[i].what} ${JSON.stringify(texts[i])}: no ${FIELDS[i].plural})`;
  for (const [i, field] of [[0, minute], [1, hour], [3, month]] as const) if (field.values.size === 0) return none(i);
  const both = dom.star || dow.star;
  for (let t = SPAN_START; t <= SPAN_END; t += DAY_MS) {
    const day = new Date(t);
    if (!month.values.has(day.getUTCMonth() + 1)) continue;
    const domMatch = dom.values.has(day.getUTCDate());
    const dowMatch = dow.values.has(day.getUTCDay());
    if (both ? domMatch && dowMatch : domMatch || dowMatch) return undefined;
  }
  const days = dom.values.size === 0 ? `day of month ${JSON.stringify(texts[2])}` : `day of month ${JSON.stringify(texts[2])} in month ${JSON.stringify(texts[3])}`;
  const why = dom.values.size === 0 ? 'no days' : 'no such date';
  // With the star bit on day of week, the day of month alone decides; with it on day of month, the
  // day of week (which then has no values); with neither, either one would do and neither matches.
  if (dow.star) return `${fires} (got ${days}: ${why})`;
  if (dom.star) return none(4);
  return `${fires} (got ${days} and day of week ${JSON.stringify(texts[4])}: ${why})`;
}

/** What robfig reads each descriptor as. */
const DESCRIBED: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

/**
 * The longest time between two runs of a valid schedule, in seconds (UTC), over the same 8 years
 * `neverFires` searches: how long a CronJob on it may go without running. The restore drills'
 * "missed" alert waits this long (lib/alerts.ts). Throws on a schedule cronScheduleProblem refuses.
 */
export function longestGapSeconds(schedule: string): number {
  const problem = cronScheduleProblem(schedule);
  if (problem) throw new Error(`schedule: got ${JSON.stringify(schedule)}, expected ${problem}`);
  const fields = (DESCRIBED[schedule] ?? schedule).split(GO_SPACES).filter((f) => f !== '');
  const [minute, hour, dom, month, dow] = fields.map((text, i) => parseField(text, FIELDS[i]!, i + 1) as FieldValues);
  // The minutes of a day it fires at, in order.
  const times = [...hour!.values].sort((a, b) => a - b).flatMap((h) => [...minute!.values].sort((a, b) => a - b).map((m) => h * 60 + m));
  const both = dom!.star || dow!.star;
  let longest = 0;
  let last: number | undefined;
  for (let t = SPAN_START; t <= SPAN_END; t += DAY_MS) {
    const day = new Date(t);
    if (!month!.values.has(day.getUTCMonth() + 1)) continue;
    const domMatch = dom!.values.has(day.getUTCDate());
    const dowMatch = dow!.values.has(day.getUTCDay());
    if (!(both ? domMatch && dowMatch : domMatch || dowMatch)) continue;
    for (const minuteOfDay of times) {
      const at = t / 1000 + minuteOfDay * 60;
      if (last !== undefined) longest = Math.max(longest, at - last);
      last = at;
    }
  }
  return longest;
}
