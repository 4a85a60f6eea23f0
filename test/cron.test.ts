import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { cronScheduleProblem } from '../lib/spec/cron';

/*
 * CronJob schedules as kube-apiserver validates them (robfig/cron v3 ParseStandard, no TZ=), plus
 * no @every and no schedule that never fires. The table says what we expect; the oracle test runs
 * the same reading through the real parser (test/oracles/cron, built by scripts/build-cron-oracle.sh)
 * on the table and on a few hundred generated schedules.
 */

const FIVE = 'a 5-field schedule (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly';
const NAMED = 'a 5-field schedule or @hourly/@daily/@weekly/@monthly/@yearly';

const accepted = [
  '* * * * *', '? ? ? ? ?', '0 0 * * *', '*/15 * * * *', '0 */2 * * *', '0 9-17 * * 1-5', '30 3 * * 0',
  '0 0 1 1 *', '0 0 1,15 * *', '5/15 * * * *', '0 0 * * MON-FRI', '0 0 * jan-Mar *', '0 0 * * sun,SAT',
  '0 0 * Jan/3 *', '  0 0 * * *  ', '0\t0 * * *', '0 0\u00a0* * *', '0 0 *\u0085* *', '0\u3000 0 * * *',
  '0 0 29 2 *', // 29 February: every leap year
  '0 0 31 2 MON', // neither day field has the star bit: either one matching will do (every Monday in February)
  '0 0 31 2 0-6', // 0-6 is every day, but without the star bit
  '0 0 31 */2 *', // January, March, ...
  '0 0 , * 1', // no day of month, but day of week alone decides
  '1,,2 * * * *', '*-5 * * * *', // robfig skips empty list items, and ignores what follows * up to the slash
  '+5 * * * *', '007 * * * *', '*/99999999999 * * * *', '*/1 * * * *', '*/60 * * * *',
  '0 0 * * fr\u0130', // Go's strings.ToLower folds U+0130 to "i"
  '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly',
];

const refused: [string, string | RegExp][] = [
  ['0 60 * * *', 'an hour from 0 to 23 in field 2 (got 60)'],
  ['60 0 * * *', 'a minute from 0 to 59 in field 1 (got 60)'],
  ['0 0 0 * *', 'a day of month from 1 to 31 in field 3 (got 0)'],
  ['0 0 * 13 *', 'a month from 1 to 12 or JAN-DEC in field 4 (got 13)'],
  ['0 0 * foo *', 'a month from 1 to 12 or JAN-DEC in field 4 (got "foo")'],
  ['0 0 * * 7', 'a day of week from 0 to 6 or SUN-SAT in field 5 (got 7; Sunday is 0)'],
  ['0 0 * * 1-7', 'a day of week from 0 to 6 or SUN-SAT in field 5 (got 7 in "1-7"; Sunday is 0)'],
  ['0 0 * mon *', 'a month from 1 to 12 or JAN-DEC in field 4 (got "mon")'],
  ['0 22-2 * * *', 'a range whose start is not after its end in field 2 (got "22-2"; 22-23,0-2 wraps around)'],
  ['0 0 * * FRI-MON', 'a range whose start is not after its end in field 5 (got "FRI-MON"; 5-6,0-1 wraps around)'],
  ['*/0 * * * *', 'a step of at least 1 in field 1 (got "*/0")'],
  ['*/-1 * * * *', 'a step of at least 1 in field 1 (got "*/-1")'],
  ['1-2-3 * * * *', 'a value, a range low-high or a step */n, low/n or low-high/n in field 1 (got "1-2-3")'],
  ['1/2/3 * * * *', 'a value, a range low-high or a step */n, low/n or low-high/n in field 1 (got "1/2/3")'],
  ['-5 * * * *', 'a minute from 0 to 59 in field 1 (got "-5")'],
  ['99999999999999999999 * * * *', 'a minute from 0 to 59 in field 1 (got "99999999999999999999")'],
  ['0 0 * * *\ufeff', 'a day of week from 0 to 6 or SUN-SAT in field 5 (got "*\ufeff")'], // U+FEFF is no space to Go
  ['', `${FIVE} (got an empty string)`],
  [' \t ', `${FIVE} (got only white space)`],
  ['0 0 * *', `${FIVE} (got 4 fields)`],
  ['0 0 0 * * *', `${FIVE} (got 6 fields)`],
  ['0 0\u200b* * *', `${FIVE} (got 4 fields)`], // U+200B is no space either
  ['@every 1h', `${NAMED} (got "@every 1h")`],
  ['@reboot', `${NAMED} (got "@reboot")`],
  ['@Daily', `${NAMED} (got "@Daily")`],
  ['@daily ', `${NAMED}, with no space around it (got "@daily ")`],
  [' @daily', `${NAMED}, with no space around it (got " @daily")`],
  ['TZ=UTC 0 0 * * *', 'a schedule without TZ= or CRON_TZ= (got "TZ=UTC 0 0 * * *"; the CronJob\'s timeZone sets the time zone)'],
  ['CRON_TZ=Europe/Berlin @daily', /^a schedule without TZ= or CRON_TZ= /],
  ['0 0 30 2 *', 'a schedule that fires at least once (got day of month "30" in month "2": no such date)'],
  ['0 0 31 4,6,9,11 *', 'a schedule that fires at least once (got day of month "31" in month "4,6,9,11": no such date)'],
  ['0 0 31 2 *,1', /no such date/], // a * anywhere in the list sets the star bit: both must match
  ['0 0 31 2 ?/1', /no such date/],
  ['0 0 31 2-4/2 *', /no such date/],
  [', * * * *', 'a schedule that fires at least once (got minute ",": no minutes)'],
  ['0 ,, * * *', 'a schedule that fires at least once (got hour ",,": no hours)'],
  ['0 0 * , *', 'a schedule that fires at least once (got month ",": no months)'],
  ['0 0 , * *', 'a schedule that fires at least once (got day of month ",": no days)'],
  ['0 0 * * ,', 'a schedule that fires at least once (got day of week ",": no days)'],
  ['0 0 31 2 ,', 'a schedule that fires at least once (got day of month "31" in month "2" and day of week ",": no such date)'],
];

