import { describe, expect, test } from 'vitest';
import { cronScheduleProblem } from '../lib/spec/cron';
import { accepted, refused } from './fixtures/cron-schedules';

/*
 * CronJob schedules as kube-apiserver validates them (robfig/cron v3 ParseStandard, no TZ=), plus
 * no @every and no schedule that never fires. The table says what we expect; the same reading runs
 * through the real parser (test/oracles/cron) in test/cluster/cron-oracle.test.ts, with the suites
 * that build real components from their Go modules.
 */

describe('cronScheduleProblem', () => {
  test.each(accepted)('accepts %j', (schedule) => expect(cronScheduleProblem(schedule)).toBeUndefined());
  test.each(refused)('refuses %j', (schedule, message) => {
    const problem = cronScheduleProblem(schedule);
    if (typeof message === 'string') expect(problem).toBe(message);
    else expect(problem).toMatch(message);
  });
});

