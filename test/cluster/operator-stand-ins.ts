import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdGroupsOf, webhookDeploymentsOf } from '../../lib/constructs/helm-release';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { REPO } from './harness';
import { PLAYED_BY, poll, type StandIn } from './stand-ins';

/*
 * The operators this machine does not run, played openly like the kubelet (stand-ins.ts): every
 * line they log starts with `[stand-in ...]`.
 *
 *  helm-controller  k3s' helm-controller is not running. For each HelmChart it does what a helm
 *                   install visibly does to the API: the chart's CRDs (the groups the HelmChart
 *                   declares in its `hobby-infra.dev/crd-groups` annotation, from imports/crds/), a
 *                   `helm-install-<name>` Job owned by the HelmChart (completed by the kubelet
 *                   stand-in), and in the target namespace the webhook Deployments the HelmChart
 *                   names (`hobby-infra.dev/webhook-deployments`), or one Deployment standing for
 *                   the chart's workloads. Removing the HelmChart removes them; CRDs are left, as
 *                   charts that keep their CRDs do.
 *  cloudnative-pg   The operator is not running, and no database either. Each CloudNativePG Cluster
 *                   is only reported Ready (its status subresource: condition Ready, the instances
 *                   it asks for), so that the apply's wait for the databases a Job may need can be
 *                   run; no pod, Service or Secret of the database exists.
 *  volsync          The operator is not running, no mover and no bucket either. A
 *                   ReplicationDestination whose manual trigger has not been synced is played as
 *                   restic would run: once its claim and repository Secret exist, the repository
 *                   opens only with STAND_IN_RESTIC_PASSWORD (the one the played bucket holds), so
 *                   the sync succeeds (status as VolSync writes it, restic's `restoring <Snapshot
 *                   ...>` line in the mover's logs) or fails as restic does with another password
 *                   (and is retried, as VolSync retries its mover, until the password is right).
 *                   No data is written anywhere.
 */

interface HelmChartObject {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec: { targetNamespace?: string; chart: string; version?: string };
}

/** CRD manifests in imports/crds/ by API group. */
function crdsByGroup(): Map<string, Record<string, unknown>[]> {
  const dir = join(REPO, 'imports/crds');
  const out = new Map<string, Record<string, unknown>[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const crd = parse(readFileSync(join(dir, file), 'utf8')) as { spec: { group: string } };
    out.set(crd.spec.group, [...(out.get(crd.spec.group) ?? []), crd]);
  }
  return out;
}

const restrictedPod = (name: string, image: string, command?: string[]) => ({
  securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name,
      image,
      ...(command ? { command } : {}),
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    },
  ],
});

