import { filledResources, resourceProblems, SCRATCH_MOUNT_PATH } from './fields';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_MAX_BYTES, type ComponentInput, type CronJobInput, type FileInput, type JobInput, type ProcessInput, type VolumeInput } from './workload';
import type { ComponentSpec, CronJobSpec, JobSpec, MountSpec, ProcessSpec, VolumeSpec } from './types';

/*
 * Declared processes to validated ones: defaults filled in, names joined, and the rules that
 * involve more than one field of a process (mount paths, volumes, ports, probes) checked. Problems
 * are collected, not thrown, so one synth reports all of them.
 */

/** The non-root user processes run as unless they choose one. */
export const APP_UID = 10001;
export const DEFAULT_STARTUP_SECONDS = 300;
export const DEFAULT_JOB_TIMEOUT_SECONDS = 600;
export const DEFAULT_JOB_RETRIES = 3;

const DEFAULT_VOLUME = 'data';
/** How jobs name the component of an app declared without `components`. */
export const MAIN = 'main';

/** Components by short name (`main` for the single one): their object name and the volumes they declare. */
export type Owners = ReadonlyMap<string, { readonly name: string; readonly volumes: Record<string, VolumeInput> }>;

export interface Where {
  readonly app: string;
  /** `components.web`, `jobs.migrate`, or `` for a single component declared at the top level. */
  readonly field: string;
  /** The short name (`web`), undefined for the single component. */
  readonly short?: string;
  /** Its volume was declared as `volume` (the shorthand for `volumes.data`). */
  readonly shorthand?: boolean;
  /** The app's folder of files (`apps/<app>`), where `files: { ...: { file } }` are read. */
  readonly folder?: string;
}

const at = (w: Where, field: string) => [w.field, field].filter(Boolean).join('.');
/** How a volume is named in messages: `volume` when declared with the one-volume shorthand. */
const volumeField = (w: Where, name: string) => (w.shorthand ? 'volume' : `volumes.${name}`);
const objectName = (w: Where) => (w.short === undefined ? w.app : `${w.app}-${w.short}`);

/** `a` equals `b` or lies below it. */
const within = (a: string, b: string) => a === b || a.startsWith(`${b}/`);

/** Every path a process mounts must stand alone: one inside another hides files or shadows a mount. */
function mountPathProblems(w: Where, mounts: { path: string; field: string }[]): string[] {
  const problems: string[] = [];
  for (const [i, a] of mounts.entries()) {
    for (const b of mounts.slice(0, i)) {
      if (within(a.path, b.path) || within(b.path, a.path)) {
        problems.push(`${at(w, a.field)}: got ${JSON.stringify(a.path)}, expected a path that is not ${a.path === b.path ? 'the same as' : 'inside or around'} ${JSON.stringify(b.path)} (${b.field === 'tmp' ? 'the /tmp every process gets' : at(w, b.field)})`);
      }
    }
  }
  return problems;
}

/** Config files as text: declared inline, or read from the app's folder. */
function readFiles(w: Where, files: Record<string, FileInput>, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, content] of Object.entries(files)) {
    if (typeof content === 'string') {
      out[path] = content;
      continue;
    }
    const field = at(w, `files.${path}`);
    const shown = `${w.folder ?? `apps/${w.app}`}/${content.file}`;
    if (w.folder === undefined) {
      problems.push(`${field}: got { file: ${JSON.stringify(content.file)} } in an app loaded without its folder, expected the file's text`);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(w.folder, content.file));
    } catch {
      problems.push(`${field}: got { file: ${JSON.stringify(content.file)} }, expected a file ${shown} (there is none)`);
      continue;
    }
    if (bytes.length > FILE_MAX_BYTES || bytes.includes(0)) {
      problems.push(`${field}: got ${shown} (${bytes.length} bytes${bytes.includes(0) ? ', binary' : ''}), expected a text file of at most 256 KiB`);
      continue;
    }
    out[path] = bytes.toString('utf8');
  }
  return out;
}

