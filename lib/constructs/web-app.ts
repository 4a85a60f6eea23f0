import { ApiObject, Duration, JsonPatch, Size, type App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_RESOURCES, SCRATCH_MOUNT_PATH, type AppSpec, type ComponentSpec } from '../app-spec';
import type { ClusterConfig } from '../config';
import { cpuMillis, formatCpu, formatMemory, memoryMiB } from '../quantity';
import { RELOAD_ON_SECRET, TRAEFIK_NAMESPACE } from '../platform-contracts';
import { PlatformChart } from '../render';
import { AdminOnly } from './admin-only';
import { addUsage, BackupSecretStore, noUsage, type ExtraUsage } from './backups';
import { AppDatabase, appSecretName, CLUSTER_LABEL, DATABASE_URL_KEY, databaseUsage, POSTGRES_PORT } from './database';
import { InfisicalSecret, InfisicalSecretStore } from './infisical';
import { VolumeBackup, volumeBackupUsage } from './volume-backup';
import { HttpsIngress } from './ingress';
import { PlatformNamespace } from './namespace';

export { DEFAULT_RESOURCES };
/** The non-root user workloads run as unless the image's own numeric USER is used. */
const APP_UID = 10001;
/** Private ranges are never "the internet": egress there stays denied. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

function resourcesOf(c: ComponentSpec) {
  return {
    requests: { ...DEFAULT_RESOURCES.requests, ...c.resources?.requests },
    limits: { ...DEFAULT_RESOURCES.limits, ...c.resources?.limits },
  };
}

/**
 * One app: its namespace (Pod Security restricted) with quota and limit range, Infisical secrets
 * scoped to /apps/<name>, a default-deny network policy, and per component a hardened Deployment,
 * Service, optional volume, HPA and PodDisruptionBudget; one Ingress routes the components' paths.
 */
export class AppChart extends PlatformChart {
  constructor(scope: App, spec: AppSpec, cluster: ClusterConfig) {
    super(scope, `app-${spec.name}`, 'app');
    const namespace = spec.name;
    const insecure = spec.components.find((c) => c.insecure?.runAsRoot)?.insecure;
    new PlatformNamespace(this, namespace, {
      podSecurity: insecure ? 'baseline' : 'restricted',
      reason: insecure?.reason,
      labels: { 'app.kubernetes.io/part-of': spec.name },
    });
    const backedUp = spec.components.filter((c) => c.volume && !c.volume.noBackup);
    const extra = [spec.database ? databaseUsage(spec.database) : noUsage(), ...backedUp.map(volumeBackupUsage)].reduce(addUsage, noUsage());
    new AppLimits(this, 'limits', { namespace, components: spec.components, extra });
    if (spec.database || backedUp.length) new BackupSecretStore(this, 'backup-store', { cluster, app: spec.name, namespace });
    if (spec.database) new AppDatabase(this, 'database', { app: spec.name, namespace, db: spec.database, cluster });
    for (const c of backedUp) {
      new VolumeBackup(this, `${c.name}-volume-backup`, { app: spec.name, namespace, component: c, cluster, uid: c.insecure?.runAsRoot ? 0 : APP_UID });
    }

    const secretName = `${spec.name}-secrets`;
    if (spec.components.some((c) => c.secrets)) {
      // The store can read only this app's folder: another app's secrets are out of its reach.
      new InfisicalSecretStore(this, 'store', { cluster, namespace, secretsPath: `/apps/${spec.name}` });
      new InfisicalSecret(this, 'secrets', { cluster, namespace, secretName });
    }

    for (const component of spec.components) {
      new AppComponent(this, component.name, { app: spec.name, namespace, component, secretName, databaseSecret: spec.database && appSecretName(spec.database) });
    }
    new AppNetworkPolicy(this, 'network', { app: spec.name, namespace, components: spec.components, database: spec.database?.name });
    if (spec.hosts.length > 0) {
      const adminOnly = spec.private ? new AdminOnly(this, 'admin-only', { cluster, namespace }) : undefined;
      new HttpsIngress(this, 'ingress', {
        name: spec.name,
        namespace,
        hosts: spec.hosts,
        routes: [...spec.components]
          .sort((a, b) => b.path.length - a.path.length)
          .map((c) => ({ path: c.path, service: c.name, port: c.port })),
        middlewares: adminOnly ? [adminOnly.reference] : undefined,
      });
    }
  }
}

interface AppComponentProps {
  readonly app: string;
  readonly namespace: string;
  readonly component: ComponentSpec;
  readonly secretName: string;
  /** The database's generated app Secret, whose `uri` becomes DATABASE_URL. */
  readonly databaseSecret?: string;
}

