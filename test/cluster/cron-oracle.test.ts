import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { cronScheduleProblem } from '../../lib/spec/cron';
import { accepted, refused } from '../fixtures/cron-schedules';
import { buildOracle, prng } from '../fixtures/oracles';

/*
 * cronScheduleProblem against the real robfig/cron v3 at the version Kubernetes uses, built from its
 * Go module (test/oracles/cron, scripts/build-cron-oracle.sh, cached outside the repository): the
 * table of test/cron.test.ts, hand-picked edge cases and a few hundred generated schedules.
 */

// ---------------------------------------------------------------------------------------------
// The oracle: the real robfig/cron at the version Kubernetes uses.

/** Hand-picked cases for the oracle, on top of the table above. */
const edges = [
  '0 0 */1 * 1', '0 0 */2 * 1', '0 0 31 2 */1', '0 0 31 2 */2', '0 0 31 2 ?', '0 0 31 2 *-3', '0 0 31 2 1,*',
  '0 0 30,31 2 *', '0 0 29-31 2 *', '0 0 31 apr *', '0 0 31 4,6,9,11,12 *', '0 0 31 Feb,APR *', '0 0 1 * ,',
  '0 0 ,,1,, * *', '0 0 , * ,', '0 0 , , 1', '0 0 * * 0-7', '0 0 * * SUN-SAT', '0 0 * * sat-sun', '0 0 * * 6-0',
  '59-0 * * * *', '0 0 32 * *', '0 0 * 0 *', '0 24 * * *', '*/61 * * * *', '0/0 * * * *', '1-5/0 * * * *',
  '*/ * * * *', '/5 * * * *', '5/ * * * *', '*/+5 * * * *', '*/-0 * * * *', '*/9223372036854775807 * * * *',
  '*/9223372036854775808 * * * *', '5/1 * * * *', '59/5 * * * *', '60/5 * * * *', '0x5 * * * *', '5.0 * * * *',
  '1e1 * * * *', '\u0663 * * * *', '\uff15 * * * *', '0 0 * * SUNDAY', '0 0 * * sun-sat/2', '0 0 * * mon,wed,fri',
  '0 0 * * jan', '0 0 * * \u212aon', '0 0 * * fr\u0131', '0 0 * * \u017fun', '0 0 * * FR\u0130', '*/jan * * * *', '0 0 * jan/0 *', '*-x-y * * * *', '?-3 * * * *', '5- * * * *',
  '- * * * *', '-- * * * *', '*/2/3 * * * *', '// * * * *', '** * * * *', '*? * * * *', '0 0 * * *\n', '\n0 0 * * *',
  '0\r\n0 * * *', '0 0 * * * 2024', '* * * *', '@', '@DAILY', '@every 5m', '@every', '@every ', '@every 1x',
  'CRON_TZ=Europe/Berlin 0 0 * * *', 'TZ=UTC', 'TZ=Nope/Nowhere 0 0 * * *', 'tz=UTC 0 0 * * *', 'TZ=UTC @daily',
  '0 0 1-31/2 2 *', '0 0 L * *', '0 0 ? * 1#2', '0 0 1W * *', '0 0 * * 5L', 'H 0 * * *',
];


