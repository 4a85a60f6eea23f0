import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdGroupsOf, webhookDeploymentsOf } from '../../lib/constructs/helm-release';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { REPO } from './harness';

/*
 * The parts of a cluster this machine cannot run, played openly by the test harness. Everything
 * they do is logged with a `[stand-in ...]` prefix, so no test output passes a played part off as
 * the real thing.
 *
 *  kubelet          There is no node. Pods that the real controllers create (ReplicaSets, Jobs) are
 *                   marked Running and Ready, or, when a Job owns them, finished, through the real
 *                   pods/status API; availability, rollouts and Job completion are then computed by
 *                   the real kube-controller-manager. Pods stay unbound, so deleting them is
 *                   immediate, as the API server does for pods no kubelet has.
 *                   As a container runtime it runs no image, but it runs the commands whose result
 *                   is known without one, failures included: a container whose command is exactly
 *                   `['false']` exits 1, one that runs `sh -c 'exit N'` (command, or command and
 *                   args) exits N; every other container of a Job pod exits 0. A Job pod with a
 *                   container that exits non-zero fails (phase Failed, that container terminated
 *                   with its exit code, reason Error); the real Job controller then retries it up
 *                   to its backoffLimit and marks the Job Failed (BackoffLimitExceeded). With
 *                   `restartPolicy: OnFailure` the pod stays Running and the container is restarted
 *                   instead (restartCount, lastState terminated), about every second rather than
 *                   with the kubelet's growing back-off; the Job controller counts the restarts.
 *  helm-controller  k3s' helm-controller is not running. For each HelmChart it does what a helm
 *                   install visibly does to the API: the chart's CRDs (the groups the HelmChart
 *                   declares in its `hobby-infra.dev/crd-groups` annotation, from imports/crds/), a
 *                   `helm-install-<name>` Job owned by the HelmChart (completed by the kubelet
 *                   stand-in), and in the target namespace the webhook Deployments the HelmChart
 *                   names (`hobby-infra.dev/webhook-deployments`), or one Deployment standing for
 *                   the chart's workloads. Removing the HelmChart removes them; CRDs are left, as
 *                   charts that keep their CRDs do.
 */

export interface StandIn {
  /** Stops polling and waits for the last round to finish. */
  stop(): Promise<void>;
}

const PLAYED_BY = 'hobby-infra.dev/played-by';

function poll(name: string, every: number, round: () => Promise<void>): StandIn {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const loop = async () => {
    while (!stopped) {
      current = round().catch((err) => console.warn(`[stand-in ${name}] ${(err as Error).message}`));
      await current;
      await new Promise((r) => setTimeout(r, every));
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      await current;
    },
  };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
}

interface Pod {
  metadata: { name: string; namespace: string; ownerReferences?: { kind: string }[]; deletionTimestamp?: string };
  spec: { containers: Container[]; restartPolicy?: string };
  status?: { containerStatuses?: { name: string; restartCount: number }[] };
}

/** The exit code of a container whose result needs no image: `false` exits 1, `sh -c 'exit N'` exits N; anything else 0. */
export function exitCodeOf(c: Pick<Container, 'command' | 'args'>): number {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  if (argv.length === 1 && argv[0] === 'false') return 1;
  const exit = argv.length === 3 && ['sh', '/bin/sh'].includes(argv[0]!) && argv[1] === '-c' ? /^\s*exit\s+(\d+)\s*$/.exec(argv[2]!) : null;
  return exit ? Number(exit[1]) % 256 : 0;
}

/** The kubelet's part: pods start (and a Job's pods finish, with their containers' exit codes) the moment a controller creates them. */
export function playKubelet(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  const argvOf = (c: Container) => JSON.stringify([...(c.command ?? []), ...(c.args ?? [])]);
  const lastRestart = new Map<string, number>();
  /** `restartPolicy: OnFailure`: the failed containers start again in the same pod, which stays Running. */
  const restart = async (pod: Pod, exits: number[]) => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (Date.now() - (lastRestart.get(key) ?? 0) < 1000) return;
    const now = new Date().toISOString();
    const restarts = (name: string) => (pod.status?.containerStatuses ?? []).find((c) => c.name === name)?.restartCount ?? 0;
    const containerStatuses = pod.spec.containers.map((c, i) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: exits[i] ? restarts(c.name) + 1 : 0,
      state: exits[i] ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` } } : { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
      ...(exits[i] ? { lastState: { terminated: { exitCode: exits[i], reason: 'Error', startedAt: now, finishedAt: now } } } : {}),
    }));
    const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now });
    const status = { phase: 'Running', startTime: now, conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', false), condition('Ready', false)], containerStatuses };
    const res = await cp.api('PATCH', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, { status }, 'application/merge-patch+json');
    if (res.status !== 200) return;
    lastRestart.set(key, Date.now());
    const failed = pod.spec.containers.map((c, i) => [c, i] as const).filter(([, i]) => exits[i]);
    log(`[stand-in kubelet] pod ${key}: ${failed.map(([c, i]) => `${c.name} ran ${argvOf(c)} and exited ${exits[i]}, restart ${containerStatuses[i]!.restartCount}`).join(', ')} (restartPolicy OnFailure; no kubelet on this machine)`);
  };

  return poll('kubelet', 250, async () => {
    // Containers that restart in place (a Job's pods with restartPolicy OnFailure) fail again.
    const running = await cp.api<{ items: Pod[] }>('GET', '/api/v1/pods?fieldSelector=status.phase%3DRunning');
    for (const pod of running.body.items ?? []) {
      if (pod.metadata.deletionTimestamp || pod.spec.restartPolicy !== 'OnFailure' || !(pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job')) continue;
      const exits = pod.spec.containers.map(exitCodeOf);
      if (exits.some((e) => e !== 0)) await restart(pod, exits);
    }
    const { body } = await cp.api<{ items: Pod[] }>('GET', '/api/v1/pods?fieldSelector=status.phase%3DPending');
    for (const pod of body.items ?? []) {
      if (pod.metadata.deletionTimestamp) continue;
      const now = new Date().toISOString();
      const finishes = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job');
      const exits = pod.spec.containers.map((c) => (finishes ? exitCodeOf(c) : 0));
      if (finishes && pod.spec.restartPolicy === 'OnFailure' && exits.some((e) => e !== 0)) {
        await restart(pod, exits);
        continue;
      }
      const phase = !finishes ? 'Running' : exits.some((e) => e !== 0) ? 'Failed' : 'Succeeded';
      const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now, ...(finishes && type !== 'PodScheduled' ? { reason: 'PodCompleted' } : {}) });
      const status = {
        phase,
        startTime: now,
        conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', !finishes), condition('Ready', !finishes)],
        containerStatuses: pod.spec.containers.map((c, i) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: !finishes,
          started: !finishes,
          restartCount: 0,
          state: finishes
            ? { terminated: { exitCode: exits[i], reason: exits[i] ? 'Error' : 'Completed', startedAt: now, finishedAt: now } }
            : { running: { startedAt: now } },
        })),
      };
      const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
      const res = await cp.api('PATCH', path, { status }, 'application/merge-patch+json');
      if (res.status !== 200) continue;
      const how = !finishes
        ? ' and Ready'
        : phase === 'Failed'
          ? `: ${pod.spec.containers.map((c, i) => `${c.name} ran ${argvOf(c)} and exited ${exits[i]}`).join(', ')}`
          : '';
      log(`[stand-in kubelet] pod ${pod.metadata.namespace}/${pod.metadata.name} ${phase}${how} (no kubelet on this machine)`);
    }
  });
}

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