class AppComponent extends Construct {
  constructor(scope: Construct, id: string, { app, namespace, component: c, secretName, databaseSecret }: AppComponentProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/name': c.name, 'app.kubernetes.io/part-of': app };
    const metadata = { name: c.name, namespace, labels };
    const res = resourcesOf(c);
    const volumes: kplus.VolumeMount[] = [
      { path: SCRATCH_MOUNT_PATH, volume: kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(256) }) },
    ];
    if (c.volume) {
      const claim = new kplus.PersistentVolumeClaim(this, 'data', {
        metadata: { name: `${c.name}-data`, namespace, labels },
        accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
        storageClassName: 'civo-volume',
      });
      // The size as declared: cdk8s+ would render it in whole GiB and fail on 512Mi or 1.5Gi.
      ApiObject.of(claim).addJsonPatch(JsonPatch.add('/spec/resources', { requests: { storage: kplus.k8s.Quantity.fromString(c.volume.size) } }));
      volumes.push({ path: c.volume.mountPath, volume: kplus.Volume.fromPersistentVolumeClaim(this, 'data-volume', claim, { name: 'data' }) });
    }
    const probe = c.healthPath
      ? (opts: kplus.HttpGetProbeOptions) => kplus.Probe.fromHttpGet(c.healthPath!, { port: c.port, ...opts })
      : (opts: kplus.TcpSocketProbeOptions) => kplus.Probe.fromTcpSocket({ port: c.port, ...opts });
    const root = c.insecure?.runAsRoot === true;

    // Reloader rolls the Deployment when a Secret it reads changes (Infisical, or a rotated database password).
    const reloadOn = [...(c.secrets ? [secretName] : []), ...(databaseSecret ? [databaseSecret] : [])];
    const deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { ...metadata, annotations: reloadOn.length ? { [RELOAD_ON_SECRET]: reloadOn.join(',') } : undefined },
      podMetadata: { labels },
      select: false,
      replicas: c.autoscaling ? undefined : c.replicas,
      strategy: c.volume ? kplus.DeploymentStrategy.recreate() : kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: !root,
        user: root ? 0 : APP_UID,
        group: root ? 0 : APP_UID,
        fsGroup: root ? undefined : APP_UID,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
      containers: [
        {
          name: 'app',
          image: c.image,
          portNumber: c.port,
          envVariables: Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
          resources: {
            cpu: { request: kplus.Cpu.millis(cpuMillis(res.requests.cpu)), limit: kplus.Cpu.millis(cpuMillis(res.limits.cpu)) },
            memory: { request: Size.mebibytes(memoryMiB(res.requests.memory)), limit: Size.mebibytes(memoryMiB(res.limits.memory)) },
          },
          securityContext: {
            ensureNonRoot: !root,
            user: root ? 0 : APP_UID,
            group: root ? 0 : APP_UID,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: c.insecure?.writableRootFilesystem !== true,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
          // Readiness every 10 s and 3 failures are the Kubernetes defaults, so they are not written out.
          readiness: probe({}),
          liveness: probe({ periodSeconds: Duration.seconds(20), initialDelaySeconds: Duration.seconds(10) }),
          volumeMounts: volumes,
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels }));
    // Quantities as the app declares them (`1Gi`, `1`), not as cdk8s+ rewrites them (`1024Mi`, `1000m`).
    // The patch applies before cdk8s turns the props into JSON, hence Quantity objects, not strings.
    const quantities = (q: Record<string, string>) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, kplus.k8s.Quantity.fromString(v)]));
    ApiObject.of(deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources', { requests: quantities(res.requests), limits: quantities(res.limits) }));
    // cdk8s+ always adds a hashed address label to pods; select on readable labels only.
    ApiObject.of(deployment).addJsonPatch(JsonPatch.remove(`/spec/template/metadata/labels/${kplus.Pod.ADDRESS_LABEL.replace('/', '~1')}`));
    if (databaseSecret) {
      // Set explicitly, so it wins over a DATABASE_URL that Infisical might still hold (env beats envFrom).
      deployment.containers[0]!.env.addVariable('DATABASE_URL', kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, 'database-secret', databaseSecret), key: DATABASE_URL_KEY }));
    }
    if (c.secrets) {
      deployment.containers[0]!.env.copyFrom(kplus.Env.fromSecret(kplus.Secret.fromSecretName(this, 'app-secrets', secretName)));
    }
    if ((c.autoscaling?.minReplicas ?? c.replicas) >= 2) {
      // Spread replicas over nodes when there are nodes to spread over; never block scheduling.
      ApiObject.of(deployment).addJsonPatch(
        JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
        ]),
      );
      new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata,
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
      });
    }
    if (c.autoscaling) {
      new kplus.HorizontalPodAutoscaler(this, 'hpa', {
        metadata,
        target: deployment,
        minReplicas: c.autoscaling.minReplicas,
        maxReplicas: c.autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(c.autoscaling.cpuTarget ?? 70))],
      });
    }

    const service = new kplus.Service(this, 'service', {
      metadata,
      ports: [{ name: 'http', port: c.port, targetPort: c.port }],
    });
    for (const [key, value] of Object.entries(labels)) service.selectLabel(key, value);
  }
}