const BOUNDS: [number, number, string[]?][] = [
  [0, 59], [0, 23], [1, 31],
  [1, 12, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']],
  [0, 6, ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']],
];

function generated(count: number, seed: number): string[] {
  const random = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  const cased = (name: string) => pick([name, name.toUpperCase(), name[0].toUpperCase() + name.slice(1)]);
  /** A value of the field as text (a number or a name, now and then out of range) and as a number. */
  const value = ([min, max, names]: (typeof BOUNDS)[number]): [string, number] => {
    if (names && random() < 0.3) {
      const i = int(0, names.length - 1);
      return [cased(names[i]), min + i];
    }
    const n = random() < 0.9 ? int(min, max) : pick([min - 1, max + 1, max + 2]);
    return [String(n), n];
  };
  /** low-high, in order four times in five. */
  const range = (b: (typeof BOUNDS)[number]) => {
    const ends = [value(b), value(b)];
    if (random() < 0.8) ends.sort((x, y) => x[1] - y[1]);
    return `${ends[0][0]}-${ends[1][0]}`;
  };
  const step = (max: number) => String(random() < 0.9 ? int(1, Math.min(max, 15)) : pick([0, max + 1, -1]));
  const item = (b: (typeof BOUNDS)[number]): string => {
    const r = random();
    if (r < 0.15) return pick(['*', '?']);
    if (r < 0.3) return `${pick(['*', '?'])}/${step(b[1])}`;
    if (r < 0.55) return value(b)[0];
    if (r < 0.7) return range(b);
    if (r < 0.8) return `${value(b)[0]}/${step(b[1])}`;
    if (r < 0.9) return `${range(b)}/${step(b[1])}`;
    return pick(['', 'x', '-1', '+3', '07', '1-2-3', '1/2/3', '*-3', '*/1', '**']);
  };
  const field = (b: (typeof BOUNDS)[number]) => {
    const items = Array.from({ length: random() < 0.75 ? 1 : int(2, 3) }, () => item(b)).join(',');
    return random() < 0.04 ? pick([`,${items}`, `${items},`, ',']) : items;
  };
  const out: string[] = [];
  while (out.length < count) {
    const fields = BOUNDS.map(field);
    // A third of them aim at the day fields: days 29-31 with short months, and the star bit of dow.
    if (random() < 0.35) {
      fields[2] = pick(['29', '30', '31', '29-31', '30,31', '31/1', '28-31/3', '1,31', '*', '?', '*/1', '*/2', ',']);
      fields[3] = pick(['2', 'feb', 'FEB', '4,6,9,11', 'apr,jun', '2,4', '2-4/2', '*/2', '1', 'dec', '*', '11/3']);
      fields[4] = pick(['*', '?', '*/1', '*/2', '1', '0-6', 'SUN-SAT', ',', '*,1', '1-5', '?/1']);
    }
    if (random() < 0.05) fields.splice(int(0, 4), 1);
    else if (random() < 0.05) fields.push(String(int(0, 59)));
    out.push(fields.join(pick([' ', ' ', ' ', ' ', '\t', '  '])));
  }
  return out;
}

const corpus = [...new Set([...accepted, ...refused.map(([s]) => s), ...edges, ...generated(300, 0x5eed)])];

/**
 * Kubernetes' verdict from the oracle's line: robfig's, but a schedule containing "TZ" is refused
 * (the timeZone field is for that; pkg/apis/batch/validation), and so, by our own rules, is
 * `@every ...` (which robfig accepts) and a schedule that never fires.
 */
function expectedVerdict(schedule: string, oracle: string): 'accept' | 'parse error' | 'never fires' | '@every' {
  if (oracle.startsWith('error: ') || schedule.includes('TZ')) return 'parse error';
  if (oracle === 'ok never') return 'never fires';
  if (schedule.startsWith('@every ')) return '@every';
  return 'accept';
}


describe('cronScheduleProblem agrees with robfig/cron v3 (test/oracles/cron)', () => {
  let oracle: string | undefined;
  let missingGo: string | undefined;

  // The first run on a machine builds the oracle (under a second with warm Go caches, ~45 s from
  // cold ones, the module from the Go module proxy); later runs find it in ~/.cache/hobby-infra.
  beforeAll(async () => {
    ({ oracle, missingGo } = await buildOracle('cron'));
  }, 300_000);

  test('on the table, hand-picked edge cases and 300 generated schedules', async (context) => {
    if (missingGo) context.skip(missingGo);
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    const input = corpus.map((s) => JSON.stringify(s)).join('\n') + '\n';
    const child = promisify(execFile)(oracle!, [], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    // Should the oracle exit early, the rejected promise says why; the write's EPIPE adds nothing.
    child.child.stdin!.on('error', () => {}).end(input);
    const lines = (await child).stdout.split('\n').slice(0, -1);
    expect(lines).toHaveLength(corpus.length);

    const verdicts = new Map<string, number>();
    const disagreements: string[] = [];
    corpus.forEach((schedule, i) => {
      const verdict = expectedVerdict(schedule, lines[i]);
      verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
      const problem = cronScheduleProblem(schedule);
      const ours = problem === undefined ? 'accept' : problem.startsWith('a schedule that fires') ? 'never fires' : 'parse error';
      // @every is refused with the parse errors' message (expected a 5-field schedule or @hourly/...).
      const expected = verdict === '@every' ? 'parse error' : verdict;
      if (ours !== expected) disagreements.push(`${JSON.stringify(schedule)}: robfig says ${lines[i]}, we say ${problem ?? 'ok'}`);
    });
    expect(disagreements).toEqual([]);
    // The corpus exercises every verdict, not just one.
    expect(verdicts.get('accept')).toBeGreaterThanOrEqual(100);
    expect(verdicts.get('parse error')).toBeGreaterThanOrEqual(100);
    expect(verdicts.get('never fires')).toBeGreaterThanOrEqual(15);
    expect(verdicts.get('@every')).toBeGreaterThanOrEqual(2);
  });
});
