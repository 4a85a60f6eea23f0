import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { restoreSuffix } from '../../lib/spec/database';
import { parseGoDuration, parseGoRfc3339 } from '../../lib/spec/go-time';
import { goDurationProblem, pointInTimeProblem, POINT_IN_TIME_SPAN } from '../../lib/spec/time-fields';
import { buildOracle, prng } from '../fixtures/oracles';

/*
 * lib/spec/go-time.ts and the rules built on it against the real Go: time.Parse(time.RFC3339) and
 * time.ParseDuration from the toolchain that builds test/oracles/gotime (scripts/build-gotime-oracle.sh,
 * cached outside the repository). Hand-picked edges and a seeded generated corpus: Go and the port
 * agree on every verdict, instant and offset, and the field rules accept only what Go reads.
 */

const timeEdges = [
  '2026-08-01T10:00:00Z', '2026-02-30T10:00:00Z', '2026-02-29T10:00:00Z', '2024-02-29T10:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-08-00T00:00:00Z', '2026-08-32T00:00:00Z',
  '2016-12-31T23:59:60Z', '2026-08-01T24:00:00Z', '2026-08-01T23:60:00Z', '2026-08-01t10:00:00Z', '2026-08-01T10:00:00z', '2026-08-01 10:00:00Z',
  '2026-08-01T1:00:00Z', '2026-08-01T10:0:00Z', '2026-08-01T10:00:0Z', '2026-8-01T10:00:00Z', '2026-08-1T10:00:00Z', '26-08-01T10:00:00Z',
  '02026-08-01T10:00:00Z', '+2026-08-01T10:00:00Z', '-2026-08-01T10:00:00Z', '0000-01-01T00:00:00Z', '0999-12-31T23:59:59Z', '1000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z', '2019-12-31T23:59:59Z', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00+00:01', '2019-12-31T23:59:59-00:01', '2099-12-31T23:59:59Z',
  '2100-01-01T00:00:00Z', '2099-12-31T23:00:00-01:00', '2026-08-01T10:00:00.5Z', '2026-08-01T10:00:00,5Z', '2026-08-01T10:00:00.Z', '2026-08-01T10:00:00.123456789Z',
  '2026-08-01T10:00:00.1234567891Z', '2026-08-01T10:00:00.000000000000000000001Z', '2026-08-01T10:00:00.5.5Z', '2026-08-01T10:00:00+05:30', '2026-08-01T10:00:00-00:00',
  '2026-08-01T10:00:00+23:59', '2026-08-01T10:00:00+24:00', '2026-08-01T10:00:00-24:00', '2026-08-01T10:00:00+24:60', '2026-08-01T10:00:00+25:00', '2026-08-01T10:00:00+23:61',
  '2026-08-01T10:00:00+99:00', '2026-08-01T10:00:00+0530', '2026-08-01T10:00:00+05', '2026-08-01T10:00:00+5:30', '2026-08-01T10:00:00 +05:30', '2026-08-01T10:00:00',
  '2026-08-01T10:00Z', '2026-08-01', '2026-08-01T10:00:00ZZ', '2026-08-01T10:00:00Z ', ' 2026-08-01T10:00:00Z', '2026-08-01T10:00:00Z\n', '2026-08-01T10:00:00UTC',
  '2026-08-01T10:00:00+05:30:00', '２０２６-08-01T10:00:00Z', '2026-08-01T10:00:00\u00a0Z', '2026-08-01T10:00:00.٣Z', '', 'now', '1785578400',
];

const durationEdges = [
  '0', '+0', '-0', '00', '0s', '1h', '1.5h', '1h30m', '90m', '1m', '59s', '59.999999999s', '60s', '24h', '24h0m1ns', '86400s', '1440m', '25h',
  '-1h', '+1h', '1d', '1w', '1H', '1M', '1S', '1hr', '1 h', ' 1h', '1h ', 'h', '.5h', '5.h', '.h', '1..5h', '1.5.5h', '1h-30m', '1h+30m',
  'µs', '1µs', '1μs', '1us', '1ns', '1ms', '1Ms', '1mS', '1e3s', '0x10s', '1_000s', '١h', '1ｈ',
  '2562047h47m16.854775807s', '2562047h47m16.854775808s', '-2562047h47m16.854775808s', '-2562047h47m16.854775809s', '9223372036854775807ns', '9223372036854775808ns',
  '9223372036854775807', '2562048h', '99999999999999999999h', '1.00000000000000000000001s', '0.000000001s', '0.0000000001s', '.333333333333333333333333h',
  '1.9999999999999999999999h', '3.6e3s', '', '-', '+', '1h30', '30m1h', '1h1h', 'µ', '1µ', '1s\n',
];


