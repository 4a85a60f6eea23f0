import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-32';
import type { AppSpec } from '../lib/app-spec';
import { backedUpVolumes } from '../lib/backup-owners';
import type { ClusterConfig } from '../lib/config';
import { addUsage, BACKUP_KEYS, BackupSecretStore, CNPG_NAMESPACE, noUsage, type ExtraUsage } from '../lib/constructs/backups';
import { BACKUP_SIDECAR_RESOURCES, databaseUsage, INSTANCE_STATUS_PORT } from '../lib/constructs/database';
import { DatabaseDrill, drillClustersConfigMap, DRILL_CREDENTIALS } from '../lib/constructs/drill-database';
import { drillPods, RESTORE_DRILLS_NAMESPACE, RUNNER_RESOURCES, RUNNER_SERVICE_ACCOUNT, SCRIPTS, SCRIPTS_CONFIGMAP, scriptText } from '../lib/constructs/drill-runner';
import { VolumeDrill, volumeDrillUsage } from '../lib/constructs/drill-volume';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { APP_NAMESPACE_LABEL, fromPods, PlatformNetwork, tcp, toApiServer, toInternet } from '../lib/constructs/platform-network';
import { cpuMillis, formatCpu, formatMemory, memoryMiB } from '../lib/quantity';
import { PlatformChart } from '../lib/render';
import { DATA_VOLUME, UPTIME_KUMA } from './uptime-kuma';

/**
 * Restore drills (docs/backups.md "Restore drills"): on `backups.drills.schedule`, every app
 * database is restored into a throwaway Cluster and every backed-up volume (Uptime Kuma's too) into
 * a scratch volume, checked, and deleted, in the namespace restore-drills, with read-only keys
 * (/backups/restore-drills). A Job's success or failure is the drill's result; the alerts read it
 * from kube-state-metrics (lib/alerts.ts).
 *
 * The namespace carries the apps' namespace label: its workloads are dist/'s own CronJobs, as an
 * app's are, not a chart's, and no ServiceAccount there holds more than the drills' Role (which
 * reaches this namespace only). The deploy identity's admission policy keeps what makes pods out of
 * the charts' namespaces only (lib/delivery/policy-inputs.ts), and CloudNativePG's operator already
 * reaches database instances in the apps' namespaces (charts/cloudnative-pg.ts).
 */
export class RestoreDrillsChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig, apps: readonly AppSpec[]) {
    super(scope, 'restore-drills');
    const namespace = new PlatformNamespace(this, RESTORE_DRILLS_NAMESPACE, { podSecurity: 'restricted', labels: { [APP_NAMESPACE_LABEL]: RESTORE_DRILLS_NAMESPACE } }).name;

    // A drill's instance has its database's shape (resources and backup sidecar), so the database's
    // own fit to one node (lib/spec/node-fit.ts, checked when the app loads) is the drill's too.