function ownVolumes(w: Where, declared: Record<string, VolumeInput>, uid: number, problems: string[]): VolumeSpec[] {
  const owner = objectName(w);
  return Object.entries(declared)
    .filter(([, v]) => v.from === undefined)
    .map(([name, v]) => {
      if (v.size === undefined) problems.push(`${at(w, `${volumeField(w, name)}.size`)}: got nothing, expected a size such as 1Gi (or \`from\` to mount another component's volume)`);
      if (v.restore && v.noBackup) problems.push(`${at(w, `${volumeField(w, name)}.restore`)}: got a restore of a volume with noBackup, expected a volume that has backups`);
      const short = w.short ?? MAIN;
      return {
        claim: `${owner}-${name}`,
        field: at(w, volumeField(w, name)),
        owner,
        backupName: name === DEFAULT_VOLUME ? owner : `${owner}-${name}`,
        repositoryFolder: name === DEFAULT_VOLUME ? short : `${short}-${name}`,
        size: v.size ?? '1Gi',
        noBackup: v.noBackup,
        restore: v.restore,
        uid,
      };
    });
}

/** The fields every kind of process shares. `volumes` resolves `from` against `owners` (component short name -> its volumes). */
function normalizeProcess(w: Where, raw: ProcessInput, declaredVolumes: Record<string, VolumeInput>, owners: Owners, problems: string[]): ProcessSpec {
  const root = raw.insecure?.runAsRoot === true;
  if (root && raw.user) problems.push(`${at(w, 'user')}: got a user beside insecure.runAsRoot, expected one or the other`);
  const uid = root ? 0 : (raw.user?.uid ?? APP_UID);
  const gid = root ? 0 : (raw.user?.gid ?? raw.user?.uid ?? APP_UID);
  problems.push(...resourceProblems(raw.resources, (f) => at(w, f)));

  // Env names are set once: a name from databaseEnv or cacheEnv is not also in env.
  const taken = new Map<string, string>();
  for (const [field, names] of [['databaseEnv', raw.databaseEnv], ['cacheEnv', raw.cacheEnv], ['env', raw.env]] as const) {
    for (const name of Object.keys(names ?? {})) {
      const other = taken.get(name);
      if (other) problems.push(`${at(w, `${field}.${name}`)}: got a variable ${other} already sets, expected each name once`);
      taken.set(name, field);
    }
  }

  for (const name of Object.keys(raw.notSecret ?? {})) {
    if (raw.env?.[name] === undefined) problems.push(`${at(w, `notSecret.${name}`)}: got a name env does not set, expected the name of a variable in env whose value the secret scanner flags`);
  }

  const mounts: MountSpec[] = [];
  for (const [name, v] of Object.entries(declaredVolumes)) {
    if (v.from === undefined) {
      mounts.push({ volume: name, mountPath: v.mountPath, claim: `${objectName(w)}-${name}`, owner: objectName(w) });
      continue;
    }
    if (v.size !== undefined || v.noBackup || v.restore) {
      problems.push(`${at(w, `volumes.${name}`)}: got size, noBackup or restore beside \`from\`, expected only mountPath and from (the owner ${v.from} declares the volume)`);
    }
    const found = owners.get(v.from);
    const owned = found?.volumes[name];
    if (v.from === w.short || !owned || owned.from !== undefined) {
      problems.push(`${at(w, `volumes.${name}.from`)}: got ${JSON.stringify(v.from)}, expected another component of this app that has a volume named ${name} of its own`);
      continue;
    }
    mounts.push({ volume: name, mountPath: v.mountPath, claim: `${found!.name}-${name}`, owner: found!.name });
  }
  const paths = [
    { path: SCRATCH_MOUNT_PATH, field: 'tmp' },
    ...Object.keys(raw.scratch ?? {}).map((p) => ({ path: p, field: `scratch.${p}` })),
    ...Object.entries(declaredVolumes).map(([name, v]) => ({ path: v.mountPath, field: `${volumeField(w, name)}.mountPath` })),
    ...Object.keys(raw.files ?? {}).map((p) => ({ path: p, field: `files.${p}` })),
  ];
  problems.push(...mountPathProblems(w, paths));

  return {
    name: objectName(w),
    field: w.field,
    image: raw.image,
    command: raw.command,
    args: raw.args,
    env: raw.env ?? {},
    ...(raw.notSecret ? { notSecret: raw.notSecret } : {}),
    secrets: raw.secrets ?? false,
    databaseEnv: raw.databaseEnv ?? {},
    cacheEnv: raw.cacheEnv ?? {},
    resources: filledResources(raw.resources),
    files: readFiles(w, raw.files ?? {}, problems),
    scratch: raw.scratch ?? {},
    uid,
    gid,
    egressPorts: [...new Set(raw.egressPorts ?? [])].sort((a, b) => a - b),
    insecure: raw.insecure,
    volumes: ownVolumes(w, declaredVolumes, uid, problems),
    mounts,
  };
}

