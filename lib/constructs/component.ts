import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { RELOAD_ON_SECRET } from '../platform-contracts';
import type { ComponentSpec } from '../spec/types';
import { appSecretName } from './database';
import { componentProbes, containerProps, finishPod, podAnnotations, podLabels, podSecurityContext, type AppContext } from './pod';

/*
 * A long-running component: a Deployment, and for one with a port a Service (web components are
 * routed by the app's Ingress; internal ones only by the app's own pods), an HPA with
 * `autoscaling`, and a PodDisruptionBudget and spread over nodes from two replicas.
 */
export class AppComponent extends Construct {
  constructor(scope: Construct, id: string, c: ComponentSpec, ctx: AppContext) {
    super(scope, id);
    const selector = { 'app.kubernetes.io/name': c.name, 'app.kubernetes.io/part-of': ctx.app };
    const metadata = { name: c.name, namespace: ctx.namespace, labels: selector };
    const rollout = { ...metadata, labels: { ...selector, ...ctx.rolloutLabels } };
    // Reloader rolls the Deployment when a Secret it reads changes (Infisical, or a rotated database password).
    const reloadOn = [...(c.secrets ? [ctx.secretName] : []), ...(ctx.database && Object.keys(c.databaseEnv).length ? [appSecretName(ctx.database)] : [])];
    const deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { ...rollout, annotations: reloadOn.length ? { [RELOAD_ON_SECRET]: reloadOn.join(',') } : undefined },
      podMetadata: { labels: podLabels(c, ctx, c.kind), annotations: podAnnotations(c) },
      select: false,
      replicas: c.autoscaling ? undefined : c.replicas,
      // A volume of its own is ReadWriteOnce: the old pod lets go of it before the new one starts.
      strategy: c.volumes.length ? kplus.DeploymentStrategy.recreate() : kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(c),
      containers: [containerProps(this, c, ctx, { ...componentProbes(c), portNumber: c.port })],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    finishPod(ApiObject.of(deployment), '/spec/template', c, ctx);
    if ((c.autoscaling?.minReplicas ?? c.replicas) >= 2) {
      // Spread replicas over nodes when there are nodes to spread over; never block scheduling.
      ApiObject.of(deployment).addJsonPatch(
        JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
        ]),
      );
      new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: rollout,
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }
    if (c.autoscaling) {
      new kplus.HorizontalPodAutoscaler(this, 'hpa', {
        metadata: rollout,
        target: deployment,
        minReplicas: c.autoscaling.minReplicas,
        maxReplicas: c.autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(c.autoscaling.cpuTarget ?? 70))],
      });
    }
    if (c.port !== undefined) {
      const service = new kplus.Service(this, 'service', { metadata, ports: [{ name: 'http', port: c.port, targetPort: c.port }] });
      for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);
    }
  }
}
