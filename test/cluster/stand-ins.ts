import type { ControlPlane } from '../../lib/delivery/control-plane';

/*
 * The parts of a cluster this machine cannot run, played openly by the test harness. Everything
 * they do is logged with a `[stand-in ...]` prefix, so no test output passes a played part off as
 * the real thing. The operators' parts are in operator-stand-ins.ts.
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
 */

export interface StandIn {
  /** Stops polling and waits for the last round to finish. */
  stop(): Promise<void>;
}

/** Label on the objects a stand-in creates. */
export const PLAYED_BY = 'hobby-infra.dev/played-by';

/** Runs `round` every `every` ms until stopped; a failed round is logged, and the next one runs. */
export function poll(name: string, every: number, round: () => Promise<void>): StandIn {
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