/** helm-controller's part, as far as the API server can see it. */
export function playHelmController(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  const crds = crdsByGroup();
  const installed = new Map<string, HelmChartObject>();
  const apply = (path: string, obj: unknown) => cp.api('PATCH', `${path}?fieldManager=helm&force=true`, obj, 'application/apply-patch+yaml');

  return poll('helm-controller', 300, async () => {
    const { status, body } = await cp.api<{ items?: HelmChartObject[] }>('GET', '/apis/helm.cattle.io/v1/helmcharts');
    if (status === 404) return; // the HelmChart CRD is not installed yet
    const live = new Map((body.items ?? []).map((c) => [c.metadata.uid, c]));
    for (const [uid, chart] of live) {
      if (installed.has(uid)) continue;
      const { name, namespace } = chart.metadata;
      const target = chart.spec.targetNamespace ?? namespace;
      const groups = crdGroupsOf(chart);
      for (const group of groups) {
        for (const crd of crds.get(group) ?? []) {
          const res = await apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${(crd.metadata as { name: string }).name}`, crd);
          if (res.status >= 300) throw new Error(`installing CRD ${(crd.metadata as { name: string }).name}: ${JSON.stringify(res.body).slice(0, 300)}`);
        }
        if (!crds.has(group)) log(`[stand-in helm-controller] ${name}: no CRD of group ${group} in imports/crds/`);
      }
      const owner = { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', name, uid, controller: true };
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: `helm-install-${name}`, namespace, labels: { 'helmcharts.helm.cattle.io/chart': name, [PLAYED_BY]: 'test-harness' }, ownerReferences: [owner] },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', ...restrictedPod('helm', 'rancher/klipper-helm:stand-in', ['helm_v3', 'install']) } } },
      };
      let res = await apply(`/apis/batch/v1/namespaces/${namespace}/jobs/${job.metadata.name}`, job);
      if (res.status >= 300) throw new Error(`creating Job ${namespace}/${job.metadata.name}: ${JSON.stringify(res.body).slice(0, 300)}`);
      // The chart's workloads: its webhook Deployments by the names it declares, or one standing for all.
      const workloads = webhookDeploymentsOf(chart);
      for (const workload of workloads.length ? workloads : [name]) {
        const labels = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': workload, 'app.kubernetes.io/managed-by': 'Helm', [PLAYED_BY]: 'test-harness' };
        const deployment = {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: workload, namespace: target, labels },
          spec: { replicas: 1, selector: { matchLabels: { 'app.kubernetes.io/name': workload } }, template: { metadata: { labels }, spec: restrictedPod(workload, `${chart.spec.chart}:${chart.spec.version ?? 'stand-in'}`) } },
        };
        res = await apply(`/apis/apps/v1/namespaces/${target}/deployments/${workload}`, deployment);
        if (res.status >= 300) throw new Error(`creating Deployment ${target}/${workload}: ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      installed.set(uid, chart);
      log(`[stand-in helm-controller] installed ${namespace}/${name} (${chart.spec.chart} ${chart.spec.version ?? ''}): CRDs of ${groups.join(', ') || 'no group'}, Job helm-install-${name}, Deployments ${(workloads.length ? workloads : [name]).join(', ')} in ${target} standing for the chart's workloads`);
    }
    for (const [uid, chart] of installed) {
      if (live.has(uid)) continue;
      installed.delete(uid);
      const target = chart.spec.targetNamespace ?? chart.metadata.namespace;
      await cp.api('DELETE', `/apis/apps/v1/namespaces/${target}/deployments?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${chart.metadata.name},${PLAYED_BY}`)}`);
      log(`[stand-in helm-controller] uninstalled ${chart.metadata.namespace}/${chart.metadata.name}: its stand-in Deployments in ${target} deleted`);
    }
  });
}

interface CnpgCluster {
  metadata: { name: string; namespace: string };
  spec?: { instances?: number };
  status?: { conditions?: { type: string; status: string }[] };
}

/** CloudNativePG's part, as far as the apply's `kubectl wait --for=condition=Ready` sees it. */
export function playCloudNativePG(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  return poll('cloudnative-pg', 500, async () => {
    const { status, body } = await cp.api<{ items?: CnpgCluster[] }>('GET', '/apis/postgresql.cnpg.io/v1/clusters');
    if (status === 404) return; // the CRD is not installed (yet)
    for (const c of body.items ?? []) {
      if (c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) continue;
      const instances = c.spec?.instances ?? 1;
      const ready = { type: 'Ready', status: 'True', reason: 'ClusterIsReady', message: 'Cluster is Ready', lastTransitionTime: new Date().toISOString() };
      const patch = { status: { phase: 'Cluster in healthy state', instances, readyInstances: instances, conditions: [ready] } };
      const res = await cp.api('PATCH', `/apis/postgresql.cnpg.io/v1/namespaces/${c.metadata.namespace}/clusters/${c.metadata.name}/status`, patch, 'application/merge-patch+json');
      if (res.status === 200) log(`[stand-in cloudnative-pg] Cluster ${c.metadata.namespace}/${c.metadata.name} reported Ready (no operator and no database on this machine)`);
    }
  });
}

/** The password the played restic repository opens with; any other fails as restic does. */
export const STAND_IN_RESTIC_PASSWORD = 'stand-in-repository-password';
/** The snapshot the played repository holds (restic's own line for it, as the mover logs it). */
export const STAND_IN_SNAPSHOT = { id: '5e1f2a3b', time: '2026-12-05 03:15:00.482913 +0000 UTC' };

interface ReplicationDestinationObject {
  metadata: { name: string; namespace: string };
  spec?: { trigger?: { manual?: string }; restic?: { repository?: string; destinationPVC?: string } };
  status?: { lastManualSync?: string; latestMoverStatus?: { result?: string } };
}

/** VolSync's part for a manual restore, as far as the apply reads ReplicationDestinations. */
export function playVolSync(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  return poll('volsync', 500, async () => {
    const { status, body } = await cp.api<{ items?: ReplicationDestinationObject[] }>('GET', '/apis/volsync.backube/v1alpha1/replicationdestinations');
    if (status === 404) return; // the CRD is not installed (yet)
    for (const rd of body.items ?? []) {
      const trigger = rd.spec?.trigger?.manual;
      const { namespace, name } = rd.metadata;
      if (!trigger || rd.status?.lastManualSync === trigger) continue;
      const claim = await cp.api('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${rd.spec?.restic?.destinationPVC}`);
      const secret = await cp.api<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/${rd.spec?.restic?.repository}`);
      if (claim.status !== 200 || secret.status !== 200) continue; // VolSync waits for both
      const password = Buffer.from(secret.body.data?.RESTIC_PASSWORD ?? '', 'base64').toString();
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const ok = password === STAND_IN_RESTIC_PASSWORD;
      // VolSync retries a failed mover: a fixed password succeeds on the next round.
      if (!ok && rd.status?.latestMoverStatus?.result === 'Failed') continue;
      const patch = ok
        ? {
            status: {
              lastManualSync: trigger,
              lastSyncTime: now,
              lastSyncDuration: '2.1s',
              latestMoverStatus: { result: 'Successful', logs: `restoring <Snapshot ${STAND_IN_SNAPSHOT.id} of [/data] at ${STAND_IN_SNAPSHOT.time} by @volsync> to /data\nRestic completed in 2s` },
            },
          }
        : { status: { latestMoverStatus: { result: 'Failed', logs: 'Fatal: wrong password or no key found' } } };
      const res = await cp.api('PATCH', `/apis/volsync.backube/v1alpha1/namespaces/${namespace}/replicationdestinations/${name}/status`, patch, 'application/merge-patch+json');
      if (res.status === 200) {
        log(`[stand-in volsync] ReplicationDestination ${namespace}/${name}: ${ok ? `synced ${trigger} (no mover, no bucket, no data written on this machine)` : 'the played restic mover failed: wrong repository password'}`);
      }
    }
  });
}
