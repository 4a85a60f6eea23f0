import { createHash } from 'node:crypto';
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { SCRATCH_MOUNT_PATH, SCRATCH_SIZE, type Resources } from '../spec/fields';
import type { CacheSpec, ComponentSpec, ProcessSpec } from '../spec/types';
import type { DatabaseSpec } from '../spec/database';
import { DATABASE_KEYS } from '../spec/workload';
import { cpuMillis, memoryMiB } from '../quantity';
import { appSecretName, DATABASE_CLIENT_LABEL } from './database';
import type { AppVolumes } from './volumes';

/*
 * What every pod an app runs has in common, whatever controller starts it (Deployment, Job,
 * CronJob): the hardened security context, requests and limits, env in an order where `$(VAR)`
 * expands, `/tmp` and the declared scratch paths, volumes, config files, and no service links
 * (Kubernetes would otherwise inject `<SERVICE>_PORT=tcp://...`, which apps such as n8n read as
 * their own settings and crash on).
 */

/** Where an app's cache (lib/constructs/cache.ts) listens; processes learn it through `cacheEnv`. */
export const CACHE_PORT = 6379;
/** Pods of the processes that read the cache's address (`cacheEnv`): the only ones it admits. */
export const CACHE_CLIENT_LABEL = 'hobby-infra.dev/cache-client';
/** Web components' pods: the only ones Traefik may reach (lib/constructs/app-network.ts). */
export const ROUTED_LABEL = 'hobby-infra.dev/routed';
/** Pods that mount a component's volume carry this (with the owner's name) and are kept on one node with it. */
export const volumeGroupLabel = (owner: string) => `volumes.hobby-infra.dev/${owner}`;
/** Pod template annotation: a digest of the config files, so a changed file rolls the pods. */
export const FILES_CHECKSUM = 'hobby-infra.dev/files-checksum';

export interface AppContext {
  readonly app: string;
  readonly namespace: string;
  /** The ExternalSecret's target with every key of /apps/<app>. */
  readonly secretName: string;
  readonly database?: DatabaseSpec;
  readonly cache?: CacheSpec;
  /** The app's volume claims, by name. */
  readonly volumes: AppVolumes;
  /** Owners whose volumes some other process mounts (they then share a node). */
  readonly sharedOwners: ReadonlySet<string>;
  /** Web pods carry ROUTED_LABEL: Traefik's door is a policy of its own (doorsPerProcess, app-network.ts). */
  readonly routedLabel: boolean;
  /** Labels of what rolls out (Deployments, HPAs, PDBs, CronJobs): AFTER_JOBS_LABEL when the app has one-off Jobs, AFTER_RECOVERY_LABEL in recover mode. */
  readonly rolloutLabels: Readonly<Record<string, string>>;
}

export const digest = (value: unknown, length = 8) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);

/** The owners of the volumes a process shares with others: those it borrows, and its own when another borrows them. */
function volumeGroups(p: ProcessSpec, ctx: AppContext): string[] {
  const owners = p.mounts.map((m) => m.owner).filter((owner) => owner !== p.name || ctx.sharedOwners.has(owner));
  return [...new Set(owners)].sort();
}

/** The pod's labels: selector labels first (Deployments select on name and part-of only). */
export function podLabels(p: ProcessSpec, ctx: AppContext, role: 'web' | 'internal' | 'worker' | 'job' | 'cron'): Record<string, string> {
  const groups = volumeGroups(p, ctx);
  return {
    'app.kubernetes.io/name': p.name,
    'app.kubernetes.io/part-of': ctx.app,
    // Traefik's door selects web pods by this label when the app has other processes too.
    ...(role === 'web' && ctx.routedLabel ? { [ROUTED_LABEL]: 'true' } : {}),
    ...(Object.keys(p.cacheEnv).length ? { [CACHE_CLIENT_LABEL]: 'true' } : {}),
    ...(Object.keys(p.databaseEnv).length ? { [DATABASE_CLIENT_LABEL]: 'true' } : {}),
    ...Object.fromEntries(groups.map((owner) => [volumeGroupLabel(owner), 'shared'])),
  };
}

