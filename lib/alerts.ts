import type { ClusterConfig } from './config';
import { PLATFORM_NAMESPACES } from './platform-contracts';
import { longestGapSeconds } from './spec/cron';
import { toYaml } from './yaml';

/*
 * Alert rules for backups and their restore drills, in the Prometheus rule-group format Grafana Cloud's ruler reads
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
  /** kube-state-metrics (k8s-monitoring's clusterMetrics) on the restore drills' CronJobs: UNIX times, and running Jobs. */
  drillLastSchedule: 'kube_cronjob_status_last_schedule_time',
  drillLastSuccess: 'kube_cronjob_status_last_successful_time',
  drillActive: 'kube_cronjob_status_active',
  drillCreated: 'kube_cronjob_created',
} as const;

/** How long past a drill's due time before it counts as missed: the longest drill may still run. */
export const DRILL_SLACK_HOURS = 6;

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
  const drills = `${scope}, namespace="${PLATFORM_NAMESPACES.restoreDrills}"`;
  const gap = longestGapSeconds(cluster.backups.drills.schedule);
  const missed = gap + DRILL_SLACK_HOURS * 3600;
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
            'RestoreDrillFailed',
            `(max by (cluster, namespace, cronjob) (${m.drillLastSchedule}{${drills}}) > (max by (cluster, namespace, cronjob) (${m.drillLastSuccess}{${drills}}) or max by (cluster, namespace, cronjob) (${m.drillLastSchedule}{${drills}}) * 0)) and on (cluster, namespace, cronjob) (max by (cluster, namespace, cronjob) (${m.drillActive}{${drills}}) == 0)`,
            '5m',
            'critical',
            'Restore drill {{ $labels.cronjob }} failed: that backup did not restore',
            'The last scheduled drill finished without success. `kubectl -n restore-drills logs job/<its last Job>` ends with the check that failed (docs/backups.md "Restore drills").',
          ),
          rule(
            'RestoreDrillMissed',
            `(time() - max by (cluster, namespace, cronjob) (${m.drillLastSuccess}{${drills}}) > ${missed}) or ((time() - max by (cluster, namespace, cronjob) (${m.drillCreated}{${drills}}) > ${missed}) unless on (cluster, namespace, cronjob) ${m.drillLastSuccess}{${drills}})`,
            '15m',
            'warning',
            'Restore drill {{ $labels.cronjob }} has not succeeded for over ' + `${Math.round(missed / 3600)}h`,
            `No successful drill for longer than the drill schedule's longest interval ("${cluster.backups.drills.schedule}", ${gap / 3600}h) plus ${DRILL_SLACK_HOURS}h: the drills do not run (the CronJob is suspended, its pods cannot start, or it fails every time).`,
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
