import type { Manifest } from '../render';
import type { AppSpec } from './types';
import { processesOf } from './types';

/*
 * Names the operators and controllers derive in an app's namespace, and the one rule that the
 * objects the platform renders there never take one of them (nor each other's). Checked on the
 * rendered objects of each app (platform.ts), so the rule reads the names the constructs really
 * give, not a copy of them. Every derivation below cites where the operator makes it.
 */

/** A name (or a family of names) an operator or controller creates next to an object the platform renders. */
export interface DerivedName {
  readonly kind: string;
  /** The name, or every name that starts with `prefix` and whose rest matches `rest` (a pattern shared by all, so no RegExp is built per object). */
  readonly name: string | { readonly prefix: string; readonly rest: RegExp };
  /** Who derives it, e.g. `CloudNativePG`. */
  readonly by: string;
  /** Whose objects these are, e.g. `the database's own Services`. */
  readonly of: string;
  /** What this one is, e.g. `its primary`. */
  readonly is: string;
}

/** `a Service`, `an ExternalSecret`. */
const aKind = (kind: string) => `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;

/** What CloudNativePG appends to a Cluster's name: an instance's serial, its WAL or tablespace volume, its Jobs. */
const SERIAL = /^[1-9][0-9]*$/;
const SERIAL_WAL_OR_TABLESPACE = /^[1-9][0-9]*-(wal|tbs-.+)$/;
const SERIAL_JOB = /^[1-9][0-9]*-(initdb|join|full-recovery|pgbasebackup|import|snapshot-recovery|major-upgrade)$/;

/**
 * CloudNativePG, for a Cluster `c` (cloudnative-pg/cloudnative-pg, api/v1/cluster_types.go suffixes,
 * api/v1/cluster_funcs.go Get*Name, pkg/specs/services.go, poddisruptionbudget.go, pods.go
 * GetInstanceName `<c>-<serial>`, jobs.go getJobName `<instance>-<role>`, volumes.go, roles.go;
 * internal/controller/cluster_create.go for the ServiceAccount and the monitoring ConfigMap), and
 * the Barman Cloud plugin (cloudnative-pg/plugin-barman-cloud internal/cnpgi/operator/specs/role.go
 * GetRBACName `<c>-barman-cloud`). Instance serials grow as instances are replaced: any number.
 */
export function cloudnativePgNames(c: string): DerivedName[] {
  const by = 'CloudNativePG';
  const serial = (rest: RegExp) => ({ prefix: `${c}-`, rest });
  return [
    { kind: 'Service', name: `${c}-rw`, by, of: "the database's own Services", is: 'its primary' },
    { kind: 'Service', name: `${c}-ro`, by, of: "the database's own Services", is: 'its read-only replicas' },
    { kind: 'Service', name: `${c}-r`, by, of: "the database's own Services", is: 'any of its instances' },
    { kind: 'Service', name: `${c}-any`, by, of: "the database's own Services", is: "its instances' headless Service" },
    ...['app', 'superuser', 'ca', 'server', 'replication', 'pooler'].map((s) => ({ kind: 'Secret', name: `${c}-${s}`, by, of: "the database's own Secrets", is: s === 'app' ? 'its app credentials (the Secret databaseEnv reads)' : `its ${s} Secret` })),
    { kind: 'PodDisruptionBudget', name: c, by, of: "the database's own PodDisruptionBudgets", is: "its replicas' budget" },
    { kind: 'PodDisruptionBudget', name: `${c}-primary`, by, of: "the database's own PodDisruptionBudgets", is: "its primary's budget" },
    ...['ServiceAccount', 'Role', 'RoleBinding'].map((kind) => ({ kind, name: c, by, of: `the database's own ${kind}s`, is: "its instances' identity" })),
    ...['Role', 'RoleBinding'].map((kind) => ({ kind, name: `${c}-barman-cloud`, by: 'the Barman Cloud plugin', of: `the database's backup ${kind}s`, is: "its backup sidecar's access" })),
    { kind: 'ConfigMap', name: 'cnpg-default-monitoring', by, of: 'the namespace of a database', is: 'its default metrics queries' },
    { kind: 'Pod', name: serial(SERIAL), by, of: "the database's own Pods", is: 'an instance' },
    { kind: 'PersistentVolumeClaim', name: serial(SERIAL), by, of: "the database's own volumes", is: "an instance's data volume" },
    { kind: 'PersistentVolumeClaim', name: serial(SERIAL_WAL_OR_TABLESPACE), by, of: "the database's own volumes", is: "an instance's WAL or tablespace volume" },
    { kind: 'Job', name: serial(SERIAL_JOB), by, of: "the database's own Jobs", is: 'the Job that creates, joins or upgrades an instance' },
  ];
}