/** Variables in the order Kubernetes expands `$(VAR)`: the database's and the cache's first, then the declared ones. */
function envOf(scope: Construct, p: ProcessSpec, ctx: AppContext): Record<string, kplus.EnvValue> {
  const env: Record<string, kplus.EnvValue> = {};
  if (ctx.database && Object.keys(p.databaseEnv).length) {
    const secret = kplus.Secret.fromSecretName(scope, 'database-secret', appSecretName(ctx.database));
    for (const [name, key] of Object.entries(p.databaseEnv)) env[name] = kplus.EnvValue.fromSecretValue({ secret, key: DATABASE_KEYS[key] });
  }
  if (ctx.cache) {
    const values = { url: `redis://${ctx.cache.name}:${CACHE_PORT}`, host: ctx.cache.name, port: String(CACHE_PORT) };
    for (const [name, key] of Object.entries(p.cacheEnv)) env[name] = kplus.EnvValue.fromValue(values[key]);
  }
  for (const [name, value] of Object.entries(p.env)) env[name] = kplus.EnvValue.fromValue(value);
  return env;
}

/** The ConfigMap of a process's files: keys are derived from the paths, each file mounted alone (subPath). */
function fileMounts(scope: Construct, p: ProcessSpec, ctx: AppContext): kplus.VolumeMount[] {
  const paths = Object.keys(p.files).sort();
  if (!paths.length) return [];
  const keyOf = (path: string, i: number) => `${i + 1}-${path.slice(path.lastIndexOf('/') + 1)}`.slice(0, 253);
  const configMap = new kplus.ConfigMap(scope, 'files', {
    metadata: { name: `${p.name}-files`, namespace: ctx.namespace, labels: { 'app.kubernetes.io/part-of': ctx.app } },
    data: Object.fromEntries(paths.map((path, i) => [keyOf(path, i), p.files[path]!])),
  });
  const volume = kplus.Volume.fromConfigMap(scope, 'files-volume', configMap, { name: 'files' });
  return paths.map((path, i) => ({ path, volume, subPath: keyOf(path, i), readOnly: true }));
}

function mountsOf(scope: Construct, p: ProcessSpec, ctx: AppContext): kplus.VolumeMount[] {
  const scratch = (id: string, name: string, size: string) => kplus.Volume.fromEmptyDir(scope, id, name, { sizeLimit: Size.mebibytes(memoryMiB(size)) });
  return [
    { path: SCRATCH_MOUNT_PATH, volume: scratch('tmp', 'tmp', SCRATCH_SIZE) },
    ...Object.entries(p.scratch).map(([path, size], i) => ({ path, volume: scratch(`scratch-${i}`, `scratch-${i + 1}`, size) })),
    ...p.mounts.map((m, i) => ({
      path: m.mountPath,
      volume: kplus.Volume.fromPersistentVolumeClaim(scope, `pvc-${i}`, ctx.volumes.claim(m.claim), { name: m.volume }),
    })),
    ...fileMounts(scope, p, ctx),
  ];
}

const root = (p: ProcessSpec) => p.insecure?.runAsRoot === true;

/** Who a pod's processes run as: a non-root user (the default 10001, or a chosen one), or root when an opt-out says so. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly root?: boolean;
}

const runAsOf = (p: ProcessSpec): RunAs => ({ uid: p.uid, gid: p.gid, root: root(p) });

/** The pod-level security context. */
export function podSecurityContext(p: ProcessSpec | RunAs): kplus.PodSecurityContextProps {
  const who = 'image' in p ? runAsOf(p) : p;
  return {
    ensureNonRoot: !who.root,
    user: who.uid,
    group: who.gid,
    fsGroup: who.root ? undefined : who.gid,
    fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
  };
}

/** A container that cannot escalate: read-only root filesystem, every capability dropped (but those added back), seccomp. */
export function containerSecurityContext(who: RunAs, opts: { writableRoot?: boolean; add?: readonly string[] } = {}): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: !who.root,
    user: who.uid,
    group: who.gid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: opts.writableRoot !== true,
    capabilities: { drop: [kplus.Capability.ALL], ...(opts.add ? { add: opts.add.map((c) => c as kplus.Capability) } : {}) },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/** The container: hardened, bounded, with its env, mounts and (for components) probes. */
