import { describe, expect, it } from 'vitest';
import { durationMs, jobStates } from '../lib/delivery/jobs';
import { buildPlan } from '../lib/delivery/plan';
import { runPlan, type Spawner } from '../lib/delivery/run';
import type { Phase } from '../lib/render';
import { env, fake, fixture, HEADER, isJobRead, isPhaseApply, jobList } from './fixtures/fake-kubectl';

/*
 * The one-off Jobs of phase 04, with a fake kubectl (test/fixtures/fake-kubectl.ts): the runner
 * polls them until all complete, stops at the first failure naming it, and gives up at its timeout.
 * Against the real API server and Job controller: test/cluster/jobs.test.ts.
 */

describe('the one-off Jobs of phase 04', () => {
  const migrate = 'blog/blog-migrate-0a1b2c3d';
  /** The fixture's apply with the Jobs answering `status(read)` on the n-th read, on a clock that only sleeps move. */
  function run(status: (read: number, argv: readonly string[]) => Record<string, unknown>, files = fixture) {
    // A first apply: everything of the fixture is sent, so every wait runs.
    const { calls, spawn: base } = fake();
    let reads = 0;
    let clock = 0;
    const sleeps: number[] = [];
    const logs: string[] = [];
    const spawn: Spawner = (argv, o) => {
      if (!isJobRead(argv)) return base(argv, o);
      calls.push({ argv, env: o.env });
      expect(o).toMatchObject({ capture: true, quiet: true });
      reads++;
      return jobList(argv, () => status(reads, argv));
    };
    const result = runPlan(buildPlan({ files }), { mode: 'apply', env, spawn, log: (l) => logs.push(l), sleep: (ms) => (sleeps.push(ms), (clock += ms)), now: () => clock });
    const at = (pred: (argv: readonly string[]) => boolean) => calls.findIndex((c) => pred(c.argv));
    const applyOf = (phase: Phase) => calls.findIndex((c) => isPhaseApply(c, phase));
    const apply05 = applyOf('05-rollouts');
    return { result, calls, reads, sleeps, logs, at, apply05, applyOf };
  }
  const running = { active: 1 };
  const complete = { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 };
  const failed = { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }], failed: 4 };

  it('reads them every 2 s until Complete, then applies phase 05 and waits for the rollouts', () => {
    const r = run((n) => (n < 3 ? { ...running, ...(n === 2 ? { failed: 1 } : {}) } : complete));
    expect(r.result).toMatchObject({ code: 0 });
    expect(r.reads).toBe(3);
    expect(r.sleeps).toEqual([2000, 2000]);
    const clusterReady = r.at((a) => a.includes('cluster.postgresql.cnpg.io/blog-db'));
    const firstRead = r.at(isJobRead);
    expect(r.applyOf('04-apps')).toBeLessThan(clusterReady);
    expect(clusterReady).toBeLessThan(firstRead);
    expect(r.calls.findLastIndex((c) => isJobRead(c.argv))).toBeLessThan(r.apply05);
    expect(r.apply05).toBeLessThan(r.at((a) => a[2] === 'deployments.apps,statefulsets.apps,daemonsets.apps'));
    expect(r.logs).toEqual(expect.arrayContaining([`job ${migrate}: running`, `job ${migrate}: 1 pod(s) failed, retrying (backoffLimit 3)`, `job ${migrate}: complete`]));
  });

  it('stops at the first Failed one, naming it with its reason and message, not at the timeout; nothing of 05 is applied', () => {
    const r = run((n) => (n < 2 ? running : failed));
    expect(r.result.code).toBe(2);
    expect(r.result.message).toContain(`Job ${migrate} failed (BackoffLimitExceeded: Job has reached the specified backoff limit)`);
    expect(r.result.message).toContain('kubectl -n blog logs job/blog-migrate-0a1b2c3d');
    expect(r.reads).toBe(2);
    expect(r.apply05).toBe(-1);
    expect(r.calls.filter((c) => c.argv.includes('rollout'))).toEqual([]);
  });

  it('gives up after the timeout, naming the Jobs that did not finish', () => {
    const r = run(() => running);
    expect(r.result.code).toBe(2);
    expect(r.result.message).toBe(`Jobs not Complete after 15m: ${migrate}`);
    expect(r.reads).toBe(15 * 30 + 1);
    expect(r.apply05).toBe(-1);
  });

  it('reads every namespace in each round, so a failure in one stops the run while another still runs', () => {
    const files = new Map(fixture);
    files.set('04-apps/app-shop.yaml', `${HEADER}apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: shop-install\n  namespace: shop\n`);
    const r = run((n, argv) => (argv.includes('job/shop-install') && n >= 4 ? failed : running), files);
    expect(r.result.message).toContain('Job shop/shop-install failed');
    expect(r.reads).toBe(4);
    expect(r.result.ran.map((i) => buildPlan({ files })[i]!.kind).filter((k) => k === 'jobs')).toHaveLength(2);
  });

  it('waits as long as a Job may run: its activeDeadlineSeconds and a minute, when that is longer than the default', () => {
    const files = new Map(fixture);
    files.set('04-apps/app-shop.yaml', `${HEADER}apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: shop-install\n  namespace: shop\nspec:\n  activeDeadlineSeconds: 3600\n`);
    expect(buildPlan({ files }).filter((s) => s.kind === 'jobs').map((s) => [s.argv[2], s.timeout])).toEqual([
      ['blog', '15m'],
      ['shop', '3660s'],
    ]);
    // Polled together, the longest timeout holds for the group.
    const r = run(() => running, files);
    expect(r.result.message).toBe(`Jobs not Complete after 3660s: ${migrate}, shop/shop-install`);
    expect(r.reads).toBe(2 * (3660 / 2 + 1));
  });

  it('stops when a Job cannot be read', () => {
    const { spawn: base } = fake();
    const spawn: Spawner = (argv, o) => (isJobRead(argv) ? { status: 1, stdout: '', stderr: 'Error from server (NotFound): jobs.batch "blog-migrate-0a1b2c3d" not found' } : base(argv, o));
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {}, sleep: () => {}, now: () => 0 });
    expect(result.code).toBe(2);
    expect(result.message).toContain('jobs.batch "blog-migrate-0a1b2c3d" not found');
    const empty: Spawner = (argv, o) => (isJobRead(argv) ? { status: 0, stdout: '{"kind":"List","items":[]}' } : base(argv, o));
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: empty, log: () => {}, sleep: () => {}, now: () => 0 }).message).toContain(`${migrate} not in its output`);
  });

  it('parses what kubectl prints for one Job and for several, and the plan\'s durations', () => {
    expect(jobStates(JSON.stringify({ kind: 'Job', metadata: { name: 'a', namespace: 'x' }, status: failed }))).toEqual([
      { job: 'x/a', state: 'failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', failedPods: 4, backoffLimit: undefined },
    ]);
    // A Job that is about to fail (FailureTarget) but whose pods still terminate is not Failed yet.
    expect(jobStates(JSON.stringify({ kind: 'List', items: [{ metadata: { name: 'b', namespace: 'x' }, status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }] }))[0]!.state).toBe('running');
    expect([durationMs('15m'), durationMs('90s'), durationMs('1h')]).toEqual([900_000, 90_000, 3_600_000]);
    expect(() => durationMs('15 minutes')).toThrow('not a duration');
  });
});
