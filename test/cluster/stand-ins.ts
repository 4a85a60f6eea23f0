import type { ControlPlane } from '../../lib/delivery/control-plane';
import { STAND_IN_NODE, type KubeletLogs } from './kubelet-logs';
import { poll, type StandIn } from './played-by';
import { isKlipperHelm, playHelm, type PlayedHelmOptions, type PlayedRun } from './played-helm';

/*
 * The parts of a cluster this machine cannot run, played openly by the test harness. Everything
 * they do is logged with a `[stand-in ...]` prefix, so no test output passes a played part off as
 * the real thing. The controllers' parts are in helm-controller-stand-in.ts, operator-stand-ins.ts,
 * cert-manager-stand-in.ts and external-secrets-stand-in.ts.
 *
 *  kubelet          There is no kubelet. Pods that the real controllers create (ReplicaSets, Jobs)
 *                   are marked Running and Ready, or, when a Job owns them, finished, through the
 *                   real pods/status API; availability, rollouts and Job completion are then
 *                   computed by the real kube-controller-manager. Pods stay unbound, so deleting
 *                   them is immediate, as the API server does for pods no kubelet has; except the
 *                   pods of helm-controller's Jobs, which it binds (pods/binding) to the Node
 *                   `stand-in-node` whose log endpoint it serves (kubelet-logs.ts), so that
 *                   `kubectl logs` reaches them through the API server. Those are deleted
 *                   gracefully by the API server, and it finishes their deletion, as a kubelet does
 *                   once their containers have stopped.
 *                   As a container runtime it runs no image, but it runs the commands whose result
 *                   is known without one, failures included: a container whose command is exactly
 *                   `['false']` exits 1, one that runs `sh -c 'exit N'` (command, or command and
 *                   args) exits N; the klipper-helm image runs as played-helm.ts plays helm (its
 *                   output is the container's log); every other container of a Job pod exits 0. A
 *                   Job pod with a container that exits non-zero fails (phase Failed, that
 *                   container terminated with its exit code, reason Error); the real Job controller
 *                   then retries it up to its backoffLimit and marks the Job Failed
 *                   (BackoffLimitExceeded). With `restartPolicy: OnFailure` (helm-controller's
 *                   Jobs) the pod stays Running and the container is restarted instead
 *                   (restartCount, lastState terminated, state waiting CrashLoopBackOff), about
 *                   every second rather than with the kubelet's growing back-off (10 s doubling to
 *                   5 minutes); the Job controller counts the restarts against backoffLimit.
 */

export { PLAYED_BY, poll, type StandIn } from './played-by';

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
}

