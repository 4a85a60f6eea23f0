import { workloadsOf } from '../constructs/helm-release';
import type { HealthCheck } from '../report/deploy-report';
import type { Phase } from '../render';
import { pollReads, type JobWait, type PollVerdict } from './jobs';
import type { DistObject } from './manifests';
import { rolloutState } from './rollouts';
import { namespaceOf, uniqueSorted, type DEFAULT_TIMEOUTS, type Step } from './steps';

/*
 * The HelmCharts' part of the health check, as k3s' helm-controller (v0.16.10, pkg/controllers/
 * chart/chart.go) really runs them: each install, upgrade or removal is a Job `helm-<install|delete>-
 * <chart>` in kube-system with `backoffLimit: 1000` and `restartPolicy: OnFailure`, so a helm that
 * fails never fails its Job: the pod stays and its `helm` container restarts, for hours. Waiting for
 * the Job alone sits out the whole timeout and says only that. So each poll also reads the Job's
 * pods (label helmcharts.helm.cattle.io/chart), and once a chart's helm has failed HELM_FAILED_TRIES
 * times the run stops with helm's own last lines (`kubectl logs --previous`).
 * Removing a HelmChart runs `helm-delete-<chart>`, and helm-controller's finalizer holds the
 * HelmChart (Terminating) until that Job succeeds: the prune waits for the HelmChart to be gone.
 * Then, after the HelmCharts, the workloads each chart declares (HelmRelease `workloads`) must roll
 * out, judged as `kubectl rollout status` judges them.
 */

/** The label helm-controller puts on its Jobs and their pods. */
export const CHART_LABEL = 'helmcharts.helm.cattle.io/chart';
/**
 * Failures of one helm run before the apply gives up on it: the first failure may be a network
 * blip that the restart (10 s later, the kubelet's first back-off) gets over; a second one, about
 * 30 s in, is helm failing for a reason a retry does not change.
 */
export const HELM_FAILED_TRIES = 2;

export interface ChartJobs {
  readonly action: 'install' | 'delete';
  readonly namespace: string;
  readonly charts: readonly string[];
}

/** `kubectl -n kube-system get pods -l 'helmcharts.helm.cattle.io/chart in (a,b)' -o json` */
export const chartPodsRead = (c: ChartJobs) => ['kubectl', '-n', c.namespace, 'get', 'pods', '-l', `${CHART_LABEL} in (${c.charts.join(',')})`, '-o', 'json'];