/**
 * VolSync's restic mover, for a ReplicationSource (`src`) or ReplicationDestination (`dst`) `o`
 * (backube/volsync internal/controller/mover/restic/mover.go: cache PVC `volsync-<dir>-<o>-cache`,
 * the older `volsync-<o>-cache` it still cleans up, `volsync-<o>-src` and `-dest` copies, and the
 * Job `utils.GetJobName("volsync-<dir>-", o)`; internal/controller/utils/sahandler.go: the mover's
 * ServiceAccount, Role and RoleBinding `volsync-<dir>-<o>`). A Job name over 63 characters is
 * hashed instead (utils.go getShortenedResourceName), which then collides with nothing here.
 */
export function volsyncNames(dir: 'src' | 'dst', o: string): DerivedName[] {
  const by = 'VolSync';
  const of = "the volume backup's mover objects";
  return [
    { kind: 'PersistentVolumeClaim', name: `volsync-${dir}-${o}-cache`, by, of, is: "restic's cache" },
    { kind: 'PersistentVolumeClaim', name: `volsync-${o}-cache`, by, of, is: "restic's cache of older VolSync releases" },
    { kind: 'PersistentVolumeClaim', name: `volsync-${o}-${dir === 'src' ? 'src' : 'dest'}`, by, of, is: 'the copy of the volume it moves' },
    ...['Job', 'ServiceAccount', 'Role', 'RoleBinding'].map((kind) => ({ kind, name: `volsync-${dir}-${o}`, by, of, is: `the mover's ${kind}` })),
  ];
}

/** What rand.SafeEncodeString writes (k8s.io/apimachinery/pkg/util/rand): the ReplicaSet hash and generated name suffixes. */
/** The suffixes controllers append (apimachinery's rand.SafeEncodeString alphabet; a CronJob's scheduled time). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const REPLICA_SET_SUFFIX = new RegExp(`^${SAFE}{1,10}$`);
const POD_SUFFIX = new RegExp(`^${SAFE}{5}$`);
const JOB_SUFFIX = /^[0-9]+$/;

/**
 * Kubernetes' own controllers: a Deployment's ReplicaSets `<deployment>-<pod-template-hash>`
 * (pkg/controller/deployment/sync.go, the hash SafeEncodeString'd), a Job's pods `<job>-<5>`
 * (generateName), a CronJob's Jobs `<cronjob>-<scheduled unix minutes>` (pkg/controller/cronjob
 * getJobName).
 */
export function controllerNames(m: Pick<Manifest, 'kind' | 'metadata'>): DerivedName[] {
  const n = m.metadata.name;
  if (m.kind === 'Deployment') return [{ kind: 'ReplicaSet', name: { prefix: `${n}-`, rest: REPLICA_SET_SUFFIX }, by: 'the Deployment controller', of: `Deployment ${m.metadata.name}'s ReplicaSets`, is: 'one of them' }];
  if (m.kind === 'Job') return [{ kind: 'Pod', name: { prefix: `${n}-`, rest: POD_SUFFIX }, by: 'the Job controller', of: `Job ${m.metadata.name}'s pods`, is: 'one of them' }];
  if (m.kind === 'CronJob') return [{ kind: 'Job', name: { prefix: `${n}-`, rest: JOB_SUFFIX }, by: 'the CronJob controller', of: `CronJob ${m.metadata.name}'s Jobs`, is: 'one of them' }];
  return [];
}

/** Every name the operators and controllers derive from these objects. */
export function derivedNamesOf(objects: readonly Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>[]): DerivedName[] {
  return objects.flatMap((m) => {
    if (m.kind === 'Cluster' && m.apiVersion.startsWith('postgresql.cnpg.io/')) return cloudnativePgNames(m.metadata.name);
    if (m.kind === 'ReplicationSource' && m.apiVersion.startsWith('volsync.backube/')) return volsyncNames('src', m.metadata.name);
    if (m.kind === 'ReplicationDestination' && m.apiVersion.startsWith('volsync.backube/')) return volsyncNames('dst', m.metadata.name);
    return controllerNames(m);
  });
}

export const derivedMatches = (d: DerivedName, kind: string, name: string) =>
  d.kind === kind && (typeof d.name === 'string' ? d.name === name : name.startsWith(d.name.prefix) && d.name.rest.test(name.slice(d.name.prefix.length)));