function generatedTimes(count: number, seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const two = (lo: number, hi: number) => String(lo + Math.floor(random() * (hi - lo + 1))).padStart(2, '0');
  const out: string[] = [];
  while (out.length < count) {
    // Half of them are well-formed but for the calendar (month ends, leap years, the span's edges);
    // the other half break one field or more.
    const odd = random() < 0.5 ? 0 : 0.15;
    const year = random() < 0.6 ? pick(['2019', '2020', '2024', '2026', '2028', '2099', '2100']) : pick(['0000', '0999', '1000', '1900', '1969', '2000', '2400', '9999', '202', '20260']);
    const month = random() < 0.4 ? pick(['02', '04', '06', '09', '11']) : random() >= odd ? two(1, 12) : pick(['00', '13', '1', '99']);
    const day = random() < 0.5 ? pick(['28', '29', '30', '31']) : random() >= odd ? two(1, 28) : pick(['00', '32', '1', '3']);
    const hour = random() >= odd ? two(0, 23) : pick(['24', '25', '1', '9', '99']);
    const minute = random() >= odd ? two(0, 59) : pick(['60', '61', '5']);
    const second = random() >= odd ? two(0, 59) : pick(['60', '61', '5']);
    const fraction = random() >= odd ? pick(['', '', '', '.5', '.123456', '.123456789']) : pick(['.1234567891', ',5', '.', '.0000000001', `.${'9'.repeat(25)}`]);
    const offset = () => `${random() >= odd ? pick(['+', '-']) : pick(['\u2212', '+'])}${random() >= odd ? two(0, 23) : pick(['24', '25', '99', '5'])}${random() >= odd ? ':' : pick(['', '.'])}${random() >= odd ? pick(['00', '30', '45', '59']) : pick(['60', '61', '5'])}`;
    const zone = random() < 0.4 ? (random() >= odd ? 'Z' : pick(['z', '', 'ZZ'])) : offset();
    const t = random() >= odd ? 'T' : pick(['t', ' ']);
    out.push(`${year}-${month}-${day}${t}${hour}:${minute}:${second}${fraction}${zone}${random() < odd / 5 ? pick([' ', '\n', 'x']) : ''}`);
  }
  return out;
}