/** Namespace quota sized from the app's own declaration (max replicas, plus one rollout surge). */
class AppLimits extends Construct {
  constructor(scope: Construct, id: string, props: { namespace: string; components: readonly ComponentSpec[]; extra: ExtraUsage }) {
    super(scope, id);
    // The database's pods and volumes, and the backup movers, count against the same quota.
    const x = props.extra;
    let cpuReq = x.cpuRequest, memReq = x.memoryRequest, cpuLim = x.cpuLimit, memLim = x.memoryLimit, pods = x.pods, storage = x.storage;
    for (const c of props.components) {
      const n = (c.autoscaling?.maxReplicas ?? c.replicas) + 1;
      const r = resourcesOf(c);
      cpuReq += cpuMillis(r.requests.cpu) * n;
      memReq += memoryMiB(r.requests.memory) * n;
      cpuLim += cpuMillis(r.limits.cpu) * n;
      memLim += memoryMiB(r.limits.memory) * n;
      pods += n;
      storage += c.volume ? memoryMiB(c.volume.size) : 0;
    }
    new kplus.k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'app-quota', namespace: props.namespace },
      spec: {
        hard: {
          'requests.cpu': kplus.k8s.Quantity.fromString(formatCpu(cpuReq)),
          'requests.memory': kplus.k8s.Quantity.fromString(formatMemory(memReq)),
          'limits.cpu': kplus.k8s.Quantity.fromString(formatCpu(cpuLim)),
          'limits.memory': kplus.k8s.Quantity.fromString(formatMemory(memLim)),
          pods: kplus.k8s.Quantity.fromNumber(pods),
          persistentvolumeclaims: kplus.k8s.Quantity.fromNumber(props.components.filter((c) => c.volume).length + x.pvcs),
          'requests.storage': kplus.k8s.Quantity.fromString(formatMemory(storage)),
          'services.loadbalancers': kplus.k8s.Quantity.fromNumber(0),
          'services.nodeports': kplus.k8s.Quantity.fromNumber(0),
        },
      },
    });
    // Anything started by hand in the namespace (a debug pod) is bounded too.
    new kplus.k8s.KubeLimitRange(this, 'limit-range', {
      metadata: { name: 'app-defaults', namespace: props.namespace },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: kplus.k8s.Quantity.fromString(DEFAULT_RESOURCES.requests.cpu), memory: kplus.k8s.Quantity.fromString(DEFAULT_RESOURCES.requests.memory) },
            default: { cpu: kplus.k8s.Quantity.fromString(DEFAULT_RESOURCES.limits.cpu), memory: kplus.k8s.Quantity.fromString(DEFAULT_RESOURCES.limits.memory) },
          },
        ],
      },
    });
  }
}

/**
 * Default deny in both directions; then: Traefik may reach the components' ports, the app's own
 * components may talk to each other, DNS resolves, and declared ports may reach the internet.
 */
class AppNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: { app: string; namespace: string; components: readonly ComponentSpec[]; database?: string }) {
    super(scope, id);
    const k = kplus.k8s;
    const tcp = (port: number) => ({ protocol: 'TCP', port: k.IntOrString.fromNumber(port) });
    const sameApp = { podSelector: { matchLabels: { 'app.kubernetes.io/part-of': props.app } } };
    new k.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k.KubeNetworkPolicy(this, 'allow', {
      metadata: { name: 'allow-declared', namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/part-of': props.app } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': TRAEFIK_NAMESPACE } } }],
            ports: [...new Set(props.components.map((c) => c.port))].map(tcp),
          },
          { from: [sameApp] },
        ],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: k.IntOrString.fromNumber(53) }, tcp(53)],
          },
          { to: [sameApp] },
          ...(props.database ? [{ to: [{ podSelector: { matchLabels: { [CLUSTER_LABEL]: props.database } } }], ports: [tcp(POSTGRES_PORT)] }] : []),
          ...egressToInternet(props.components),
        ],
      },
    });
  }
}

function egressToInternet(components: readonly ComponentSpec[]) {
  const ports = [...new Set(components.flatMap((c) => c.egressPorts ?? []))].sort((a, b) => a - b);
  if (ports.length === 0) return [];
  return [
    {
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }],
      ports: ports.map((port) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) })),
    },
  ];
}