/** The object names an app's database gets from CloudNativePG, checked against a name before anything renders (lib/spec/references.ts). */
export function databaseNameTaken(app: AppSpec, kind: string, name: string): DerivedName | undefined {
  return app.database ? cloudnativePgNames(app.database.name).find((d) => derivedMatches(d, kind, name)) : undefined;
}

export const takenMessage = (field: string, kind: string, name: string, d: DerivedName) =>
  `${field}: got ${JSON.stringify(name)} as ${aKind(kind)} name, expected a name ${d.by} does not give ${d.of} (${name} is ${d.is})`;

/**
 * The fields of the app's declaration that could render this object, most likely first: a volume,
 * the cache, the database, a process (by the name label its objects carry), else the app itself.
 */
function fieldsOf(app: AppSpec, m: Manifest): string[] {
  const { kind, name } = { kind: m.kind, name: m.metadata.name };
  const label = ((m.metadata.labels ?? {}) as Record<string, string>)['app.kubernetes.io/name'];
  const processes = processesOf(app);
  const fields: string[] = [];
  if (app.cache && (label === app.cache.name || (kind === 'NetworkPolicy' && name === app.cache.name))) fields.push('cache');
  for (const p of processes) {
    for (const v of p.volumes) {
      const b = v.backupName;
      const ofVolume =
        (kind === 'PersistentVolumeClaim' && name === v.claim && label !== app.cache?.name) ||
        (kind === 'ReplicationSource' && name === b) ||
        (kind === 'ReplicationDestination' && (name === `${b}-restore` || name === `${b}-recover`)) ||
        ((kind === 'ExternalSecret' || kind === 'NetworkPolicy') && name === `${b}-volume-backup`);
      if (ofVolume) fields.push([p.field, `volumes.${v.claim.slice(p.name.length + 1)}`].filter(Boolean).join('.'));
    }
  }
  const db = app.database;
  if (db && (kind === 'Cluster' || [db.name, `${app.name}-db-backups`, `${app.name}-db-backup-credentials`].includes(name))) fields.push('database');
  const owner = processes.find((p) => p.name === label || name === `${p.name}-files` || name === `egress-${p.name}`);
  if (owner) fields.push(owner.field || 'file name');
  return fields.length ? fields : ['file name'];
}

/** Secrets the platform makes through an object: an ExternalSecret's target. */
function madeObjects(m: Manifest): { kind: string; name: string }[] {
  const target = (m as any).spec?.target?.name;
  return m.kind === 'ExternalSecret' && typeof target === 'string' ? [{ kind: 'Secret', name: target }] : [];
}

/**
 * The rule: no object an app renders in its namespace (or makes through an ExternalSecret) has the
 * kind and name of another one, nor of one an operator or controller derives there.
 */
export function derivedNameProblems(app: AppSpec, objects: readonly Manifest[]): string[] {
  const own = objects.filter((m) => m.metadata.namespace === app.name);
  const derived = derivedNamesOf(own);
  const problems: string[] = [];
  // Which field made an object is worked out only when a name is taken: synth checks every
  // object of every app, and nearly all of them are fine.
  const seen = new Map<string, Manifest[]>();
  /** The field of each of the objects that share a kind and name, in order: of two that could come from the same fields, the second is the other field's. */
  const fieldsInTurn = (objects: readonly Manifest[]): string[] =>
    objects.reduce<string[]>((chosen, o) => {
      const candidates = fieldsOf(app, o);
      return [...chosen, candidates.find((f) => !chosen.includes(f)) ?? candidates[0]!];
    }, []);
  for (const m of own) {
    for (const o of [{ kind: m.kind, name: m.metadata.name }, ...madeObjects(m)]) {
      const key = `${o.kind}/${o.name}`;
      const before = seen.get(key) ?? [];
      seen.set(key, [...before, m]);
      const d = derived.find((x) => derivedMatches(x, o.kind, o.name));
      if (!before.length && !d) continue;
      const fields = fieldsInTurn([...before, m]);
      const field = fields.at(-1)!;
      if (before.length) problems.push(`${field}: got ${JSON.stringify(o.name)} as ${aKind(o.kind)} name, expected a name of its own (${fields[0] === field ? 'it renders' : `${fields[0]} renders`} ${aKind(o.kind)} of that name too)`);
      if (d) problems.push(takenMessage(field, o.kind, o.name, d));
    }
  }
  return [...new Set(problems)];
}
