import { z } from 'zod';
import { DNS_LABEL } from '../names';
import { cronScheduleProblem } from './cron';
import { absolutePath, argv, env, envName, image, memory, pointInTime, port, reason, resources } from './fields';

/*
 * The processes an app runs, as declared: long-running components (web, internal or worker),
 * one-off jobs that run before a rollout, and cron jobs. They share one set of process fields
 * (what runs, its env, files, scratch space, user and opt-outs); each kind adds its own.
 */

/** The keys of CloudNativePG's app Secret an app may map to env names (`user` is its `username`). */
export const DATABASE_KEYS = { host: 'host', port: 'port', dbname: 'dbname', user: 'username', password: 'password', uri: 'uri', 'jdbc-uri': 'jdbc-uri' } as const;
export type DatabaseKey = keyof typeof DATABASE_KEYS;
/** What a process can learn about the app's cache. */
export const CACHE_KEYS = ['url', 'host', 'port'] as const;
export type CacheKey = (typeof CACHE_KEYS)[number];

/**
 * Capabilities an opt-out may add back: what Pod Security `baseline` allows. Only
 * NET_BIND_SERVICE is allowed at `restricted`; any other lowers the namespace to baseline.
 */
export const ADDABLE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'] as const;
export const RESTRICTED_CAPABILITIES: readonly string[] = ['NET_BIND_SERVICE'];

const nameKey = (what: string) => z.string().regex(DNS_LABEL, `a ${what} name that is a DNS label (lowercase letters, digits, dashes)`);
const gid = z.int('a whole group id').min(0, 'a group id from 0 to 2147483647').max(2147483647, 'a group id from 0 to 2147483647');
const uid = z.int('a whole user or group id').min(1, 'a non-root id from 1 to 2147483647 (0 is root: use insecure.runAsRoot)').max(2147483647, 'an id from 1 to 2147483647');

/** A volume of the process's own, or another component's volume of the same name (`from`). */
const volume = z.strictObject({
  mountPath: absolutePath,
  /** Its size; a volume with `from` has the size its owner gives it. */
  size: memory.optional(),
  /** Mount the volume of this name that component `from` owns (the pods then share a node). */
  from: nameKey('component').optional(),
  /** Every volume is copied to the backup bucket on the cluster's schedule; opting out says why. */
  noBackup: z.strictObject({ reason }).optional(),
  /** Restore from its backups (the newest, or the newest at or before `asOf`): set `replicas: 0` with it, apply, then remove both. */
  restore: z.strictObject({ from: z.literal('backup', 'the string "backup"'), asOf: pointInTime.optional() }).optional(),
});
export type VolumeInput = z.output<typeof volume>;

/** The longest config file: a ConfigMap holds at most 1 MiB in all. */
export const FILE_MAX_BYTES = 262144;
/** A file in the app's folder: a name, or a relative path without `..`. */
const FOLDER_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const fileContent = z.union(
  [
    z.string().max(FILE_MAX_BYTES, 'at most 256 KiB of text'),
    z.strictObject({ file: z.string().regex(FOLDER_FILE, 'a file in the app\'s folder, such as nginx.conf or conf/app.ini (no `..`)') }),
  ],
  'the file\'s text, or `{ file: \'name\' }` for a file kept in apps/<app>/',
);
export type FileInput = z.output<typeof fileContent>;

/** A job mounts a component's volume; it cannot own one (the running pods hold it). */
const borrowedVolume = z.strictObject({ mountPath: absolutePath, from: nameKey('component') });

/** Fields every process has. */
const processFields = {
  /** Repository plus pinned tag or digest, e.g. ghcr.io/me/app:1.2.3. */
  image,
  /** Replaces the image's entrypoint. */
  command: argv.optional(),
  /** Replaces the image's command (the entrypoint's arguments). */
  args: argv.optional(),
  resources,
  /** Plain environment variables; `$(NAME)` expands variables defined before (databaseEnv, cacheEnv, secrets). */
  env: env.optional(),
  /**
   * Env values synth's secret scanner flags that are not secrets, each with the reason, which stays
   * in the app file for review: `{ BUILD_HASH: 'the public commit hash of the image, not a key' }`.
   */
  notSecret: z.record(envName, reason).optional(),
  /** Every key under this app's Infisical folder (/apps/<app>) becomes an environment variable. */
  secrets: z.boolean('true or false').optional(),
  /** Env names for keys of the database's credentials, e.g. `{ DB_HOST: 'host', DB_PASSWORD: 'password' }`. */
  databaseEnv: z.record(envName, z.enum(Object.keys(DATABASE_KEYS) as [DatabaseKey, ...DatabaseKey[]], `one of ${Object.keys(DATABASE_KEYS).join(', ')}`)).optional(),
  /** Env names for the cache's address, e.g. `{ REDIS_URL: 'url' }` or `{ REDIS_HOST: 'host', REDIS_PORT: 'port' }`. */
  cacheEnv: z.record(envName, z.enum(CACHE_KEYS, `one of ${CACHE_KEYS.join(', ')}`)).optional(),
  /**
   * Config files, mounted read-only at their paths; pods roll when one changes. Never secrets. The
   * text itself, or `{ file: 'nginx.conf' }` for a file kept beside the app, in apps/<app>/.
   */
  files: z.record(absolutePath, fileContent).optional(),
  /** Writable emptyDir paths beside `/tmp`, with their size limits: `{ '/run': '16Mi' }`. */
  scratch: z.record(absolutePath, memory).optional(),
  /** Persistent volumes by name (a PVC `<component>-<name>` each). */
  volumes: z.record(nameKey('volume').refine((n) => !/^(tmp|files|scratch-[0-9]+)$/.test(n), 'a volume name other than tmp, files or scratch-<n> (the pod\'s own volumes)'), volume).optional(),
  /** Run as this non-root user (and group; default the same id) instead of 10001. */
  user: z.strictObject({ uid, gid: gid.optional() }).optional(),
  /** Outbound TCP ports allowed to the internet (e.g. 443). DNS is always allowed. */
  egressPorts: z.array(port).max(32, 'at most 32 ports').optional(),
  /**
   * Opting out of the hardened defaults must be explicit and visible: say what and why (the
   * reason is shown on the namespace). runAsRoot, or a capability other than NET_BIND_SERVICE,
   * lowers the namespace's Pod Security level to baseline.
   */
  insecure: z
    .strictObject({
      runAsRoot: z.boolean().optional(),
      writableRootFilesystem: z.boolean().optional(),
      capabilities: z.array(z.enum(ADDABLE_CAPABILITIES, `one of ${ADDABLE_CAPABILITIES.join(', ')} (what Pod Security baseline allows)`)).min(1, 'at least one capability').optional(),
      reason: reason,
    })
    .optional(),
};

