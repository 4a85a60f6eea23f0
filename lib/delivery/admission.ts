import { toYaml } from '../yaml';
import type { Manifest } from '../render';
import type { ControlPlane } from './control-plane';
import { podSpecOf } from '../render';
import { displayName } from './manifests';

/*
 * What the API server's pod admission (Pod Security at the namespace's level, LimitRange defaults,
 * ResourceQuota) says about the pods a set of workloads would start, asked of a real kube-apiserver
 * with server-side dry runs: nothing is created. Used on the charts' rendered output
 * (`npm run check-charts -- --admission`) and by the cluster suite.
 */

/** Pod fields that name other objects the dry run's namespace does not hold; Pod Security ignores them. */
const REFERENCES = ['serviceAccountName', 'serviceAccount', 'priorityClassName', 'runtimeClassName'];

/** The pods workloads would start, as their controllers would create them: the template, in the workload's namespace. */
export function podsOf(objects: readonly Manifest[], defaultNamespace?: string): { from: string; pod: Manifest }[] {
  const pods: { from: string; pod: Manifest }[] = [];
  for (const o of objects) {
    const spec = podSpecOf(o);
    if (!spec || o.kind === 'Pod') continue;
    const template = o.kind === 'CronJob' ? (o.spec as any).jobTemplate.spec.template : (o.spec as any).template;
    const podSpec = structuredClone(spec) as Record<string, unknown>;
    for (const field of REFERENCES) if (!(field === 'priorityClassName' && String(podSpec[field]).startsWith('system-'))) delete podSpec[field];
    pods.push({
      from: displayName(o),
      pod: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${o.metadata.name}-admission-check`.slice(0, 63).replace(/-+$/, ''), namespace: o.metadata.namespace ?? defaultNamespace, labels: template?.metadata?.labels },
        spec: podSpec,
      },
    });
  }
  return pods;
}

/** `Deployment monitoring/x: pods "…" is forbidden: violates PodSecurity "restricted:latest": …`, one per refused pod. */
export function podAdmissionProblems(cp: Pick<ControlPlane, 'kubectl'>, pods: readonly { from: string; pod: Manifest }[]): string[] {
  const problems: string[] = [];
  for (const { from, pod } of pods) {
    try {
      cp.kubectl(['create', '--dry-run=server', '-f', '-'], toYaml(pod));
    } catch (err) {
      const message = String((err as Error).message);
      problems.push(`${from}: ${(/Error from server \([^)]*\): (?:error when creating "STDIN": )?(.*)/.exec(message)?.[1] ?? message).trim()}`);
    }
  }
  return problems;
}