export function containerProps(scope: Construct, p: ProcessSpec, ctx: AppContext, probes: Pick<kplus.ContainerProps, 'readiness' | 'liveness' | 'startup' | 'portNumber'> = {}): kplus.ContainerProps {
  const r = p.resources;
  return {
    name: 'app',
    image: p.image,
    command: p.command ? [...p.command] : undefined,
    args: p.args ? [...p.args] : undefined,
    ...probes,
    envVariables: envOf(scope, p, ctx),
    envFrom: p.secrets ? [kplus.Env.fromSecret(kplus.Secret.fromSecretName(scope, 'app-secrets', ctx.secretName))] : undefined,
    resources: {
      cpu: { request: kplus.Cpu.millis(cpuMillis(r.requests.cpu)), limit: kplus.Cpu.millis(cpuMillis(r.limits.cpu)) },
      memory: { request: Size.mebibytes(memoryMiB(r.requests.memory)), limit: Size.mebibytes(memoryMiB(r.limits.memory)) },
    },
    securityContext: containerSecurityContext(runAsOf(p), { writableRoot: p.insecure?.writableRootFilesystem, add: p.insecure?.capabilities }),
    volumeMounts: mountsOf(scope, p, ctx),
  };
}

/** Pod template annotations: the files' digest, so that a changed config file rolls the pods. */
export function podAnnotations(p: ProcessSpec): Record<string, string> | undefined {
  return Object.keys(p.files).length ? { [FILES_CHECKSUM]: digest(p.files, 16) } : undefined;
}

/**
 * What cdk8s+ cannot say, patched onto the rendered pod template at `podPath` of every app pod
 * (the cache's too): no service links; quantities as declared (`1Gi`, not `1024Mi`); no hashed
 * address label.
 */
export function patchPodTemplate(object: ApiObject, podPath: string, resources: Resources): void {
  const quantities = (q: Record<string, string>) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, kplus.k8s.Quantity.fromString(v)]));
  object.addJsonPatch(JsonPatch.add(`${podPath}/spec/enableServiceLinks`, false));
  object.addJsonPatch(JsonPatch.replace(`${podPath}/spec/containers/0/resources`, { requests: quantities(resources.requests), limits: quantities(resources.limits) }));
  object.addJsonPatch(JsonPatch.remove(`${podPath}/metadata/labels/${kplus.Pod.ADDRESS_LABEL.replace('/', '~1')}`));
}

/** A process's pod template: the patches every app pod gets, and pods that share a volume kept on one node (ReadWriteOnce). */
export function finishPod(object: ApiObject, podPath: string, p: ProcessSpec, ctx: AppContext): void {
  patchPodTemplate(object, podPath, p.resources);
  const groups = volumeGroups(p, ctx);
  if (groups.length) {
    object.addJsonPatch(
      JsonPatch.add(`${podPath}/spec/affinity`, {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: groups.map((owner) => ({
            labelSelector: { matchLabels: { [volumeGroupLabel(owner)]: 'shared' } },
            topologyKey: 'kubernetes.io/hostname',
          })),
        },
      }),
    );
  }
}

/** Probes of a long-running component: readiness, liveness, and a startup window before liveness applies. */
export function componentProbes(c: ComponentSpec): Pick<kplus.ContainerProps, 'readiness' | 'liveness' | 'startup'> {
  type Options = kplus.HttpGetProbeOptions & kplus.TcpSocketProbeOptions & kplus.CommandProbeOptions;
  const probe = c.healthCommand
    ? (o: Options) => kplus.Probe.fromCommand([...c.healthCommand!], o)
    : c.healthPath && c.port
      ? (o: Options) => kplus.Probe.fromHttpGet(c.healthPath!, { port: c.port, ...o })
      : c.port
        ? (o: Options) => kplus.Probe.fromTcpSocket({ port: c.port, ...o })
        : undefined;
  if (!probe) return {};
  return {
    // Readiness every 10 s and 3 failures are the Kubernetes defaults, so they are not written out.
    readiness: probe({}),
    liveness: probe({ periodSeconds: Duration.seconds(20) }),
    startup: probe({ periodSeconds: Duration.seconds(10), failureThreshold: Math.ceil(c.startupSeconds / 10) }),
  };
}
