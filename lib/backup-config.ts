import { z } from 'zod';
import { PLACEHOLDER_ACCOUNT_ID } from './configure/placeholders';
import { DNS_1035_LABEL } from './names';
import { cronScheduleProblem } from './spec/cron';

/*
 * The `backups` part of the cluster config: where backups go (R2), when they are taken, how long
 * they are kept, when restore drills prove them, and the data's generation with its recover switch
 * (docs/backups.md "When the cluster is gone").
 */

/** Cron fields: digits, `*`, ranges, steps and lists (no names, no macros: every scheduler reads these). */
const CRON_FIELD = '[0-9*][0-9*/,-]*';
/** A 5-field cron schedule (minute hour day month weekday), as VolSync reads it. */
export const CRON_5 = new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){4}$`);
/** A 6-field cron schedule (second first), as CloudNativePG's ScheduledBackup reads it. */
export const CRON_6 = new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){5}$`);
const keep = (what: string) => z.int(`a whole number of ${what} snapshots`).min(0, `0 or more ${what} snapshots`).max(100, `at most 100 ${what} snapshots`);

/** R2's bucket names: 3-63 lowercase letters, digits and dashes, a letter or digit first and last. */
export const R2_BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const R2_BUCKET_NAME_MAX = 63;
/** The longest backup owner name: app names are at most 40 characters (lib/spec/app.ts `appNameProblem`). */
export const BACKUP_OWNER_MAX = 40;
/** Room left for the bucket prefix: <prefix>-<owner> within R2's limit. */
const BUCKET_PREFIX_MAX = R2_BUCKET_NAME_MAX - 1 - BACKUP_OWNER_MAX;

/** The highest data generation: a database's name carries it (`-g<N>`), within CloudNativePG's name budget. */
export const GENERATION_MAX = 99;
/** Restore drills run weekly unless the config says otherwise: Sunday 05:00 UTC, after the nightly backups. */
export const DEFAULT_DRILL_SCHEDULE = '0 5 * * 0';

/** A CronJob schedule as Kubernetes' own parser reads it (lib/spec/cron.ts). */
const cronJobSchedule = z.string('a 5-field cron schedule such as "0 5 * * 0"').superRefine((schedule, ctx) => {
  const problem = cronScheduleProblem(schedule);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const backupsSchema = z
  .strictObject({
    r2: z.strictObject({
      /** Cloudflare account id (dashboard > R2 > Account details): 32 hex digits; the endpoint is derived from it. */
      accountId: z.string().regex(/^[0-9a-f]{32}$/, 'a Cloudflare account id: 32 lowercase hex digits'),
      /**
       * Each app's backups go to the bucket `<bucketPrefix>-<app>`. R2 scopes a token to whole
       * buckets, never to a prefix inside one, so a bucket per app is what keeps one app's keys
       * away from another app's backups.
       */
      bucketPrefix: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and dashes, a letter or digit first and last (it starts R2 bucket names)')
        .max(BUCKET_PREFIX_MAX, `at most ${BUCKET_PREFIX_MAX} characters, so that <prefix>-<app> fits R2's ${R2_BUCKET_NAME_MAX} for the longest app name (${BACKUP_OWNER_MAX})`),
      /**
       * Apps removed from apps/ whose backups stay: the bootstrap keeps their buckets (never
       * destroyed) and deletes their tokens. Without this, removing an app with backups stops the
       * bootstrap's plan at the bucket's prevent_destroy.
       */
      formerApps: z.array(z.string().regex(DNS_1035_LABEL, 'an app name (a DNS-1035 label)').max(BACKUP_OWNER_MAX, `an app name of at most ${BACKUP_OWNER_MAX} characters`)).default([]),
    }),
    databases: z.strictObject({
      /** Base backups (6-field cron, seconds first); WAL is archived continuously in between. */
      schedule: z.string().regex(CRON_6, 'a 6-field cron schedule, seconds first, such as "0 0 3 * * *"'),
      /** How far back point-in-time recovery reaches: base backups and WAL older than this are deleted. */
      retention: z.string().regex(/^[1-9][0-9]{0,2}[dwm]$/, 'a retention such as 30d, 4w or 3m'),
    }),
    volumes: z.strictObject({
      /** Volume snapshots to the bucket (5-field cron). */
      schedule: z.string().regex(CRON_5, 'a 5-field cron schedule such as "30 3 * * *"'),
      /** restic `forget` policy after each backup. */
      keep: z.strictObject({ daily: keep('daily'), weekly: keep('weekly'), monthly: keep('monthly') }),
    }),
    /** A backup is late (alert) when the newest one is older than this many hours. */
    alertAfterHours: z.int('a whole number of hours').min(1, 'at least 1 hour').max(24 * 14, 'at most 336 hours (two weeks)'),
    /**
     * Restore drills: on this schedule every database is recovered into a throwaway Cluster and
     * every backed-up volume into a scratch volume, checked, and deleted (docs/backups.md).
     */
    drills: z
      .strictObject({
        /** When the drills run (a CronJob schedule, UTC): weekly by default. */
        schedule: cronJobSchedule.default(DEFAULT_DRILL_SCHEDULE),
      })
      .default({ schedule: DEFAULT_DRILL_SCHEDULE }),
    /**
     * The data's generation: 1 for the first cluster, one more after each rebuild whose data came
     * back from backups. Generation N's databases are named `<app>-db-g<N>` (from 2 on), so each
     * generation archives to its own path and never into the lost one's.
     */
    generation: z.int('a whole number').min(1, 'a generation of at least 1').max(GENERATION_MAX, `a generation of at most ${GENERATION_MAX}`).default(1),
    /**
     * Recover mode, after losing the cluster: raise `generation` by one and set this. The next apply
     * recreates every database from the previous generation's latest backups (all archived WAL
     * replayed) and every backed-up volume from its latest snapshot, before the apps start. Turning
     * it off afterwards changes no data.
     */
    recover: z.boolean('true or false').default(false),
  })
  .superRefine((backups, ctx) => {
    if (backups.recover && backups.generation < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['recover'],
        message: `recover mode with generation raised by one (got generation ${backups.generation}: recover reads generation ${backups.generation}'s backups into generation ${backups.generation + 1}, so set generation: ${backups.generation + 1})`,
      });
    }
    if (backups.recover && backups.r2.accountId === PLACEHOLDER_ACCOUNT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['r2', 'accountId'],
        message: 'your Cloudflare account id while recover is on, not the template\'s (recover reads the backups in your R2 buckets: npm run configure -- --cloudflare-account-id)',
      });
    }
  });
