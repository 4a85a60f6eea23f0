import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import type { CronJobSpec, JobSpec } from '../spec/types';
import { containerProps, digest, finishPod, podAnnotations, podLabels, podSecurityContext, type AppContext } from './pod';

/*
 * Jobs of an app. A one-off Job runs before the app's components roll out (dist/04-apps; the apply
 * waits for it and stops when it fails). Its pod template cannot change, so its name carries a
 * digest of what it runs: a changed job is a new Job, run once, and the old one is pruned. It has
 * no TTL: a Job that deleted itself would be created and run again by the next apply.
 * A CronJob starts a Job on its schedule; it rolls out with the components (after the one-off Jobs).
 */

/**
 * Marks a one-off Job in dist/ and in the cluster (`kubectl get jobs -l hobby-infra.dev/run=before-rollout`).
 * The apply waits for every Job of phase 04, which only one-off Jobs are in.
 */
const RUN_LABEL = 'hobby-infra.dev/run';
const BEFORE_ROLLOUT = 'before-rollout';

/** The Job's name: `<app>-<job>-<8 hex>` of everything that shapes its pod. */
const jobName = (j: JobSpec, ctx: AppContext) => `${j.name}-${digest({ j, database: ctx.database?.name, cache: ctx.cache?.name })}`;

export class AppJob extends Construct {
  constructor(scope: Construct, id: string, j: JobSpec, ctx: AppContext) {
    super(scope, id);
    const job = new kplus.Job(this, 'job', {
      metadata: { name: jobName(j, ctx), namespace: ctx.namespace, labels: { 'app.kubernetes.io/name': j.name, 'app.kubernetes.io/part-of': ctx.app, [RUN_LABEL]: BEFORE_ROLLOUT } },
      podMetadata: { labels: podLabels(j, ctx, 'job'), annotations: podAnnotations(j) },
      backoffLimit: j.retries,
      activeDeadline: Duration.seconds(j.timeoutSeconds),
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(j),
      containers: [containerProps(this, j, ctx)],
    });
    finishPod(ApiObject.of(job), '/spec/template', j, ctx);
  }
}

export class AppCronJob extends Construct {
  constructor(scope: Construct, id: string, j: CronJobSpec, ctx: AppContext) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/name': j.name, 'app.kubernetes.io/part-of': ctx.app };
    const cron = new kplus.CronJob(this, 'cron-job', {
      metadata: { name: j.name, namespace: ctx.namespace, labels: { ...labels, ...ctx.rolloutLabels } },
      podMetadata: { labels: podLabels(j, ctx, 'cron'), annotations: podAnnotations(j) },
      // The schedule is set as declared below; cdk8s+ only builds one from separate fields.
      schedule: Cron.daily(),
      timeZone: j.timeZone,
      concurrencyPolicy: j.concurrency as kplus.ConcurrencyPolicy,
      // A run missed by more than this (the controller was down) is skipped, not started late.
      startingDeadline: Duration.minutes(5),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: j.retries,
      activeDeadline: Duration.seconds(j.timeoutSeconds),
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(j),
      containers: [containerProps(this, j, ctx)],
    });
    const object = ApiObject.of(cron);
    object.addJsonPatch(JsonPatch.replace('/spec/schedule', j.schedule));
    finishPod(object, '/spec/jobTemplate/spec/template', j, ctx);
  }
}