interface Pod {
  metadata: { name: string; namespace: string; uid: string; ownerReferences?: { kind: string }[]; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { containers: Container[]; restartPolicy?: string; nodeName?: string; volumes?: { name: string; projected?: { sources?: { secret?: { items?: { path: string }[] } }[] } }[] };
  status?: { phase?: string; containerStatuses?: { name: string; restartCount: number }[] };
}

/** The exit code of a container whose result needs no image: `false` exits 1, `sh -c 'exit N'` exits N; anything else 0. */
export function exitCodeOf(c: Pick<Container, 'command' | 'args'>): number {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  if (argv.length === 1 && argv[0] === 'false') return 1;
  const exit = argv.length === 3 && ['sh', '/bin/sh'].includes(argv[0]!) && argv[1] === '-c' ? /^\s*exit\s+(\d+)\s*$/.exec(argv[2]!) : null;
  return exit ? Number(exit[1]) % 256 : 0;
}

/** The label helm-controller puts on its Jobs' pods (chart.go Label). */
const HELM_JOB_LABEL = 'helmcharts.helm.cattle.io/chart';

export interface KubeletOptions {
  /** The log endpoint (kubelet-logs.ts): with it, helm-controller's Job pods are bound to its Node and their runs logged. */
  readonly logs?: KubeletLogs;
  readonly helm?: PlayedHelmOptions;
}

/** The kubelet's part: pods start (and a Job's pods finish, with their containers' exit codes) the moment a controller creates them. */
export function playKubelet(cp: ControlPlane, log: (line: string) => void = console.log, opts: KubeletOptions = {}): StandIn {
  const argvOf = (c: Container) => (isKlipperHelm(c.image) ? `helm ${(c.args ?? []).join(' ')}` : JSON.stringify([...(c.command ?? []), ...(c.args ?? [])]));
  const valuesFiles = (pod: Pod) => (pod.spec.volumes ?? []).filter((v) => v.name === 'values').flatMap((v) => v.projected?.sources ?? []).flatMap((s) => s.secret?.items ?? []).map((i) => i.path);
  const isHelmJobPod = (pod: Pod) => !!opts.logs && !!pod.metadata.labels?.[HELM_JOB_LABEL] && (pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job');
  /** One run of each container: its exit code and, for a bound pod, the container ID its log is kept under. */
  const run = (pod: Pod, finishes: boolean) =>
    pod.spec.containers.map((c) => {
      const played: PlayedRun = !finishes ? { exitCode: 0, log: '' } : isKlipperHelm(c.image) ? playHelm(c, valuesFiles(pod), opts.helm) : { exitCode: exitCodeOf(c), log: '' };
      return { ...played, containerID: pod.spec.nodeName === STAND_IN_NODE && opts.logs ? opts.logs.record(played.log) : undefined };
    });
  const withID = (id: string | undefined) => (id ? { containerID: id } : {});
  const lastRestart = new Map<string, number>();
  /** `restartPolicy: OnFailure`: the failed containers (`runs`, one run each) start again in the same pod, which stays Running. */
  const restart = async (pod: Pod, runs: ReturnType<typeof run>) => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const now = new Date().toISOString();
    const restarts = (name: string) => (pod.status?.containerStatuses ?? []).find((c) => c.name === name)?.restartCount ?? 0;
    const containerStatuses = pod.spec.containers.map((c, i) => {
      const r = runs[i]!;
      const terminated = { exitCode: r.exitCode, reason: r.exitCode ? 'Error' : 'Completed', startedAt: now, finishedAt: now, ...withID(r.containerID) };
      return {
        name: c.name,
        image: c.image,
        imageID: '',
        ...withID(r.containerID),
        ready: false,
        started: false,
        restartCount: r.exitCode ? restarts(c.name) + 1 : 0,
        // The kubelet's message for a container in back-off (pkg/kubelet/kuberuntime: "back-off %s restarting failed container=%s pod=%s").
        state: r.exitCode ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } } : { terminated },
        ...(r.exitCode ? { lastState: { terminated } } : {}),
      };
    });
    const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now });
    const status = { phase: 'Running', startTime: now, conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', false), condition('Ready', false)], containerStatuses };
    const res = await cp.api('PATCH', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, { status }, 'application/merge-patch+json');
    if (res.status !== 200) return;
    lastRestart.set(key, Date.now());
    const failed = pod.spec.containers.map((c, i) => [c, runs[i]!, containerStatuses[i]!.restartCount] as const).filter(([, r]) => r.exitCode);
    log(`[stand-in kubelet] pod ${key}: ${failed.map(([c, r, n]) => `${c.name} ran ${argvOf(c)} and exited ${r.exitCode}, restart ${n}`).join(', ')} (restartPolicy OnFailure; no kubelet on this machine)`);
  };
  const failing = (runs: ReturnType<typeof run>) => runs.some((r) => r.exitCode !== 0);

  return poll('kubelet', 250, async () => {
    // A bound pod being deleted: its containers are stopped; the kubelet then deletes it for good.
    const bound = await cp.api<{ items: Pod[] }>('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${STAND_IN_NODE}`);
    for (const pod of bound.body.items ?? []) {
      if (!pod.metadata.deletionTimestamp) continue;
      const res = await cp.api('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`);
      if (res.status === 200) log(`[stand-in kubelet] pod ${pod.metadata.namespace}/${pod.metadata.name} stopped and deleted (graceful deletion finished, as the kubelet does)`);
    }
    // Containers that restart in place (a Job's pods with restartPolicy OnFailure) fail again.
    const running = await cp.api<{ items: Pod[] }>('GET', '/api/v1/pods?fieldSelector=status.phase%3DRunning');
    for (const pod of running.body.items ?? []) {
      if (pod.metadata.deletionTimestamp || pod.spec.restartPolicy !== 'OnFailure' || !(pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job')) continue;
      if (Date.now() - (lastRestart.get(`${pod.metadata.namespace}/${pod.metadata.name}`) ?? 0) < 1000) continue;
      const runs = run(pod, true);
      if (failing(runs)) await restart(pod, runs);
    }
    const { body } = await cp.api<{ items: Pod[] }>('GET', '/api/v1/pods?fieldSelector=status.phase%3DPending');
    for (const pod of body.items ?? []) {
      if (pod.metadata.deletionTimestamp) continue;
      if (isHelmJobPod(pod) && !pod.spec.nodeName) {
        const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name }, target: { apiVersion: 'v1', kind: 'Node', name: STAND_IN_NODE } };
        const bind = await cp.api('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/binding`, binding);
        if (bind.status !== 201) continue;
        pod.spec.nodeName = STAND_IN_NODE;
      }
      const now = new Date().toISOString();
      const finishes = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job');
      const runs = run(pod, finishes);
      if (finishes && pod.spec.restartPolicy === 'OnFailure' && failing(runs)) {
        await restart(pod, runs);
        continue;
      }
      const phase = !finishes ? 'Running' : failing(runs) ? 'Failed' : 'Succeeded';
      const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now, ...(finishes && type !== 'PodScheduled' ? { reason: 'PodCompleted' } : {}) });
      const status = {
        phase,
        startTime: now,
        conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', !finishes), condition('Ready', !finishes)],
        containerStatuses: pod.spec.containers.map((c, i) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ...withID(runs[i]!.containerID),
          ready: !finishes,
          started: !finishes,
          restartCount: 0,
          state: finishes
            ? { terminated: { exitCode: runs[i]!.exitCode, reason: runs[i]!.exitCode ? 'Error' : 'Completed', startedAt: now, finishedAt: now, ...withID(runs[i]!.containerID) } }
            : { running: { startedAt: now } },
        })),
      };
      const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
      const res = await cp.api('PATCH', path, { status }, 'application/merge-patch+json');
      if (res.status !== 200) continue;
      const how = !finishes
        ? ' and Ready'
        : phase === 'Failed'
          ? `: ${pod.spec.containers.map((c, i) => `${c.name} ran ${argvOf(c)} and exited ${runs[i]!.exitCode}`).join(', ')}`
          : '';
      log(`[stand-in kubelet] pod ${pod.metadata.namespace}/${pod.metadata.name} ${phase}${how}${pod.spec.nodeName ? ` on ${pod.spec.nodeName}` : ''} (no kubelet on this machine)`);
    }
  });
}
