import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdGroupsOf, workloadsOf } from '../../lib/constructs/helm-release';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { CONFIG_HASH_ANNOTATION, HELM_CHART_FINALIZER, INSTALL_SET, MANAGED_BY, REMOVE_SET, helmJob, objectSetMarks, relatedObjects, type HelmChartObject } from './helm-job';
import { PLAYED_BY, poll, type StandIn } from './played-by';

/*
 * k3s' helm-controller, played: it is not running here. This loop does to the API what
 * github.com/k3s-io/helm-controller v0.16.10 does (pkg/controllers/chart/chart.go), with the objects
 * helm-job.ts builds as its source does; helm itself is played by the kubelet stand-in
 * (played-helm.ts), and what a helm install visibly leaves in the cluster by this loop, once the
 * install Job has succeeded.
 *
 *  claim      shouldManage(): a HelmChart without `helmcharts.cattle.io/managed-by` is claimed
 *             (annotated `helm-controller`, as k3s names it), one with another manager left alone.
 *  finalizer  wrangler's remove handler adds `wrangler.cattle.io/on-helm-chart-remove`.
 *  OnChange   the `helm-install-<name>` Job (backoffLimit 1000, restartPolicy OnFailure, container
 *             `helm` of klipper-helm) and its ServiceAccount, ClusterRoleBinding, values Secret and
 *             content ConfigMap, marked as wrangler's apply marks its set (no ownerReference);
 *             status.jobName and the conditions JobCreated True (`Job created`, `Applying HelmChart
 *             using Job <ns>/<job>`) and Failed False; the event ApplyJob. A HelmChart whose Job
 *             would change (its args, env, image, backoffLimit or values hash) has its Job deleted
 *             (propagation Foreground) and created again, as the controller's jobPatcher does.
 *  installed  once that Job has succeeded: the CRDs of the groups the HelmChart declares
 *             (`hobby-infra.dev/crd-groups`, from imports/crds/), and in the target namespace every
 *             workload `kind/name` of workloadsOf() (Deployment, DaemonSet, StatefulSet; the
 *             HelmChart's `hobby-infra.dev/workloads` and webhook Deployments), or one Deployment
 *             named after the chart standing for a chart that declares none. The kubelet stand-in
 *             runs their pods (a DaemonSet gets none: the only Node is the tainted log stand-in).
 *  OnRemove   deleting the HelmChart leaves it Terminating while `helm-delete-<name>` (args
 *             `delete`) runs; only when that Job has succeeded are the chart's workloads gone
 *             (helm uninstall), its Jobs and related objects deleted, and the finalizer dropped.
 *             A delete Job that never succeeds keeps the HelmChart Terminating, as with k3s.
 *  CRDs are left on removal, as charts that keep their CRDs do. Not played: a changed chart's
 *  helm upgrade differs from its install only in the played log's lines.
 */

/** CRD manifests in imports/crds/ by API group. */
function crdsByGroup(root: string): Map<string, Record<string, unknown>[]> {
  const dir = join(root, 'imports/crds');
  const out = new Map<string, Record<string, unknown>[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const crd = parse(readFileSync(join(dir, file), 'utf8')) as { spec: { group: string } };
    out.set(crd.spec.group, [...(out.get(crd.spec.group) ?? []), crd]);
  }
  return out;
}

const WORKLOAD_API: Record<string, { kind: string; plural: string }> = {
  deployment: { kind: 'Deployment', plural: 'deployments' },
  daemonset: { kind: 'DaemonSet', plural: 'daemonsets' },
  statefulset: { kind: 'StatefulSet', plural: 'statefulsets' },
};

const restrictedPod = (name: string, image: string) => ({
  securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name,
      image,
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    },
  ],
});

interface JobObject {
  metadata: { name: string; deletionTimestamp?: string };
  spec: ReturnType<typeof helmJob>['spec'];
  status?: { succeeded?: number };
}

