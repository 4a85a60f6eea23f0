import type { ClusterConfig } from './config';
import { toYaml } from './yaml';

/*
 * Alert rules for backups, in the Prometheus rule-group format Grafana Cloud's ruler reads
 * (`mimirtool rules load`, or Alerting > Alert rules > Import). The metrics reach Grafana Cloud
 * through the k8s-monitoring chart's annotation autodiscovery (charts/monitoring.ts): database pods
 * and the VolSync controller carry `k8s.grafana.com/scrape`. The cluster runs no ruler of its own
 * (no Prometheus, no PrometheusRule CRD), so the rules are a file, written by `npm run alerts`
 * to docs/alerts/backups.rules.yaml and kept current by test/alerts.test.ts.
 */

/** Metrics the rules read, by who exports them. */
export const BACKUP_METRICS = {
  /** Barman Cloud plugin, through each instance's exporter (port 9187): UNIX times. */
  lastAvailableBackup: 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp',
  lastFailedBackup: 'barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp',
  /** CloudNativePG's default queries (pg_stat_archiver): UNIX times of the last archived and failed WAL. */
  lastArchived: 'cnpg_pg_stat_archiver_last_archived_time',
  lastArchiveFailure: 'cnpg_pg_stat_archiver_last_failed_time',
  /** 1 while the instance manager reaches PostgreSQL. */
  collectorUp: 'cnpg_collector_up',
  /** VolSync controller: 1 when a ReplicationSource missed its schedule. */
  volumeOutOfSync: 'volsync_volume_out_of_sync',
  volumeMissedIntervals: 'volsync_missed_intervals_total',
} as const;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

export function backupAlertRules(cluster: ClusterConfig): { groups: { name: string; interval: string; rules: AlertRule[] }[] } {
  const m = BACKUP_METRICS;
  const late = cluster.backups.alertAfterHours * 3600;
  const scope = `cluster="${cluster.name}"`;
  const rule = (alert: string, expr: string, forDuration: string, severity: 'critical' | 'warning', summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity, area: 'backups' },
    annotations: { summary, description },
  });
  return {
    groups: [
      {
        name: 'hobby-infra-backups',
        interval: '5m',
        rules: [
          rule(
            'DatabaseBackupFailed',
            `max by (cluster, namespace) (${m.lastFailedBackup}{${scope}}) > max by (cluster, namespace) (${m.lastAvailableBackup}{${scope}})`,
            '5m',
            'critical',
            'The newest base backup of the database in {{ $labels.namespace }} failed',
            'Its last backup attempt failed after the last good one. `kubectl -n {{ $labels.namespace }} get backups` and the plugin sidecar\'s logs say why (docs/backups.md).',
          ),
          rule(
            'DatabaseBackupLate',
            `time() - max by (cluster, namespace) (${m.lastAvailableBackup}{${scope}}) > ${late}`,
            '15m',
            'critical',
            'No base backup of the database in {{ $labels.namespace }} for over ' + `${cluster.backups.alertAfterHours}h`,
            `The newest available base backup is older than backups.alertAfterHours (${cluster.backups.alertAfterHours}h), although one runs on "${cluster.backups.databases.schedule}".`,
          ),
          rule(
            'DatabaseWalArchivingFailing',
            `max by (cluster, namespace, pod) (${m.lastArchiveFailure}{${scope}}) > max by (cluster, namespace, pod) (${m.lastArchived}{${scope}})`,
            '15m',
            'critical',
            'WAL archiving fails on {{ $labels.namespace }}/{{ $labels.pod }}',
            'The last WAL segment could not be archived: point-in-time recovery stops at the last archived one, and WAL piles up on the volume until it fills.',
          ),
          rule(
            'DatabaseBackupMetricsMissing',
            `max by (cluster, namespace) (${m.collectorUp}{${scope}} == 1) unless on (cluster, namespace) max by (cluster, namespace) (${m.lastAvailableBackup}{${scope}})`,
            '2h',
            'warning',
            'The database in {{ $labels.namespace }} reports no backup at all',
            'PostgreSQL is up but the Barman Cloud plugin exports no backup time: no backup has ever succeeded, or the plugin is not configured on the Cluster.',
          ),
          rule(
            'VolumeBackupLate',
            `max by (cluster, obj_namespace, obj_name) (${m.volumeOutOfSync}{${scope}}) == 1`,
            '1h',
            'critical',
            'Volume backup {{ $labels.obj_namespace }}/{{ $labels.obj_name }} missed its schedule',
            'The ReplicationSource did not finish a backup before its next scheduled start. `kubectl -n {{ $labels.obj_namespace }} describe replicationsource {{ $labels.obj_name }}` shows the last result.',
          ),
          rule(
            'VolumeBackupMissedIntervals',
            `increase(${m.volumeMissedIntervals}{${scope}}[1d]) > 0`,
            '0m',
            'warning',
            'Volume backup {{ $labels.obj_namespace }}/{{ $labels.obj_name }} skipped a scheduled run today',
            'A scheduled interval passed without a backup starting (the previous one still ran, or the mover could not start).',
          ),
          rule(
            'VolumeBackupMetricsMissing',
            `absent(${m.volumeOutOfSync}{${scope}})`,
            '2h',
            'warning',
            'No VolSync metrics from the cluster',
            'The VolSync controller is not scraped (or not running), so late volume backups would go unnoticed. Ignore it while no app has a volume.',
          ),
        ],
      },
    ],
  };
}

export const ALERTS_FILE = 'docs/alerts/backups.rules.yaml';

export function backupAlertsYaml(cluster: ClusterConfig): string {
  return `# Generated by \`npm run alerts\` from lib/alerts.ts and config/cluster.ts. Do not edit.\n# Load into Grafana Cloud: docs/backups.md, "Alerts".\n${toYaml(backupAlertRules(cluster) as any)}`;
}