    new BackupSecretStore(this, 'store', { cluster, app: RESTORE_DRILLS_NAMESPACE, namespace });
    BackupSecretStore.secret(this, 'bucket-keys', {
      cluster,
      namespace,
      secretName: DRILL_CREDENTIALS,
      keys: { [BACKUP_KEYS.accessKeyId]: BACKUP_KEYS.accessKeyId, [BACKUP_KEYS.secretAccessKey]: BACKUP_KEYS.secretAccessKey },
    });
    new k8s.KubeServiceAccount(this, 'runner', { metadata: { name: RUNNER_SERVICE_ACCOUNT, namespace }, automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'scripts', {
      metadata: { name: SCRIPTS_CONFIGMAP, namespace },
      data: Object.fromEntries(Object.values(SCRIPTS).map((file) => [file, scriptText(file)])),
    });

    const withDatabase = apps.filter((a) => a.database);
    const databases = withDatabase.map((a) => ({ app: a.name, drill: new DatabaseDrill(this, `database-${a.name}`, { cluster, app: a.name, db: a.database!, drills: withDatabase.length }) }));
    if (databases.length) drillClustersConfigMap(this, databases);
    const volumes = [
      ...apps.flatMap((a) => backedUpVolumes(a).map((volume) => ({ owner: a.name, volume }))),
      { owner: UPTIME_KUMA.namespace, volume: DATA_VOLUME },
    ];
    // Construct ids by position: an app whose names collide is refused by its own chart's name check
    // (lib/spec/derived-names.ts), which needs this chart built first.
    volumes.forEach(({ owner, volume }, i) => new VolumeDrill(this, `volume-${i}`, { cluster, owner, volume }));

    // The quota: every runner and volume drill at once, and one drill Cluster (the largest) at a
    // time; count/clusters is what makes the runners take turns (database-drill.sh).
    let usage: ExtraUsage = noUsage();
    const runner = RUNNER_RESOURCES;
    for (let i = 0; i < databases.length; i++) {
      usage = addUsage(usage, { pods: 1, cpuRequest: cpuMillis(runner.requests.cpu), memoryRequest: memoryMiB(runner.requests.memory), cpuLimit: cpuMillis(runner.limits.cpu), memoryLimit: memoryMiB(runner.limits.memory), pvcs: 0, storage: 0 });
    }
    for (const { volume } of volumes) usage = addUsage(usage, volumeDrillUsage(volume));
    const clusters = withDatabase.map((a) => databaseUsage({ ...a.database!, instances: 1 }));
    const largest = clusters.reduce<ExtraUsage>((max, u) => ({
      pods: Math.max(max.pods, u.pods), cpuRequest: Math.max(max.cpuRequest, u.cpuRequest), memoryRequest: Math.max(max.memoryRequest, u.memoryRequest),
      cpuLimit: Math.max(max.cpuLimit, u.cpuLimit), memoryLimit: Math.max(max.memoryLimit, u.memoryLimit), pvcs: Math.max(max.pvcs, u.pvcs), storage: Math.max(max.storage, u.storage),
    }), noUsage());
    usage = addUsage(usage, largest);
    const q = (s: string) => k8s.Quantity.fromString(s);
    const n = (v: number) => k8s.Quantity.fromNumber(v);
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'restore-drills', namespace },
      spec: {
        hard: {
          'requests.cpu': q(formatCpu(usage.cpuRequest)),
          'requests.memory': q(formatMemory(usage.memoryRequest)),
          'limits.cpu': q(formatCpu(usage.cpuLimit)),
          'limits.memory': q(formatMemory(usage.memoryLimit)),
          pods: n(usage.pods),
          persistentvolumeclaims: n(usage.pvcs),
          'requests.storage': q(formatMemory(Math.max(usage.storage, 1))),
          'count/clusters.postgresql.cnpg.io': n(1),
          'services.loadbalancers': n(0),
          'services.nodeports': n(0),
        },
      },
    });
    // The Barman Cloud sidecar comes without resources into a drill instance (no ObjectStore of its
    // own names them there): the defaults are the sidecar's, as on the apps' databases.
    const s = BACKUP_SIDECAR_RESOURCES;
    new k8s.KubeLimitRange(this, 'limit-range', {
      metadata: { name: 'restore-drills-defaults', namespace },
      spec: { limits: [{ type: 'Container', defaultRequest: { cpu: q(s.requests.cpu), memory: q(s.requests.memory) }, default: { cpu: q(s.limits.cpu), memory: q(s.limits.memory) } }] },
    });

    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        runner: {
          pods: drillPods('runner'),
          doors: [toApiServer('creates, watches and deletes the drill Clusters, and runs psql in their instance (kubectl exec goes through the API server)')],
        },
        database: {
          pods: drillPods('database'),
          doors: [
            toInternet(tcp(443), 'reads the base backup and the archived WAL from the app\'s bucket (R2, read-only keys)'),
            toApiServer('the instance manager watches its Cluster; the Barman Cloud sidecar reads its ObjectStore and keys'),
            fromPods({ namespace: CNPG_NAMESPACE }, tcp(INSTANCE_STATUS_PORT), 'the operator asks the instance for its status through its instance manager'),
          ],
        },
        volume: {
          pods: drillPods('volume'),
          doors: [toInternet(tcp(443), 'reads the restic repository from the owner\'s bucket (R2, read-only keys)')],
        },
      },
    });
  }
}