/** A component's volumes, with `volume` read as `volumes.data`. */
export function declaredVolumesOf(w: Where, raw: ComponentInput, problems: string[]): Record<string, VolumeInput> {
  if (raw.volume && raw.volumes) {
    problems.push(`${at(w, 'volume')}: got both volume and volumes, expected one (volume is volumes.${DEFAULT_VOLUME})`);
  }
  return raw.volume ? { [DEFAULT_VOLUME]: raw.volume } : (raw.volumes ?? {});
}

export function normalizeComponent(w: Where, raw: ComponentInput, owners: Owners, problems: string[]): ComponentSpec {
  const volumes = declaredVolumesOf(w, raw, problems);
  const base = normalizeProcess(raw.volume ? { ...w, shorthand: true } : w, raw, volumes, owners, problems);
  const kind = raw.port === undefined ? 'worker' : raw.internal ? 'internal' : 'web';
  if (raw.internal && raw.port === undefined) problems.push(`${at(w, 'internal')}: got true for a component without a port, expected a port for its Service (a process without one is a worker)`);
  if (raw.path !== undefined && kind !== 'web') problems.push(`${at(w, 'path')}: got ${JSON.stringify(raw.path)} for ${kind === 'worker' ? 'a worker (no port)' : 'an internal component'}, expected no path: only web components are routed`);
  if (raw.healthPath !== undefined && raw.port === undefined) problems.push(`${at(w, 'healthPath')}: got ${JSON.stringify(raw.healthPath)} for a worker, expected no healthPath without a port (use healthCommand)`);
  if (raw.healthPath !== undefined && raw.healthCommand !== undefined) problems.push(`${at(w, 'healthCommand')}: got both healthPath and healthCommand, expected one probe`);
  const owned = base.volumes.length > 0;
  if (owned && ((raw.replicas ?? 1) > 1 || raw.autoscaling)) {
    problems.push(`${at(w, raw.volume ? 'volume' : 'volumes')}: got a volume with ${raw.autoscaling ? 'autoscaling' : `${raw.replicas} replicas`}, expected one replica (the volume is ReadWriteOnce)`);
  }
  const restoring = base.volumes.some((v) => v.restore);
  if (restoring && raw.replicas !== 0) {
    problems.push(`${at(w, 'replicas')}: got ${raw.replicas ?? 1} while a volume restore is set, expected 0 (the restore writes into the volume; remove both lines once it is done)`);
  }
  if (raw.autoscaling && raw.replicas !== undefined && (raw.replicas < raw.autoscaling.minReplicas || raw.replicas > raw.autoscaling.maxReplicas)) {
    problems.push(`${at(w, 'replicas')}: got ${raw.replicas}, expected a value within autoscaling.minReplicas..maxReplicas`);
  }
  return {
    ...base,
    kind,
    port: raw.port,
    path: kind === 'web' ? (raw.path ?? '/') : '',
    replicas: raw.replicas ?? raw.autoscaling?.minReplicas ?? 1,
    autoscaling: raw.autoscaling,
    healthPath: raw.healthPath,
    healthCommand: raw.healthCommand,
    startupSeconds: raw.startupSeconds ?? DEFAULT_STARTUP_SECONDS,
  };
}

/** Borrowed volumes only (the schema has no other): a job cannot own a ReadWriteOnce volume that the running pods hold. */
const jobVolumes = (raw: JobInput): Record<string, VolumeInput> => raw.volumes ?? {};

export function normalizeJob(w: Where, raw: JobInput, owners: Owners, problems: string[]): JobSpec {
  const base = normalizeProcess(w, raw, jobVolumes(raw), owners, problems);
  return { ...base, kind: 'job', timeoutSeconds: raw.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS, retries: raw.retries ?? DEFAULT_JOB_RETRIES };
}

export function normalizeCronJob(w: Where, raw: CronJobInput, owners: Owners, problems: string[]): CronJobSpec {
  const base = normalizeProcess(w, raw, jobVolumes(raw), owners, problems);
  return {
    ...base,
    kind: 'cron',
    timeoutSeconds: raw.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS,
    retries: raw.retries ?? DEFAULT_JOB_RETRIES,
    schedule: raw.schedule.trim(),
    timeZone: raw.timeZone ?? 'Etc/UTC',
    concurrency: raw.concurrency ?? 'Forbid',
  };
}