function generatedDurations(count: number, seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const number = () => {
    const r = random();
    if (r < 0.5) return String(Math.floor(random() * 100));
    if (r < 0.7) return `${Math.floor(random() * 100)}.${Math.floor(random() * 1000)}`;
    if (r < 0.8) return `.${Math.floor(random() * 1000)}`;
    if (r < 0.85) return `${Math.floor(random() * 100)}.`;
    if (r < 0.95) return pick(['9223372036854775807', '9223372036854775808', '2562047', '2562048', '153722867', '106751', '0000000000000000000001']);
    return pick(['', '.', '1e3', '-1']);
  };
  const unit = () => (random() < 0.9 ? pick(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h', 'h', 'm', 's']) : pick(['', 'd', 'H', 'Ms', ' s', 'hr', 'µ']));
  const out: string[] = [];
  while (out.length < count) {
    const sign = pick(['', '', '', '', '+', '-']);
    const segments = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `${number()}${unit()}`).join('');
    out.push(random() < 0.03 ? pick(['0', '-0', '+0']) : `${sign}${segments}`);
  }
  return out;
}

const times = [...new Set([...timeEdges, ...generatedTimes(600, 0x7134e)])];
const durations = [...new Set([...durationEdges, ...generatedDurations(600, 0xd0a7)])];
const REFRESH = { min: '1m', max: '24h', why: 'refreshInterval' };

describe('lib/spec/go-time.ts agrees with Go (test/oracles/gotime)', () => {
  let oracle: string | undefined;
  let missingGo: string | undefined;
  let lines: string[] = [];

  // The first run with a Go version builds the oracle (seconds: the standard library only); later
  // runs find it in ~/.cache/hobby-infra.
  beforeAll(async () => {
    ({ oracle, missingGo } = await buildOracle('gotime'));
    if (!oracle) return;
    const input = [...times.map((t) => `time ${JSON.stringify(t)}`), ...durations.map((d) => `duration ${JSON.stringify(d)}`)].join('\n') + '\n';
    const child = promisify(execFile)(oracle, [], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    child.child.stdin!.on('error', () => {}).end(input);
    lines = (await child).stdout.split('\n').slice(0, -1);
  }, 300_000);

  test('times: the same verdict, instant and offset as time.Parse(time.RFC3339), and the restore rule within what Go reads', (context) => {
    if (missingGo) context.skip(missingGo);
    expect(lines).toHaveLength(times.length + durations.length);
    const disagreements: string[] = [];
    const verdicts = new Map<string, number>();
    times.forEach((text, i) => {
      const go = lines[i]!;
      const port = parseGoRfc3339(text);
      const ours = typeof port === 'string' ? 'error' : `ok ${port.utc} ${port.offsetSeconds}`;
      if (ours !== (go.startsWith('error: ') ? 'error' : go)) disagreements.push(`${JSON.stringify(text)}: Go says ${go}, the port says ${typeof port === 'string' ? port : ours}`);
      const problem = pointInTimeProblem(text);
      const verdict = go.startsWith('error: ') ? 'refused by Go' : problem === undefined ? 'accepted' : problem.includes('lenient') ? 'not RFC 3339 proper' : 'outside the span';
      verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
      if (go.startsWith('error: ') && problem === undefined) disagreements.push(`${JSON.stringify(text)}: Go refuses it (${go}), the rule accepts it`);
      if (problem === undefined && go.startsWith('ok ')) {
        // Accepted: within the span by Go's instant, and the restored Cluster's name has Go's minute.
        const utc = go.split(' ')[1]!;
        if (!(utc >= POINT_IN_TIME_SPAN.from.slice(0, 19) && utc < POINT_IN_TIME_SPAN.until.slice(0, 19))) disagreements.push(`${JSON.stringify(text)}: accepted, but Go puts it at ${utc}`);
        const suffix = `r${utc.slice(2, 4)}${utc.slice(5, 7)}${utc.slice(8, 10)}${utc.slice(11, 13)}${utc.slice(14, 16)}`;
        if (restoreSuffix(text) !== suffix) disagreements.push(`${JSON.stringify(text)}: named ${restoreSuffix(text)}, Go's minute is ${suffix}`);
      }
    });
    expect(disagreements).toEqual([]);
    // The corpus exercises every verdict, not just one.
    expect(verdicts.get('accepted')).toBeGreaterThanOrEqual(60);
    expect(verdicts.get('refused by Go')).toBeGreaterThanOrEqual(150);
    expect(verdicts.get('not RFC 3339 proper')).toBeGreaterThanOrEqual(10);
    expect(verdicts.get('outside the span')).toBeGreaterThanOrEqual(30);
  });

  test('durations: the same verdict and nanoseconds as time.ParseDuration, and the refreshInterval bounds on Go\'s value', (context) => {
    if (missingGo) context.skip(missingGo);
    const disagreements: string[] = [];
    const verdicts = new Map<string, number>();
    const [min, max] = [60_000_000_000n, 86_400_000_000_000n];
    durations.forEach((text, i) => {
      const go = lines[times.length + i]!;
      const port = parseGoDuration(text);
      const ours = typeof port === 'string' ? 'error' : `ok ${port}`;
      if (ours !== (go.startsWith('error: ') ? 'error' : go)) disagreements.push(`${JSON.stringify(text)}: Go says ${go}, the port says ${port}`);
      const ns = go.startsWith('ok ') ? BigInt(go.slice(3)) : undefined;
      const expected = ns === undefined ? 'refused by Go' : ns < min || ns > max ? 'out of bounds' : 'accepted';
      verdicts.set(expected, (verdicts.get(expected) ?? 0) + 1);
      const problem = goDurationProblem(text, REFRESH);
      if ((problem === undefined) !== (expected === 'accepted')) disagreements.push(`${JSON.stringify(text)}: Go reads ${go}, the refreshInterval rule says ${problem ?? 'ok'}`);
    });
    expect(disagreements).toEqual([]);
    expect(verdicts.get('accepted')).toBeGreaterThanOrEqual(50);
    expect(verdicts.get('refused by Go')).toBeGreaterThanOrEqual(100);
    expect(verdicts.get('out of bounds')).toBeGreaterThanOrEqual(50);
  });
});
