import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config';
import { PLATFORM_NAMESPACES } from '../platform-contracts';

/*
 * What every restore drill shares (charts/restore-drills.ts): the namespace, the labels its
 * NetworkPolicies select, the scripts (a ConfigMap of the .sh files next to this module, so that
 * what runs is reviewed in dist/ and tested as it is), the runner's ServiceAccount and the Role
 * it needs, and the CronJob every drill runs as: restricted, bounded, one run at a time.
 */

export const RESTORE_DRILLS_NAMESPACE = PLATFORM_NAMESPACES.restoreDrills;
/** On every drill pod: `runner` (database drills), `database` (the throwaway Cluster's pods), `volume`. */
export const DRILL_LABEL = 'hobby-infra.dev/restore-drill';
export type DrillRole = 'runner' | 'database' | 'volume';
export const drillPods = (role: DrillRole) => ({ [DRILL_LABEL]: role });

/** The database drills' ServiceAccount: its Role (drillRunnerAccess) reaches restore-drills only. */
export const RUNNER_SERVICE_ACCOUNT = 'restore-drill-runner';
/** kubectl and a shell: small, it mostly waits. */
export const RUNNER_RESOURCES = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } } as const;

/** The ConfigMap of the drills' scripts, and where the pods mount it. */
export const SCRIPTS_CONFIGMAP = 'restore-drill-scripts';
export const SCRIPTS_DIR = '/scripts';
export const SCRIPTS = {
  database: 'database-drill.sh',
  volume: 'volume-drill.sh',
} as const;
/** A script's text, read from lib/constructs/ where synth runs (the repository root, as app files are read). */
export const scriptText = (file: string) => readFileSync(join('lib', 'constructs', file), 'utf8');

/** Where restic and kubectl keep their caches: the root file system is read-only. */
const SCRATCH = '/tmp';
const UID = 65532;

/**
 * The runner's Role in restore-drills, and its binding: create, watch and delete the drill
 * Clusters; find their instance and run psql in it. Nothing in any other namespace. RBAC the
 * deploy identity cannot grant (it holds no pods/exec and writes no RBAC), so the admin applies it
 * (docs/backups.md "Restore drills": `npm run -s deploy-identity -- --restore-drills`).
 */
export function drillRunnerAccess(): Record<string, any>[] {
  const metadata = { name: RUNNER_SERVICE_ACCOUNT, namespace: RESTORE_DRILLS_NAMESPACE, labels: { 'app.kubernetes.io/name': RUNNER_SERVICE_ACCOUNT, 'app.kubernetes.io/managed-by': 'hobby-infra' } };
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        // kubectl exec: a POST (create) over SPDY, a GET over WebSockets (kubectl 1.31+).
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RUNNER_SERVICE_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER_SERVICE_ACCOUNT, namespace: RESTORE_DRILLS_NAMESPACE }],
    },
  ];
}

/** `<prefix>-<name>` within `max` characters (a CronJob's name: 52), cut with a digest when longer. */
export function drillName(prefix: string, name: string, max = 52): string {
  const full = `${prefix}-${name}`;
  if (full.length <= max) return full;
  let hash = 0;
  for (const c of full) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${full.slice(0, max - 9).replace(/-+$/, '')}-${hash.toString(16).padStart(8, '0')}`;
}

export interface DrillCronJobProps {
  readonly cluster: ClusterConfig;
  readonly name: string;
  readonly role: Exclude<DrillRole, 'database'>;
  readonly image: string;
  readonly script: string;
  readonly env: Record<string, string>;
  readonly resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  /** The Job is killed (and fails) after this long. */
  readonly deadlineSeconds: number;
  readonly serviceAccount?: string;
  readonly envFromSecret?: string;
  /** Pod volumes and mounts, as they are written in a manifest. */
  readonly volumes?: Record<string, unknown>[];
  readonly volumeMounts?: Record<string, unknown>[];
  /**
   * An image with a static BusyBox, for an `image` that has no shell (the Kubernetes project's
   * kubectl image is distroless): an init container copies it into the pod, and the script runs
   * with its sh, date, sleep and tr.
   */
  readonly shellFrom?: string;
}

/** Where the init container puts BusyBox and its applets, and the applets the scripts use. */
const TOOLS = '/tools';
const APPLETS = ['sh', 'date', 'sleep', 'tr', 'cat', 'sed', 'grep', 'head', 'tail', 'wc', 'cut', 'expr'];

/**
 * A drill's CronJob: on the config's drill schedule (UTC), never two runs at once, no retry (a
 * failed drill is a result, reported as the Job's failure), a deadline, the last runs kept for
 * kubectl logs, non-root with a read-only root file system.
 */
export class DrillCronJob extends Construct {
  constructor(scope: Construct, id: string, p: DrillCronJobProps) {
    super(scope, id);
    const labels = { ...drillPods(p.role), 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/part-of': RESTORE_DRILLS_NAMESPACE };
    // Written as the manifest itself: cdk8s-plus' typed props cost a conversion per object, one CronJob per drill.
    new ApiObject(this, 'cron-job', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: p.name, namespace: RESTORE_DRILLS_NAMESPACE, labels },
      spec: {
        schedule: p.cluster.backups.drills.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 2,
        failedJobsHistoryLimit: 2,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: p.deadlineSeconds,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                ...(p.serviceAccount ? { serviceAccountName: p.serviceAccount } : {}),
                automountServiceAccountToken: p.serviceAccount !== undefined,
                securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } },
                ...(p.shellFrom
                  ? {
                      initContainers: [
                        {
                          name: 'shell',
                          image: p.shellFrom,
                          command: ['/bin/sh', '-c', `cp /bin/busybox ${TOOLS}/busybox && for a in ${APPLETS.join(' ')}; do ln -s busybox ${TOOLS}/$a; done`],
                          resources: { requests: { ...p.resources.requests }, limits: { ...p.resources.limits } },
                          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                          volumeMounts: [{ name: 'tools', mountPath: TOOLS }],
                        },
                      ],
                    }
                  : {}),
                containers: [
                  {
                    name: 'drill',
                    image: p.image,
                    command: [p.shellFrom ? `${TOOLS}/sh` : '/bin/sh', `${SCRIPTS_DIR}/${p.script}`],
                    env: [{ name: 'HOME', value: SCRATCH }, ...(p.shellFrom ? [{ name: 'PATH', value: `${TOOLS}:/bin` }] : []), ...Object.entries(p.env).map(([name, value]) => ({ name, value }))],
                    ...(p.envFromSecret ? { envFrom: [{ secretRef: { name: p.envFromSecret } }] } : {}),
                    resources: { requests: { ...p.resources.requests }, limits: { ...p.resources.limits } },
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                    volumeMounts: [
                      { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
                      { name: 'scratch', mountPath: SCRATCH },
                      ...(p.shellFrom ? [{ name: 'tools', mountPath: TOOLS, readOnly: true }] : []),
                      ...(p.volumeMounts ?? []),
                    ],
                  },
                ],
                volumes: [
                  { name: 'scripts', configMap: { name: SCRIPTS_CONFIGMAP, items: [{ key: p.script, path: p.script }] } },
                  { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
                  ...(p.shellFrom ? [{ name: 'tools', emptyDir: { sizeLimit: '16Mi' } }] : []),
                  ...(p.volumes ?? []),
                ],
              },
            },
          },
        },
      },
    });
  }
}