describe('cronScheduleProblem', () => {
  test.each(accepted)('accepts %j', (schedule) => expect(cronScheduleProblem(schedule)).toBeUndefined());
  test.each(refused)('refuses %j', (schedule, message) => {
    const problem = cronScheduleProblem(schedule);
    if (typeof message === 'string') expect(problem).toBe(message);
    else expect(problem).toMatch(message);
  });
});

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
  '0 0 * * jan', '0 0 * * \u212aon', '*/jan * * * *', '0 0 * jan/0 *', '*-x-y * * * *', '?-3 * * * *', '5- * * * *',
  '- * * * *', '-- * * * *', '*/2/3 * * * *', '// * * * *', '** * * * *', '*? * * * *', '0 0 * * *\n', '\n0 0 * * *',
  '0\r\n0 * * *', '0 0 * * * 2024', '* * * *', '@', '@DAILY', '@every 5m', '@every', '@every ', '@every 1x',
  'CRON_TZ=Europe/Berlin 0 0 * * *', 'TZ=UTC', 'TZ=Nope/Nowhere 0 0 * * *', 'tz=UTC 0 0 * * *', 'TZ=UTC @daily',
  '0 0 1-31/2 2 *', '0 0 L * *', '0 0 ? * 1#2', '0 0 1W * *', '0 0 * * 5L', 'H 0 * * *',
];

/** mulberry32: a small seeded PRNG, so the generated corpus is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

const root = resolve(import.meta.dirname, '..');

describe('cronScheduleProblem agrees with robfig/cron v3 (test/oracles/cron)', () => {
  let oracle: string | undefined;
  let missingGo: string | undefined;

  // The first run on a machine builds the oracle (seconds; the module from the Go module proxy
  // unless Go's module cache has it), later runs find it in ~/.cache/hobby-infra/cron-oracle.
  beforeAll(async () => {
    try {
      const { stdout } = await promisify(execFile)('bash', [resolve(root, 'scripts/build-cron-oracle.sh')], { encoding: 'utf8', timeout: 290_000 });
      oracle = stdout.trim().split('\n').pop();
    } catch (error) {
      const { code, stderr } = error as { code?: unknown; stderr?: unknown };
      const last = String(stderr ?? '').trim().split('\n').pop() || (error as Error).message;
      // Without Go, the table above still runs; in CI a missing Go is a failure.
      if (code === 3 && !process.env.CI) missingGo = last;
      else throw new Error(`scripts/build-cron-oracle.sh failed: ${last}`);
    }
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
