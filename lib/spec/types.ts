import type { Resources } from './fields';
import type { CacheKey, DatabaseKey } from './workload';
import type { DatabaseSpec } from './database';
import type { LoginSpec } from './login';
import type { TailnetSpec } from './tailnet';

/*
 * A validated app, as the constructs read it: names resolved, defaults filled in, every
 * cross-field rule checked. Built by lib/spec/app.ts from a declaration.
 */

/** web: routed by Traefik; internal: a Service for the app's own pods; worker: no port. */
export type ComponentKind = 'web' | 'internal' | 'worker';

/** A persistent volume a component owns (a PVC), and how it is backed up. */
export interface VolumeSpec {
  /** The PersistentVolumeClaim's name: `<component>-<volume>`. */
  readonly claim: string;
  /** Where it is declared: `volume`, `components.api.volumes.uploads`. */
  readonly field: string;
  /** The owner component's object name. */
  readonly owner: string;
  /** The ReplicationSource's name and the folder of its restic repository under volumes/. */
  readonly backupName: string;
  readonly repositoryFolder: string;
  readonly size: string;
  readonly noBackup?: { readonly reason: string };
  readonly restore?: { readonly from: 'backup'; readonly asOf?: string };
  /** The user the owner runs as: backups read and write its files as that user. */
  readonly uid: number;
}

/** A PVC mounted into a process: its own, or another component's (`from`). */
export interface MountSpec {
  /** The volume's declared name, also its name in the pod. */
  readonly volume: string;
  readonly mountPath: string;
  readonly claim: string;
  /** The component that owns the volume; a borrower shares its node. */
  readonly owner: string;
}

export interface ProcessSpec {
  /** Object name: the app's name for a single component, else `<app>-<name>`. */
  readonly name: string;
  /** Where it is declared: `` (the top level), `components.web`, `jobs.migrate`, `cronJobs.nightly`. */
  readonly field: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Env names whose values the secret scanner may flag, with why they are not secrets. */
  readonly notSecret?: Readonly<Record<string, string>>;
  readonly secrets: boolean;
  readonly databaseEnv: Readonly<Record<string, DatabaseKey>>;
  readonly cacheEnv: Readonly<Record<string, CacheKey>>;
  readonly resources: Resources;
  readonly files: Readonly<Record<string, string>>;
  readonly scratch: Readonly<Record<string, string>>;
  readonly uid: number;
  readonly gid: number;
  readonly egressPorts: readonly number[];
  readonly insecure?: {
    readonly runAsRoot?: boolean;
    readonly writableRootFilesystem?: boolean;
    readonly capabilities?: readonly string[];
    readonly reason: string;
  };
  /** Volumes this process owns (components only). */
  readonly volumes: readonly VolumeSpec[];
  /** Every PVC it mounts. */
  readonly mounts: readonly MountSpec[];
}

export interface ComponentSpec extends ProcessSpec {
  readonly kind: ComponentKind;
  readonly port?: number;
  /** The routed path prefix (web components). */
  readonly path: string;
  readonly replicas: number;
  readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number; readonly cpuTarget?: number };
  readonly healthPath?: string;
  readonly healthCommand?: readonly string[];
  readonly startupSeconds: number;
}

export interface JobSpec extends ProcessSpec {
  readonly kind: 'job';
  readonly timeoutSeconds: number;
  readonly retries: number;
}

export interface CronJobSpec extends ProcessSpec {
  readonly kind: 'cron';
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly schedule: string;
  readonly timeZone: string;
  readonly concurrency: 'Forbid' | 'Replace' | 'Allow';
}

/** The app's Valkey: `<app>-cache:6379`, reachable by the processes that read its address. */
export interface CacheSpec {
  readonly name: string;
  readonly memory: string;
  /** allkeys-lru when true; noeviction (writes refused when full) otherwise. */
  readonly evict: boolean;
  readonly persistence?: { readonly size: string };
}

/** The cache's claim when it has persistence. */
export const cacheClaimName = (cache: Pick<CacheSpec, 'name'>) => `${cache.name}-data`;

/** A validated app: name from its file, hosts resolved to FQDNs, processes normalised. */
export interface AppSpec {
  readonly name: string;
  readonly file: string;
  readonly hosts: string[];
  /** Only the admin CIDRs reach the hosts (lib/constructs/admin-only.ts). */
  readonly private: boolean;
  /** Behind the sign-in at the edge: the groups (GitHub `org`, `org:team`) that may pass (lib/constructs/login.ts). */
  readonly login?: LoginSpec;
  /** Served only on the tailnet, through the Tailscale operator (lib/constructs/tailnet-ingress.ts); then `hosts` is empty. */
  readonly tailnet?: TailnetSpec;
  /** What the app's Ingress lets through. */
  readonly http?: { readonly maxBodyBytes?: number; readonly requestTimeoutSeconds?: number };
  readonly components: ComponentSpec[];
  readonly jobs: JobSpec[];
  readonly cronJobs: CronJobSpec[];
  readonly cache?: CacheSpec;
  readonly database?: DatabaseSpec;
}

export type AnyProcess = ComponentSpec | JobSpec | CronJobSpec;
export const processesOf = (app: AppSpec): AnyProcess[] => [...app.components, ...app.jobs, ...app.cronJobs];