/** After phase 02's apply: the install Jobs of the charts this run sent, read with their pods. */
export function chartInstallStep(phase: Phase, namespace: string, charts: readonly DistObject[], timeout: string): Step {
  const jobs: ChartJobs = { action: 'install', namespace, charts: charts.map((c) => c.manifest.metadata.name) };
  return {
    phase,
    kind: 'helm',
    title: `helm-install Jobs complete (read with their pods every 2 s; helm failing ${HELM_FAILED_TRIES} times stops the run with its message; timeout ${timeout})`,
    argv: ['kubectl', '-n', namespace, 'get', ...jobs.charts.map((n) => `job/helm-install-${n}`), '--ignore-not-found', '-o', 'json'],
    reads: [chartPodsRead(jobs)],
    customKinds: [],
    timeout,
    chartJobs: jobs,
    when: { phases: [phase], keys: charts.map((c) => c.key) },
  };
}

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid?: string }[] };
  status?: { containerStatuses?: { name: string; restartCount?: number; state?: { terminated?: { exitCode: number } }; lastState?: { terminated?: { exitCode: number } } }[] };
}
interface Listed {
  kind?: string;
  metadata?: { name: string; uid?: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
  items?: Listed[];
}

/** How many times the `helm` container of a pod has failed so far. */
export function helmFailures(pod: Pod): { failures: number; previous: boolean } {
  const helm = pod.status?.containerStatuses?.find((c) => c.name === 'helm');
  if (!helm) return { failures: 0, previous: false };
  const now = helm.state?.terminated && helm.state.terminated.exitCode !== 0 ? 1 : 0;
  const before = helm.lastState?.terminated && helm.lastState.terminated.exitCode !== 0 ? (helm.restartCount ?? 0) : 0;
  return { failures: before + now, previous: !now && before > 0 };
}

export interface ChartJobWait extends JobWait {
  /** Reads the last lines of a pod's `helm` container (`previous`: of its last failed run). */
  readonly logs: (namespace: string, pod: string, previous: boolean) => string;
  /** uids of Jobs that were there before this run sent the charts: helm-controller replaces them. */
  readonly stale?: ReadonlySet<string>;
}

/**
 * Polls a `helm` step: every chart's Job Complete (install), or the HelmChart gone (delete, the
 * Job read alongside it); helm failing HELM_FAILED_TRIES times stops it. Returns the error.
 */
export function waitForChartJobs(w: ChartJobWait, c: ChartJobs, podsRead: readonly string[]): string | undefined {
  const seen = new Map<string, string>();
  let podsUnreadable = false;
  type State = { chart: string; done: boolean; progress: string; error?: string };
  const list = (out: string) => {
    const read = (out.trim() ? JSON.parse(out) : { items: [] }) as Listed;
    return read.items ?? [read];
  };
  const parse = (output: string): State[] | string => {
    const objects = list(output);
    const pods = w.read(podsRead);
    // An identity from before this check (the admin step not re-run) may not read them: the Jobs alone still tell when helm is done.
    if (pods.status !== 0 && !podsUnreadable) {
      podsUnreadable = true;
      w.log(`cannot read helm-controller's pods (${(pods.stderr ?? '').trim()}): a failing helm is seen only at the timeout; re-run the admin step (npm run -s deploy-identity | kubectl apply --server-side -f -)`);
    }
    const podList = pods.status === 0 ? (list(pods.stdout ?? '') as Pod[]) : [];
    return c.charts.map((chart): State => {
      const jobName = `helm-${c.action}-${chart}`;
      const job = objects.find((o) => o.kind === 'Job' && o.metadata?.name === jobName);
      const stillThere = objects.some((o) => o.kind === 'HelmChart' && o.metadata?.name === chart);
      if (c.action === 'delete' && !stillThere) return { chart, done: true, progress: 'removed' };
      // Only the pods of this run's Job: a Job helm-controller is replacing (stale) may still have its failed pods.
      const current = job?.metadata?.uid && !w.stale?.has(job.metadata.uid) ? job.metadata.uid : undefined;
      const ours = (p: Pod) => (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.name === jobName && (!o.uid || o.uid === current));
      for (const pod of current ? podList.filter(ours) : []) {
        const { failures, previous } = helmFailures(pod);
        if (failures < HELM_FAILED_TRIES) continue;
        const lines = w.logs(c.namespace, pod.metadata.name, previous).trim().split('\n').slice(-12).map((l) => `    ${l}`).join('\n');
        return {
          chart,
          done: false,
          progress: 'failed',
          error:
            `HelmChart ${c.namespace}/${chart}: helm ${c.action} failed ${failures} times (helm-controller retries it up to 1000 times, so its Job never fails); helm said:\n${lines || '    (no log lines)'}\n` +
            `  All of it: kubectl -n ${c.namespace} logs job/${jobName}`,
        };
      }
      if (!job || (job.metadata?.uid && w.stale?.has(job.metadata.uid))) return { chart, done: false, progress: `waiting for helm-controller to start ${jobName}` };
      const complete = job.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True');
      if (c.action === 'install' && complete) return { chart, done: true, progress: 'installed' };
      return { chart, done: false, progress: complete ? `${jobName} done, waiting for helm-controller to remove the HelmChart` : `${jobName} running` };
    });
  };
  const judge = (states: State[]): PollVerdict => {
    for (const s of states) if (seen.get(s.chart) !== s.progress) (w.log(`HelmChart ${c.namespace}/${s.chart}: ${s.progress}`), seen.set(s.chart, s.progress));
    const failed = states.find((s) => s.error);
    if (failed) return { settled: true, error: failed.error };
    if (states.every((s) => s.done)) return { settled: true };
    return { settled: false, pending: states.filter((s) => !s.done).map((s) => `${s.chart} (${s.progress})`).join(', ') };
  };
  return pollReads(w, `the helm ${c.action} Jobs`, parse, judge, `helm ${c.action} not done`);
}

/** After a prune that removed HelmCharts: each gone, which helm-controller allows once its helm-delete Job succeeded. */
export function chartRemovalStep(phase: Phase, namespace: string, charts: readonly string[], timeout: string): Step {
  const jobs: ChartJobs = { action: 'delete', namespace, charts };
  return {
    phase,
    kind: 'helm',
    title: `removed HelmCharts uninstalled: helm-delete Jobs done and the HelmCharts gone (helm failing ${HELM_FAILED_TRIES} times stops the run; timeout ${timeout})`,
    argv: ['kubectl', '-n', namespace, 'get', ...charts.flatMap((n) => [`helmchart.helm.cattle.io/${n}`, `job/helm-delete-${n}`]), '--ignore-not-found', '-o', 'json'],
    reads: [chartPodsRead(jobs)],
    customKinds: [],
    timeout,
    chartJobs: jobs,
  };
}

// ---------------------------------------------------------------------------------------------
// The workloads the charts run

/** `cert-manager` -> the workloads its charts declare there, as `deployment/x`. */
export function chartWorkloads(charts: readonly DistObject[]): Map<string, string[]> {
  const byNamespace = new Map<string, string[]>();
  for (const chart of charts) {
    const target = ((chart.manifest.spec as { targetNamespace?: string } | undefined)?.targetNamespace) ?? namespaceOf(chart);
    byNamespace.set(target, uniqueSorted([...(byNamespace.get(target) ?? []), ...workloadsOf(chart.manifest)]));
  }
  return new Map([...byNamespace].filter(([, w]) => w.length).sort(([a], [b]) => a.localeCompare(b)));
}

/** The read of each namespace's chart workloads (`kubectl -n ns get deployment/a daemonset/b --ignore-not-found -o json`). */
export const chartWorkloadReads = (byNamespace: ReadonlyMap<string, readonly string[]>) =>
  [...byNamespace].map(([ns, refs]) => ['kubectl', '-n', ns, 'get', ...refs, '--ignore-not-found', '-o', 'json']);

export function chartWorkloadStep(phase: Phase | 'end', charts: readonly DistObject[], t: typeof DEFAULT_TIMEOUTS, final: boolean): Step | undefined {
  const byNamespace = chartWorkloads(charts);
  if (!byNamespace.size) return undefined;
  const [first, ...rest] = chartWorkloadReads(byNamespace);
  const count = [...byNamespace.values()].reduce((n, w) => n + w.length, 0);
  return {
    phase,
    kind: 'workloads',
    title: final
      ? `health of the charts' workloads (${count}, one read per namespace, no waiting)`
      : `the charts' workloads rolled out (${count}, as kubectl rollout status judges them; read every 2 s; timeout ${t.rollout})`,
    argv: first!,
    reads: rest,
    customKinds: [],
    timeout: final ? '0s' : t.rollout,
    ...(final ? {} : { when: { phases: ['02-helm-charts' as Phase] } }),
  };
}

interface Workload {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: Record<string, unknown>;
}

/** Polls the charts' workloads until each has rolled out (or the time is up). Returns the check. */
export function waitForChartWorkloads(w: JobWait, step: Step): HealthCheck {
  const reads = [step.argv, ...(step.reads ?? [])];
  const wanted = reads.flatMap((argv) => argv.filter((a) => /^(deployment|daemonset|statefulset)\//.test(a)).map((ref) => `${argv[2]}/${ref}`));
  const seen = new Map<string, string>();
  let last: { ref: string; done: boolean; message: string }[] = [];
  const parse = (output: string, argv: readonly string[]) => {
    const read = (output.trim() ? JSON.parse(output) : { items: [] }) as Workload & { items?: Workload[] };
    const items = read.items ?? [read];
    return argv.filter((a) => /^(deployment|daemonset|statefulset)\//.test(a)).map((ref) => {
      const [kind, name] = ref.split('/');
      const live = items.find((i) => i.kind.toLowerCase() === kind && i.metadata.name === name);
      const state = live ? rolloutState(live as never) : undefined;
      return { ref: `${argv[2]}/${ref}`, done: !!state?.done, message: state ? (state.failed ?? state.waiting ?? 'rolled out') : 'not in the cluster (the chart did not create it)' };
    });
  };
  const judge = (states: typeof last): PollVerdict => {
    last = states;
    for (const s of states) if (seen.get(s.ref) !== s.message) (step.timeout !== '0s' && w.log(`${s.ref}: ${s.message}`), seen.set(s.ref, s.message));
    if (states.every((s) => s.done)) return { settled: true };
    return { settled: false, pending: states.filter((s) => !s.done).map((s) => s.ref).join(', ') };
  };
  const error = pollReads({ ...w, reads }, 'the charts\' workloads', parse, judge, 'not rolled out');
  if (error && !error.startsWith('not rolled out')) return { check: 'chart workloads', objects: wanted.length, problems: [{ object: 'read', message: error }] };
  const problems = last.filter((s) => !s.done).map((s) => {
    const [ns, ref] = [s.ref.slice(0, s.ref.indexOf('/')), s.ref.slice(s.ref.indexOf('/') + 1)];
    const [kind, name] = ref.split('/');
    return { object: `${kind![0]!.toUpperCase()}${kind!.slice(1).replace('set', 'Set')} ${ns}/${name}`, message: s.message };
  });
  return { check: 'chart workloads', objects: wanted.length, problems };
}