const autoscaling = z
  .strictObject({
    minReplicas: z.int('a whole number').min(1, 'at least 1 replica'),
    maxReplicas: z.int('a whole number').min(1, 'at least 1 replica').max(50, 'at most 50 replicas'),
    cpuTarget: z.int('a whole percentage').min(10, 'a CPU utilisation percentage from 10 to 95').max(95, 'a CPU utilisation percentage from 10 to 95').optional(),
  })
  .refine((a) => a.minReplicas <= a.maxReplicas, { path: ['maxReplicas'], message: 'a value >= autoscaling.minReplicas' });

/** A long-running process: web (routed), internal (a Service for the app's own pods) or worker (no port). */
export const componentFields = {
  ...processFields,
  /** The port it listens on; without one it is a worker (no Service, no network probe). */
  port: port.optional(),
  /** A Service only the app's own pods reach; Traefik never routes to it. */
  internal: z.boolean('true or false').optional(),
  /** Path prefix routed to this component on the app's hosts (default `/`). */
  path: z.string().refine((p) => p === '/' || absolutePath.safeParse(p).success, 'a path prefix such as / or /api (no trailing slash, no empty, `.` or `..` part)').optional(),
  /** Fixed replica count; with `autoscaling` it is the starting count. Default 1. */
  replicas: z.int('a whole number of replicas').min(0, 'zero or more replicas').max(50, 'at most 50 replicas').optional(),
  autoscaling: autoscaling.optional(),
  /** HTTP health endpoint for the probes; without it, and without healthCommand, the probes check the TCP port. */
  healthPath: z.string().regex(/^\/[A-Za-z0-9._~\/?=&-]*$/, 'a path such as /healthz').max(1024, 'a path of at most 1024 characters').optional(),
  /** A command whose exit status is the health (e.g. for a worker): `['celery', 'inspect', 'ping']`. */
  healthCommand: argv.optional(),
  /** How long the first start may take (migrations, caches) before liveness checks apply; default 300. */
  startupSeconds: z.int('a whole number of seconds').min(10, 'from 10 to 3600 seconds').max(3600, 'from 10 to 3600 seconds').optional(),
  /** One persistent volume: the same as `volumes: { data: ... }`. */
  volume: volume.optional(),
};

/** A one-off job run before the app's components roll out, again whenever it changes. */
export const jobFields = {
  ...processFields,
  /** A component's volumes, by their name in the owner: `{ media: { mountPath: '/media', from: 'web' } }`. */
  volumes: z.record(nameKey('volume'), borrowedVolume).optional(),
  /** A job runs to completion: nothing connects to it. */
  port: z.undefined('no port: a job runs to completion and nothing connects to it (a process that listens is a component)').optional(),
  /** How long one run may take before it counts as failed; default 600. */
  timeoutSeconds: z.int('a whole number of seconds').min(10, 'from 10 to 86400 seconds').max(86400, 'from 10 to 86400 seconds').optional(),
  /** Retries after a failed run; default 3. */
  retries: z.int('a whole number of retries').min(0, 'from 0 to 10 retries').max(10, 'from 0 to 10 retries').optional(),
};

/** An IANA time zone as the API server loads it (time.LoadLocation). */
const timeZone = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/, 'an IANA time zone such as Europe/Berlin or Etc/UTC')
  .refine((tz) => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone.length > 0;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin or Etc/UTC');

export const cronJobFields = {
  ...jobFields,
  /** When it runs, as the CronJob controller reads it: `0 3 * * *`, or @hourly/@daily/@weekly/@monthly/@yearly. */
  schedule: z.string('a cron schedule such as "0 3 * * *"').superRefine((s, ctx) => {
    const problem = cronScheduleProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** The zone `schedule` is read in; default Etc/UTC. */
  timeZone: timeZone.optional(),
  /** What happens when a run is due while the last one still runs: Forbid (default) skips it. */
  concurrency: z.enum(['Forbid', 'Replace', 'Allow'], 'Forbid, Replace or Allow').optional(),
};

export const componentSchema = z.strictObject(componentFields);
export const jobSchema = z.strictObject(jobFields);
export const cronJobSchema = z.strictObject(cronJobFields);
export type ComponentInput = z.output<typeof componentSchema>;
export type JobInput = z.output<typeof jobSchema>;
export type CronJobInput = z.output<typeof cronJobSchema>;
export type ProcessInput = ComponentInput | JobInput | CronJobInput;
