/*
 * Go's readings of times and durations, ported line by line from the standard library (go1.26
 * src/time/format.go and format_rfc3339.go): `time.Parse(time.RFC3339, s)` and
 * `time.ParseDuration(s)`. CloudNativePG reads a restore's targetTime, VolSync a volume's
 * restoreAsOf, External Secrets Operator a refreshInterval with these functions, so a value is
 * what Go makes of it, not what JavaScript's Date does (Date rolls 30 February over into March; Go
 * refuses it). test/cluster/gotime-oracle.test.ts asks the real Go about a corpus of edge cases.
 * Both work on the UTF-8 bytes of the text, as Go does.
 */

/** A time as Go's time.Parse(time.RFC3339, ...) reads it: the instant in UTC, and the offset written. */
export interface GoTime {
  /** The instant in UTC, as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (Go's year rules: `-0001` before year 0). */
  readonly utc: string;
  /** Milliseconds since 1970 (for comparisons; the nanoseconds are in `utc`). */
  readonly epochMs: number;
  /** The zone offset written, in seconds east of UTC. */
  readonly offsetSeconds: number;
  /** Whether Go took it on its strict RFC 3339 path, rather than its lenient general layout parser. */
  readonly strict: boolean;
}

const bytesOf = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const isDigit = (s: string, i: number) => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (month: number, year: number) => (month === 2 && isLeap(year) ? 29 : DAYS_IN[month - 1]!);

/** Days from 1970-01-01 to a proleptic Gregorian date (any year; H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function goTime(f: { year: number; month: number; day: number; hour: number; min: number; sec: number; nsec: number }, offsetSeconds: number, strict: boolean): GoTime {
  const seconds = daysFromCivil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.min * 60 + f.sec - offsetSeconds;
  const days = Math.floor(seconds / 86400);
  const inDay = seconds - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  const utc = `${year}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(inDay / 3600), 2)}:${pad(Math.floor(inDay / 60) % 60, 2)}:${pad(inDay % 60, 2)}.${pad(f.nsec, 9)}Z`;
  return { utc, epochMs: seconds * 1000 + Math.floor(f.nsec / 1e6), offsetSeconds, strict };
}

/** Go's parseNanoseconds: `value` starts with `.` or `,`, then `n - 1` digits, of which the first nine count. */
function nanoseconds(value: string, n: number): number {
  const digits = value.slice(1, Math.min(n, 10));
  return Number(digits) * 10 ** (10 - Math.min(n, 10));
}

/** format_rfc3339.go parseRFC3339: the fast path, exactly two digits everywhere, offsets up to 23:59. */
function parseStrict(s: string): GoTime | undefined {
  let ok = true;
  const num = (t: string, min: number, max: number) => {
    if (!ok || !/^[0-9]+$/.test(t)) return ((ok = false), min);
    const x = Number(t);
    return x < min || max < x ? ((ok = false), min) : x;
  };
  if (s.length < 19) return undefined;
  const year = num(s.slice(0, 4), 0, 9999);
  const month = num(s.slice(5, 7), 1, 12);
  const day = num(s.slice(8, 10), 1, daysIn(month, year));
  const hour = num(s.slice(11, 13), 0, 23);
  const min = num(s.slice(14, 16), 0, 59);
  const sec = num(s.slice(17, 19), 0, 59);
  if (!ok || !(s[4] === '-' && s[7] === '-' && s[10] === 'T' && s[13] === ':' && s[16] === ':')) return undefined;
  let rest = s.slice(19);
  let nsec = 0;
  if (rest.length >= 2 && rest[0] === '.' && isDigit(rest, 1)) {
    let n = 2;
    while (isDigit(rest, n)) n++;
    nsec = nanoseconds(rest, n);
    rest = rest.slice(n);
  }
  if (rest === 'Z') return goTime({ year, month, day, hour, min, sec, nsec }, 0, true);
  if (rest.length !== 6) return undefined;
  const hr = num(rest.slice(1, 3), 0, 23);
  const mm = num(rest.slice(4, 6), 0, 59);
  if (!ok || !((rest[0] === '-' || rest[0] === '+') && rest[3] === ':')) return undefined;
  return goTime({ year, month, day, hour, min, sec, nsec }, (rest[0] === '-' ? -1 : 1) * (hr * 60 + mm) * 60, true);
}

/** getnum: one or two digits (`fixed`: exactly two); undefined when there is no digit first. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/**
 * format.go parse() with the layout "2006-01-02T15:04:05Z07:00": the general parser Go falls back
 * to, which also takes a one-digit hour, `,` before the fraction and offsets up to 24:60.
 */
