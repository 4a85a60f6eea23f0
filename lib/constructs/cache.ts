import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { IMAGES, imageRef } from '../../config/versions';
import { memoryMiB } from '../quantity';
import { cacheClaimName, type CacheSpec } from '../spec/types';
import { CACHE_CLIENT_LABEL, CACHE_PORT, containerSecurityContext, patchPodTemplate, podSecurityContext } from './pod';

/*
 * An app's cache: one Valkey (Redis-compatible) pod and its Service `<app>-cache:6379`. Memory is
 * bounded (the pod's limit; Valkey holds data up to 80 % of it, then refuses writes, or evicts least
 * recently used keys with `evict: true`), nothing is kept
 * across restarts unless `persistence` asks for an append-only file on a volume, and only the
 * app's pods that read its address (`cacheEnv`) may connect. No password: the NetworkPolicy is
 * the door, and a password would be a secret to keep.
 */

export const CACHE_UID = 10001;
/** What the cache pod requests besides its memory. */
export const CACHE_CPU = { request: '20m', limit: '500m' } as const;

export { cacheClaimName };

export class AppCache extends Construct {
  constructor(scope: Construct, id: string, props: { app: string; namespace: string; cache: CacheSpec }) {
    super(scope, id);
    const { cache, namespace, app } = props;
    const selector = { 'app.kubernetes.io/name': cache.name, 'app.kubernetes.io/part-of': app };
    const metadata = { name: cache.name, namespace, labels: selector };
    const mib = memoryMiB(cache.memory);
    const runAs = { uid: CACHE_UID, gid: CACHE_UID };
    const resources = { requests: { cpu: CACHE_CPU.request, memory: cache.memory }, limits: { cpu: CACHE_CPU.limit, memory: cache.memory } };
    const data: kplus.Volume = cache.persistence
      ? kplus.Volume.fromPersistentVolumeClaim(this, 'data', this.claim(cache, namespace, selector), { name: 'data' })
      : kplus.Volume.fromEmptyDir(this, 'data', 'data', { sizeLimit: Size.mebibytes(mib) });
    const deployment = new kplus.Deployment(this, 'deployment', {
      // Never after the app's one-off Jobs (dist/04-apps): they may use the cache.
      metadata,
      podMetadata: { labels: { ...selector, 'app.kubernetes.io/component': 'cache' } },
      select: false,
      replicas: 1,
      strategy: kplus.DeploymentStrategy.recreate(),
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(runAs),
      containers: [
        {
          name: 'valkey',
          image: imageRef(IMAGES.valkey),
          command: ['valkey-server'],
          args: [
            '--port', String(CACHE_PORT),
            // Only this app's client pods reach it (NetworkPolicy), so it listens without a password.
            '--protected-mode', 'no',
            '--maxmemory', `${Math.floor(mib * 0.8)}mb`,
            '--maxmemory-policy', cache.evict ? 'allkeys-lru' : 'noeviction',
            '--dir', '/data',
            '--save', '',
            '--appendonly', cache.persistence ? 'yes' : 'no',
          ],
          portNumber: CACHE_PORT,
          securityContext: containerSecurityContext(runAs),
          readiness: kplus.Probe.fromTcpSocket({ port: CACHE_PORT }),
          liveness: kplus.Probe.fromTcpSocket({ port: CACHE_PORT }),
          volumeMounts: [{ path: '/data', volume: data }],
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    patchPodTemplate(ApiObject.of(deployment), '/spec/template', resources);
    const service = new kplus.Service(this, 'service', { metadata, ports: [{ name: 'valkey', port: CACHE_PORT, targetPort: CACHE_PORT }] });
    for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);

    // Its clients connect; it connects to nothing (not even DNS: it resolves no names).
    const k = kplus.k8s;
    new k.KubeNetworkPolicy(this, 'network', {
      metadata: { name: cache.name, namespace },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': app, [CACHE_CLIENT_LABEL]: 'true' } } }], ports: [{ protocol: 'TCP', port: k.IntOrString.fromNumber(CACHE_PORT) }] }],
      },
    });
  }

  private claim(cache: CacheSpec, namespace: string, labels: Record<string, string>): kplus.PersistentVolumeClaim {
    const claim = new kplus.PersistentVolumeClaim(this, 'claim', {
      metadata: { name: cacheClaimName(cache), namespace, labels },
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storageClassName: 'civo-volume',
    });
    ApiObject.of(claim).addJsonPatch(JsonPatch.add('/spec/resources', { requests: { storage: kplus.k8s.Quantity.fromString(cache.persistence!.size) } }));
    return claim;
  }
}