/** What jobPatcher compares, in effect: a Job is replaced when any of these differ. */
const fingerprint = (job: { spec: ReturnType<typeof helmJob>['spec'] }) => {
  const c = job.spec.template.spec.containers[0]!;
  return JSON.stringify([job.spec.backoffLimit, c.image, c.args, c.env, job.spec.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]]);
};

export function playHelmController(cp: ControlPlane, root: string, log: (line: string) => void = console.log): StandIn {
  const crds = crdsByGroup(root);
  const installed = new Map<string, string>(); // chart uid -> fingerprint of the Job whose success was played
  const known = new Map<string, HelmChartObject>();
  const said = new Set<string>();
  const once = (line: string) => !said.has(line) && (said.add(line), log(line));
  const apply = (path: string, obj: unknown) => cp.api('PATCH', `${path}?fieldManager=${MANAGED_BY}&force=true`, obj, 'application/apply-patch+yaml');
  const must = async (what: string, res: Promise<{ status: number; body: unknown }>) => {
    const r = await res;
    if (r.status >= 300 && r.status !== 404) throw new Error(`${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r;
  };
  const event = (chart: HelmChartObject, reason: string, message: string) =>
    cp.api('POST', `/api/v1/namespaces/${chart.metadata.namespace}/events`, {
      metadata: { generateName: `${chart.metadata.name}.`, namespace: chart.metadata.namespace },
      involvedObject: { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', name: chart.metadata.name, namespace: chart.metadata.namespace, uid: chart.metadata.uid },
      type: 'Normal',
      reason,
      message,
      source: { component: 'helm-controller' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    });
  // DELETE options go in the query: the control plane's client sends a DELETE's body unframed (Node
  // does not chunk DELETE bodies), which breaks the next request on the connection.
  const pathOf = (o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) => {
    const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
    const plural = { Secret: 'secrets', ConfigMap: 'configmaps', ServiceAccount: 'serviceaccounts', ClusterRoleBinding: 'clusterrolebindings', Job: 'jobs' }[o.kind]!;
    return `${base}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${plural}/${o.metadata.name}`;
  };
  const marked = <T extends { metadata: object }>(o: T, chart: HelmChartObject, set: string): T => {
    const marks = objectSetMarks(chart, set);
    return { ...o, metadata: { ...o.metadata, annotations: marks.annotations, labels: { ...((o.metadata as { labels?: object }).labels ?? {}), ...marks.labels } } };
  };
  const workloadsOfChart = (chart: HelmChartObject) => (workloadsOf(chart).length ? workloadsOf(chart) : [`deployment/${chart.metadata.name}`]);
  const workloadPath = (chart: HelmChartObject, ref: string) => {
    const [kind, name] = ref.split('/') as [string, string];
    const api = WORKLOAD_API[kind.toLowerCase()];
    if (!api) throw new Error(`HelmChart ${chart.metadata.name}: workload ${ref}: got kind ${kind}, expected deployment, daemonset or statefulset`);
    return { api, name, path: `/apis/apps/v1/namespaces/${chart.spec.targetNamespace || chart.metadata.namespace}/${api.plural}/${name}` };
  };

  /** The Job `job` of `chart` in `set`: created, replaced when it changed (jobPatcher), or returned as it is. */
  const ensureJob = async (chart: HelmChartObject, set: string): Promise<JobObject | undefined> => {
    const want = marked(helmJob(chart), chart, set);
    const live = await cp.api<JobObject>('GET', pathOf(want));
    if (live.status === 404) {
      // With the Job, what it mounts and runs as (applied when the Job is made, not every round: the machine is small).
      for (const o of relatedObjects(chart)) await must(`applying ${o.kind} ${o.metadata.name}`, apply(pathOf(o), marked(o, chart, set)));
      await must(`creating Job ${want.metadata.name}`, cp.api('POST', `/apis/batch/v1/namespaces/${want.metadata.namespace}/jobs`, { ...want, metadata: { ...want.metadata, labels: { ...want.metadata.labels, [PLAYED_BY]: 'test-harness' } } }));
      log(`[stand-in helm-controller] ${chart.metadata.namespace}/${chart.metadata.name}: Job ${want.metadata.name} created (helm ${want.spec.template.spec.containers[0]!.args.join(' ')}; backoffLimit ${want.spec.backoffLimit}, restartPolicy OnFailure)`);
      return undefined;
    }
    if (live.body.metadata.deletionTimestamp) return undefined;
    if (fingerprint(live.body) !== fingerprint(want)) {
      await cp.api('DELETE', `${pathOf(want)}?propagationPolicy=Foreground`);
      log(`[stand-in helm-controller] ${chart.metadata.namespace}/${chart.metadata.name} changed: Job ${want.metadata.name} deleted (Foreground) to be created again, as jobPatcher does`);
      installed.delete(chart.metadata.uid);
      return undefined;
    }
    return live.body;
  };

  const onChange = async (chart: HelmChartObject) => {
    const job = await ensureJob(chart, INSTALL_SET);
    const { name, namespace } = chart.metadata;
    const jobName = `helm-install-${name}`;
    const conditions = [
      { type: 'JobCreated', status: 'True', reason: 'Job created', message: `Applying HelmChart using Job ${namespace}/${jobName}` },
      { type: 'Failed', status: 'False' },
    ];
    const said = (cs: { type: string; status: string; reason?: string; message?: string }[] = []) => cs.map((c) => [c.type, c.status, c.reason, c.message].join('|')).join('\n');
    if (chart.status?.jobName !== jobName || said(chart.status?.conditions) !== said(conditions)) {
      await must(`status of HelmChart ${name}`, cp.api('PATCH', `/apis/helm.cattle.io/v1/namespaces/${namespace}/helmcharts/${name}/status`, { status: { jobName, conditions } }, 'application/merge-patch+json'));
      await event(chart, 'ApplyJob', `Applying HelmChart using Job ${namespace}/${jobName}`);
    }
    if (!job?.status?.succeeded || installed.get(chart.metadata.uid) === fingerprint(job)) return;
    // What the played `helm install` left: the chart's CRDs and workloads.
    const groups = crdGroupsOf(chart);
    for (const group of groups) {
      for (const crd of crds.get(group) ?? []) await must(`installing CRD of ${group}`, apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${(crd.metadata as { name: string }).name}`, crd));
      if (!crds.has(group)) log(`[stand-in helm-controller] ${name}: no CRD of group ${group} in imports/crds/`);
    }
    const target = chart.spec.targetNamespace || namespace;
    if (chart.spec.createNamespace) {
      // helm install --create-namespace: the namespace, unless it exists.
      const res = await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: target } });
      if (res.status >= 300 && res.status !== 409) throw new Error(`creating namespace ${target}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    const refs = workloadsOfChart(chart);
    for (const ref of refs) {
      const { api, name: workload, path } = workloadPath(chart, ref);
      const labels = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': workload, 'app.kubernetes.io/managed-by': 'Helm', [PLAYED_BY]: 'test-harness' };
      const template = { metadata: { labels }, spec: restrictedPod(workload, `${chart.spec.chart}:${chart.spec.version || 'stand-in'}`) };
      const spec = { selector: { matchLabels: { 'app.kubernetes.io/name': workload } }, template, ...(api.kind === 'DaemonSet' ? {} : { replicas: 1 }), ...(api.kind === 'StatefulSet' ? { serviceName: workload } : {}) };
      await must(`creating ${api.kind} ${workload}`, cp.api('PATCH', `${path}?fieldManager=helm&force=true`, { apiVersion: 'apps/v1', kind: api.kind, metadata: { name: workload, labels }, spec }, 'application/apply-patch+yaml'));
    }
    installed.set(chart.metadata.uid, fingerprint(job));
    log(`[stand-in helm-controller] installed ${namespace}/${name} (${chart.spec.chart} ${chart.spec.version ?? ''}) after Job ${jobName} succeeded: CRDs of ${groups.join(', ') || 'no group'}, ${refs.join(', ')} in ${target} standing for the chart's workloads`);
  };

  /** The generating handler's Remove, once the HelmChart is gone: its set is pruned (background propagation). */
  const prune = async (chart: HelmChartObject) => {
    const installing = { ...chart, metadata: { ...chart.metadata, deletionTimestamp: undefined } };
    for (const o of [helmJob(installing), helmJob(chart), ...relatedObjects(chart)]) await cp.api('DELETE', `${pathOf(o)}?propagationPolicy=Background`);
  };

  const onRemove = async (chart: HelmChartObject) => {
    const { name, namespace } = chart.metadata;
    const job = await ensureJob(chart, REMOVE_SET);
    if (!job?.status?.succeeded) {
      once(`[stand-in helm-controller] ${namespace}/${name} is Terminating: waiting for delete of helm chart for ${namespace}/${name} by helm-delete-${name}`);
      return;
    }
    for (const ref of workloadsOfChart(chart)) await cp.api('DELETE', workloadPath(chart, ref).path);
    await event(chart, 'RemoveJob', `Uninstalled HelmChart using Job ${namespace}/helm-delete-${name}, removing resources`);
    await cp.api('DELETE', `${pathOf(helmJob(chart))}?propagationPolicy=Background`);
    const finalizers = (chart.metadata.finalizers ?? []).filter((f) => f !== HELM_CHART_FINALIZER);
    await must(`finalizer of ${name}`, cp.api('PATCH', `/apis/helm.cattle.io/v1/namespaces/${namespace}/helmcharts/${name}`, { metadata: { finalizers, resourceVersion: chart.metadata.resourceVersion } }, 'application/merge-patch+json'));
    log(`[stand-in helm-controller] uninstalled ${namespace}/${name} after Job helm-delete-${name} succeeded: ${workloadsOfChart(chart).join(', ')} deleted, finalizer ${HELM_CHART_FINALIZER} removed`);
  };

  return poll('helm-controller', 300, async () => {
    const { status, body } = await cp.api<{ items?: HelmChartObject[] }>('GET', '/apis/helm.cattle.io/v1/helmcharts');
    if (status === 404) return; // the HelmChart CRD is not installed yet
    const live = new Map((body.items ?? []).map((c) => [c.metadata.uid, c]));
    for (const chart of live.values()) {
      const { name, namespace, annotations = {}, finalizers = [] } = chart.metadata;
      if (!chart.spec.chart && !chart.spec.chartContent) continue;
      if ('helmcharts.helm.cattle.io/unmanaged' in annotations) continue;
      const path = `/apis/helm.cattle.io/v1/namespaces/${namespace}/helmcharts/${name}`;
      if (!annotations['helmcharts.cattle.io/managed-by'] && !chart.metadata.deletionTimestamp) {
        await cp.api('PATCH', path, { metadata: { annotations: { 'helmcharts.cattle.io/managed-by': MANAGED_BY }, resourceVersion: chart.metadata.resourceVersion } }, 'application/merge-patch+json');
        continue; // the update triggers the next round, as it retriggers OnChange
      }
      if (annotations['helmcharts.cattle.io/managed-by'] !== MANAGED_BY) continue;
      known.set(chart.metadata.uid, chart);
      if (chart.metadata.deletionTimestamp) {
        if (finalizers.includes(HELM_CHART_FINALIZER)) await onRemove(chart);
      } else if (!finalizers.includes(HELM_CHART_FINALIZER)) {
        await cp.api('PATCH', path, { metadata: { finalizers: [...finalizers, HELM_CHART_FINALIZER], resourceVersion: chart.metadata.resourceVersion } }, 'application/merge-patch+json');
      } else {
        await onChange(chart);
      }
    }
    for (const [uid, chart] of known) {
      if (live.has(uid)) continue;
      known.delete(uid);
      installed.delete(uid);
      await prune(chart);
      log(`[stand-in helm-controller] ${chart.metadata.namespace}/${chart.metadata.name} is gone: its Job helm-install-${chart.metadata.name}, ServiceAccount, ClusterRoleBinding, values Secret and content ConfigMap deleted (wrangler prunes the set)`);
    }
  });
}