function parseLayout(value: string): GoTime | string {
  const fields = { year: 0, month: 0, day: 0, hour: 0, min: 0, sec: 0, nsec: 0 };
  const literal = (prefix: string) => (value.startsWith(prefix) ? ((value = value.slice(prefix.length)), true) : false);
  if (value.length < 4 || !isDigit(value, 0) || !/^[0-9]{4}$/.test(value.slice(0, 4))) return 'cannot parse the year';
  fields.year = Number(value.slice(0, 4));
  value = value.slice(4);
  const steps: [string, keyof typeof fields, boolean, number | undefined][] = [
    ['-', 'month', true, 12], ['-', 'day', true, undefined], ['T', 'hour', false, 23], [':', 'min', true, 59], [':', 'sec', true, 59],
  ];
  for (const [prefix, field, fixed, max] of steps) {
    if (!literal(prefix)) return `cannot parse ${JSON.stringify(value)} as ${JSON.stringify(prefix)}`;
    const got = getnum(value, fixed);
    if (!got) return `cannot parse the ${field}`;
    [fields[field], value] = got;
    if (field === 'month' && (fields.month < 1 || fields.month > 12)) return 'month out of range';
    if (max !== undefined && field !== 'month' && fields[field] > max) return `${field === 'min' ? 'minute' : field === 'sec' ? 'second' : field} out of range`;
  }
  if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigit(value, 1)) {
    let n = 2;
    while (isDigit(value, n)) n++;
    fields.nsec = nanoseconds(value, n);
    value = value.slice(n);
  }
  let offset = 0;
  if (value[0] === 'Z') value = value.slice(1);
  else {
    if (value.length < 6 || value[3] !== ':') return 'cannot parse the zone offset';
    const hr = getnum(value.slice(1, 3), true);
    const mm = getnum(value.slice(4, 6), true);
    if (!hr || !mm) return 'cannot parse the zone offset';
    // Go's own comment: "some people do write offsets of 24 hours or 60 minutes".
    if (hr[0] > 24) return 'time zone offset hour out of range';
    if (mm[0] > 60) return 'time zone offset minute out of range';
    if (value[0] !== '+' && value[0] !== '-') return 'cannot parse the zone offset';
    offset = (value[0] === '-' ? -1 : 1) * (hr[0] * 60 + mm[0]) * 60;
    value = value.slice(6);
  }
  if (value !== '') return `extra text: ${JSON.stringify(value)}`;
  if (fields.day < 1 || fields.day > daysIn(fields.month, fields.year)) return 'day out of range';
  return goTime(fields, offset, false);
}

/** What Go's time.Parse(time.RFC3339, text) returns: the time, or why it refuses (in our words, not Go's). */
export function parseGoRfc3339(text: string): GoTime | string {
  const s = bytesOf(text);
  return parseStrict(s) ?? parseLayout(s);
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const UNIT_BYTES = new Map(Object.entries(UNITS).map(([name, ns]) => [bytesOf(name), ns]));
const TWO63 = 1n << 63n;

/** What Go's time.ParseDuration(text) returns: nanoseconds (an int64), or why it refuses. */
export function parseGoDuration(text: string): bigint | string {
  let s = bytesOf(text);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return 'invalid duration';
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s, 0))) return 'invalid duration';
    // leadingInt: digits, refusing anything above 1<<63.
    let v = 0n;
    let i = 0;
    for (; isDigit(s, i); i++) {
      if (v > TWO63 / 10n) return 'invalid duration';
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO63) return 'invalid duration';
    }
    const pre = i > 0;
    s = s.slice(i);
    // leadingFraction: digits after the point, the ones past int64's precision ignored.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let overflow = false;
      let j = 0;
      for (; isDigit(s, j); j++) {
        if (overflow) continue;
        if (f > (TWO63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > TWO63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return 'invalid duration';
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s, u))) u++;
    if (u === 0) return 'missing unit in duration';
    const unit = UNIT_BYTES.get(s.slice(0, u));
    if (unit === undefined) return `unknown unit ${JSON.stringify(Buffer.from(s.slice(0, u), 'latin1').toString('utf8'))} in duration`;
    s = s.slice(u);
    if (v > TWO63 / unit) return 'invalid duration';
    v *= unit;
    if (f > 0n) {
      // Go's float64 arithmetic, which JavaScript numbers share: uint64(float64(f) * (float64(unit) / scale)).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO63) return 'invalid duration';
    }
    d += v;
    if (d > TWO63) return 'invalid duration';
  }
  if (neg) return -d;
  if (d > TWO63 - 1n) return 'invalid duration';
  return d;
}
