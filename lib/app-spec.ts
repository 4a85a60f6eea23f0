import { z } from 'zod';
import type { ClusterConfig } from './config';
import { DNS_1035_LABEL, DNS_LABEL, fqdn, LABEL_VALUE_MAX } from './names';
import { CPU_QUANTITY, cpuMillis, MEMORY_QUANTITY, memoryMiB } from './quantity';
import { parseSpec, SpecError } from './validation';

/*
 * The declaration an apps/<name>.ts file exports. Everything about an app fits in it; the WebApp
 * construct turns it into hardened workloads. Parsed strictly: an unknown field is an error.
 */

const IMAGE = /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Splits an image reference; undefined when it is not one. */
export function parseImage(ref: string): { repository: string; tag?: string; digest?: string } | undefined {
  const m = IMAGE.exec(ref);
  if (!m?.groups) return undefined;
  return { repository: m.groups.repository!, tag: m.groups.tag, digest: m.groups.digest };
}

const image = z.string().superRefine((ref, ctx) => {
  const parsed = parseImage(ref);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'an image reference such as ghcr.io/me/app:1.2.3' });
  else if (!parsed.tag && !parsed.digest) ctx.addIssue({ code: 'custom', message: 'an image with a pinned tag or digest (ghcr.io/me/app:1.2.3), not an untagged one' });
  else if (parsed.tag === 'latest') ctx.addIssue({ code: 'custom', message: 'a pinned tag or digest; `latest` cannot be reviewed or rolled back' });
});

/** What an app gets when its spec says nothing: small, and always bounded. Also the LimitRange defaults. */
export const DEFAULT_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } } as const;

const cpu = z
  .string('a CPU quantity such as 100m, 1 or 1.5')
  .regex(CPU_QUANTITY, 'a CPU quantity such as 100m, 1 or 1.5 (cores, or whole millicores)')
  .refine((q) => !CPU_QUANTITY.test(q) || cpuMillis(q) > 0, 'a CPU quantity above zero');
const memory = z
  .string('a memory quantity such as 128Mi, 512Mi or 1.5Gi')
  .regex(MEMORY_QUANTITY, 'a memory quantity such as 128Mi, 512Mi or 1.5Gi')
  .refine((q) => !MEMORY_QUANTITY.test(q) || memoryMiB(q) > 0, 'a quantity above zero, such as 512Mi')
  .refine((q) => !MEMORY_QUANTITY.test(q) || Number.isInteger(memoryMiB(q)), 'a whole number of MiB, such as 128Mi or 1.5Gi');
const port = z.int('a whole port number').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names that hold credentials (a secret word as one `_`-separated part); their values must come from Infisical. */
const SECRET_LIKE = /(^|_)(PASS|PASSWORD|PASSWD|PWD|PASSPHRASE|SECRETS?|TOKENS?|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIALS?|DATABASE_URL|DSN|CONNECTION_STRING)($|_)/i;
/**
 * An absolute path with no empty, `.` or `..` part and no trailing slash, so one place has one
 * spelling: Kubernetes compares mount paths and Ingress paths as text.
 */
const CLEAN_PATH = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;
const DOT_SEGMENT = /\/\.\.?(\/|$)/;
/** The emptyDir every component gets, since its root filesystem is read-only. */
export const SCRATCH_MOUNT_PATH = '/tmp';

/** An RFC 3339 time with seconds and a zone, such as 2026-08-01T10:00:00Z: what CloudNativePG and restic both read. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const pointInTime = z
  .string()
  .regex(RFC3339, 'an RFC 3339 time with a zone, such as 2026-08-01T10:00:00Z')
  .refine((t) => !RFC3339.test(t) || !Number.isNaN(Date.parse(t)), 'a real date and time, such as 2026-08-01T10:00:00Z');
const reason = z.string().min(10, 'a sentence saying why');

/** Requests and limits, each side optional (defaults fill the rest). */
const resourcesSchema = z
  .strictObject({
    requests: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
    limits: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
  })
  .optional();

const componentFields = {
  /** Repository plus pinned tag or digest, e.g. ghcr.io/me/app:1.2.3. */
  image,
  /** Port the container listens on; the Service and Ingress route to it. */
  port,
  /** Path prefix routed to this component on the app's hosts (default `/`). */
  path: z
    .string()
    .refine((p) => p === '/' || (CLEAN_PATH.test(p) && !DOT_SEGMENT.test(p)), 'a path prefix such as / or /api (no trailing slash, no empty, `.` or `..` part)')
    .optional(),
  /** Fixed replica count; with `autoscaling` it is the starting count. Default 1. */
  replicas: z.int('a whole number of replicas').min(0, 'zero or more replicas').max(50, 'at most 50 replicas').optional(),
  resources: resourcesSchema,
  /** Plain environment variables. Secrets belong in Infisical, never here. */
  env: z
    .record(
      z
        .string()
        .regex(ENV_NAME, 'an environment variable name such as API_URL')
        .refine((name) => !SECRET_LIKE.test(name), 'a non-secret name: values named like secrets belong in Infisical (`secrets: true`), never in git'),
      z.string(),
    )
    .optional(),
  /** Every key under this app's Infisical folder (/apps/<app>) becomes an environment variable. */
  secrets: z.boolean('true or false').optional(),
  /** HTTP health endpoint for readiness and liveness probes; without it the probes check the TCP port. */
  healthPath: z.string().regex(/^\/[A-Za-z0-9._~\/?=&-]*$/, 'a path such as /healthz').optional(),
  /** A persistent volume (ReadWriteOnce: the component then runs one replica, recreated on deploy). */
  volume: z
    .strictObject({
      mountPath: z
        .string()
        .refine((p) => CLEAN_PATH.test(p) && !DOT_SEGMENT.test(p), 'an absolute path such as /data (no trailing slash, no empty, `.` or `..` part)')
        .refine((p) => p !== SCRATCH_MOUNT_PATH, `a path other than ${SCRATCH_MOUNT_PATH}, where every component already mounts its scratch emptyDir`),
      size: memory,
      /**
       * Every volume is copied to the backup bucket on the cluster's schedule (VolSync, restic).
       * Opting out must say why, e.g. a cache that the app rebuilds.
       */
      noBackup: z.strictObject({ reason }).optional(),
      /**
       * Restore the volume from its backups (the newest, or the newest at or before `asOf`), into
       * this volume: set `replicas: 0` with it, apply, wait for the restore, then remove both lines.
       */
      restore: z.strictObject({ from: z.literal('backup', 'the string "backup"'), asOf: pointInTime.optional() }).optional(),
    })
    .optional(),
  autoscaling: z
    .strictObject({
      minReplicas: z.int('a whole number').min(1, 'at least 1 replica'),
      maxReplicas: z.int('a whole number').min(1, 'at least 1 replica').max(50, 'at most 50 replicas'),
      cpuTarget: z.int('a whole percentage').min(10, 'a CPU utilisation percentage from 10 to 95').max(95, 'a CPU utilisation percentage from 10 to 95').optional(),
    })
    .refine((a) => a.minReplicas <= a.maxReplicas, { path: ['maxReplicas'], message: 'a value >= autoscaling.minReplicas' })
    .optional(),
  /** Outbound TCP ports allowed to the internet (e.g. 5432 for Neon). DNS is always allowed. */
  egressPorts: z.array(port).optional(),
  /**
   * Opting out of the hardened defaults must be explicit and visible: say what and why.
   * runAsRoot also lowers the namespace's Pod Security level to baseline.
   */
  insecure: z
    .strictObject({
      runAsRoot: z.boolean().optional(),
      writableRootFilesystem: z.boolean().optional(),
      reason: z.string().min(10, 'a sentence saying why the app needs it'),
    })
    .optional(),
};

const componentSchema = z.strictObject(componentFields);
export type ComponentSpecInput = z.input<typeof componentSchema>;

const hostSchema = z.string().regex(/^(@|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$/, 'a subdomain label such as `blog`, `@` for the apex, or a full name under the cluster domain');

/** What a database gets when its spec says nothing. */
export const DEFAULT_DATABASE_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } as const;

/** A CloudNativePG Cluster for the app: `database: { size: '5Gi' }`. */
const databaseSchema = z.strictObject({
  /** Storage of each instance (its own volume), e.g. 5Gi. */
  size: memory,
  /** PostgreSQL instances: 1 (default), or a primary and streaming replicas (then a PDB and spread over nodes). */
  instances: z.int('a whole number of instances').min(1, 'from 1 to 3 instances').max(3, 'from 1 to 3 instances').optional(),
  /** Per instance; default DEFAULT_DATABASE_RESOURCES. */
  resources: resourcesSchema,
  /**
   * Restore: a new Cluster bootstrapped from backups, to the newest WAL or to `targetTime`.
   * `from: 'backup'` restores the app's original database (<app>-db); for a later restore, name the
   * Cluster whose backups to use (e.g. `notes-api-db-r2608011000`). See README "Restore".
   */
  restore: z
    .strictObject({
      from: z.string().regex(DNS_LABEL, '"backup" or the name of one of this app\'s database Clusters'),
      targetTime: pointInTime.optional(),
    })
    .optional(),
});

/** Fields of one component; with `components`, they belong inside each component, not beside. */
const COMPONENT_FIELDS = Object.keys(componentFields);

/** Exported for test/apps.test.ts, which checks that the cluster suite's app variants use every field. */
export const appSchema = z
  .strictObject({
    /** Public hosts under the cluster domain (`blog` means blog.<domain>; `@` is the apex). */
    hosts: z.array(hostSchema).optional(),
    /** An internal UI: its hosts answer only the admin CIDRs (config `adminCidrs`), everyone else gets 403. */
    private: z.boolean('true or false').optional(),
    ...componentSchema.partial().shape,
    /** A PostgreSQL database of its own (CloudNativePG), backed up off the cluster; every component gets DATABASE_URL. */
    database: databaseSchema.optional(),
    /** Several components of one app (e.g. `web` at / and `api` at /api) instead of one. */
    components: z.record(z.string().regex(DNS_LABEL, 'a component name that is a DNS label'), componentSchema).optional(),
  })
  .superRefine((spec, ctx) => {
    const single = 'image' in spec && spec.image !== undefined;
    if (single === (spec.components !== undefined)) {
      ctx.addIssue({ code: 'custom', path: single ? ['components'] : ['image'], message: 'either `image` and `port` for one component, or `components`, not both and not neither' });
    }
    if (single && spec.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'the port the container listens on' });
    if (spec.components !== undefined) {
      for (const field of COMPONENT_FIELDS) {
        if ((spec as Record<string, unknown>)[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: `no \`${field}\` beside \`components\`: it would apply to none of them; set it inside each component` });
        }
      }
    }
  });

export type AppSpecInput = z.input<typeof appSchema> & ({ image: string; port: number } | { components: Record<string, ComponentSpecInput> });

export interface ComponentSpec extends z.output<typeof componentSchema> {
  readonly name: string;
  readonly path: string;
  readonly replicas: number;
}

/** A validated database: its Cluster's name, and where a restore reads from. */
export interface DatabaseSpec {
  /** The CloudNativePG Cluster's name (also its backups' server name in the bucket). */
  readonly name: string;
  readonly size: string;
  readonly instances: number;
  readonly resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  readonly restore?: { readonly source: string; readonly targetTime?: string };
}

/** A validated app: name from its file, hosts resolved to FQDNs, components normalised. */
export interface AppSpec {
  readonly name: string;
  readonly file: string;
  readonly hosts: string[];
  /** Only the admin CIDRs reach the hosts (lib/constructs/admin-only.ts). */
  readonly private: boolean;
  readonly components: ComponentSpec[];
  readonly database?: DatabaseSpec;
}

/**
 * The longest database Cluster name: CloudNativePG names its Jobs `<cluster>-<n>-full-recovery`,
 * and a Job's name must fit the 63-character job-name label of its pods.
 */
export const DATABASE_NAME_MAX = 46;

/** `2026-08-01T10:00:00Z` -> `r2608011000`: the suffix of a Cluster restored to that time (UTC minutes). */
export function restoreSuffix(targetTime: string | undefined): string {
  if (targetTime === undefined) return 'rlatest';
  const t = new Date(Date.parse(targetTime)).toISOString();
  return `r${t.slice(2, 4)}${t.slice(5, 7)}${t.slice(8, 10)}${t.slice(11, 13)}${t.slice(14, 16)}`;
}

function normalizeDatabase(app: string, raw: z.output<typeof databaseSchema>, problems: string[]): DatabaseSpec {
  const original = `${app}-db`;
  const restore = raw.restore && { source: raw.restore.from === 'backup' ? original : raw.restore.from, targetTime: raw.restore.targetTime };
  const name = restore ? `${original}-${restoreSuffix(restore.targetTime)}` : original;
  if (restore && restore.source !== original && !restore.source.startsWith(`${original}-r`)) {
    problems.push(`database.restore.from: got ${JSON.stringify(raw.restore!.from)}, expected "backup" or the name of one of this app's database Clusters (${original}, or ${original}-r... after a restore)`);
  } else if (restore && restore.source === name) {
    problems.push(`database.restore.targetTime: got ${JSON.stringify(restore.targetTime ?? '(none)')}, expected a time that gives the restored Cluster a name other than its source ${name}`);
  }
  if (name.length > DATABASE_NAME_MAX) {
    problems.push(`database: got ${JSON.stringify(name)} as the Cluster's name (${name.length} characters), expected at most ${DATABASE_NAME_MAX} (a shorter app name; CloudNativePG's Job names add 17)`);
  }
  const resources = {
    requests: { ...DEFAULT_DATABASE_RESOURCES.requests, ...raw.resources?.requests },
    limits: { ...DEFAULT_DATABASE_RESOURCES.limits, ...raw.resources?.limits },
  };
  for (const kind of ['cpu', 'memory'] as const) {
    const measure = kind === 'cpu' ? cpuMillis : memoryMiB;
    if (measure(resources.requests[kind]) > measure(resources.limits[kind])) {
      const field = raw.resources?.requests?.[kind] === undefined ? `limits.${kind}` : `requests.${kind}`;
      const got = raw.resources?.requests?.[kind] ?? raw.resources?.limits?.[kind];
      problems.push(`database.resources.${field}: got ${JSON.stringify(got)}, expected a request at most the limit (defaults: ${JSON.stringify(DEFAULT_DATABASE_RESOURCES)})`);
    }
  }
  return { name, size: raw.size, instances: raw.instances ?? 1, resources, restore };
}

/** Identity plus type checking for apps/<name>.ts; validation happens when synth loads the file. */
export function defineApp<const T extends AppSpecInput>(spec: T): T {
  return spec;
}

/** A discovered app file and its exports (see scripts/apps-module.mjs). */
export interface AppSource {
  readonly file: string;
  readonly exports: { default?: unknown };
  /** What the file threw while it was loaded, if it did (synth reports it as the file's problem). */
  readonly loadError?: unknown;
}

type ParsedComponent = z.output<typeof componentSchema>;

/**
 * Requests above limits are refused by the API server. A side left out gets DEFAULT_RESOURCES, so
 * `requests.cpu: 1` alone is above the default 500m limit and is refused here, naming the default.
 */
function resourceProblems(c: ParsedComponent, at: (field: string) => string): string[] {
  const measures = { cpu: cpuMillis, memory: memoryMiB } as const;
  return (['cpu', 'memory'] as const).flatMap((kind) => {
    const request = c.resources?.requests?.[kind];
    const limit = c.resources?.limits?.[kind];
    const effectiveRequest = request ?? DEFAULT_RESOURCES.requests[kind];
    const effectiveLimit = limit ?? DEFAULT_RESOURCES.limits[kind];
    if (measures[kind](effectiveRequest) <= measures[kind](effectiveLimit)) return [];
    const field = request === undefined ? `resources.limits.${kind}` : `resources.requests.${kind}`;
    const got = request === undefined ? limit : request;
    const expected =
      request === undefined
        ? `at least the default ${kind} request ${effectiveRequest} (or set resources.requests.${kind} too)`
        : limit === undefined
          ? `at most the default ${kind} limit ${effectiveLimit} (or set resources.limits.${kind} too)`
          : `at most resources.limits.${kind} (${limit})`;
    return [`${at(field)}: got ${JSON.stringify(got)}, expected ${expected}`];
  });
}

/** A component's objects are named after it: the Service name must be a DNS-1035 label (a letter first, at most 63). */
function componentNameProblem(appName: string, componentName: string | undefined): string | undefined {
  const joined = componentName === undefined ? appName : `${appName}-${componentName}`;
  if (DNS_1035_LABEL.test(joined) && joined.length <= LABEL_VALUE_MAX) return undefined;
  const field = componentName === undefined ? 'file name' : `components.${componentName}`;
  return `${field}: got ${JSON.stringify(joined)} as the component's Service name and app.kubernetes.io/name label (${joined.length} characters), expected a DNS-1035 label of at most ${LABEL_VALUE_MAX} characters (a lowercase letter first)`;
}

/** A host as declared (`blog`, `@`, or a full name) to its FQDN; the wildcard certificate covers one level below the domain. */
function resolveHost(host: string, index: number, domain: string): { fqdn: string } | { problem: string } {
  const problem = (expected: string) => ({ problem: `hosts.${index}: got ${JSON.stringify(host)}, expected ${expected}` });
  if (host === '@' || DNS_LABEL.test(host)) return { fqdn: fqdn(host, domain) };
  if (host === domain) return { fqdn: host };
  if (host.endsWith(`.${domain}`)) {
    const sub = host.slice(0, -domain.length - 1);
    if (DNS_LABEL.test(sub)) return { fqdn: host };
    return problem(`a host at most one level below ${domain}, such as blog.${domain} (the wildcard certificate *.${domain} covers one level only)`);
  }
  return problem(`a host under ${domain} (a label such as \`blog\`, \`@\`, or a name ending in .${domain})`);
}

function normalize(name: string, file: string, raw: z.output<typeof appSchema>, cluster: ClusterConfig): AppSpec {
  const { hosts = [], components, private: isPrivate = false, database: rawDatabase, ...single } = raw as z.output<typeof appSchema> & Record<string, unknown>;
  const entries: [string | undefined, ParsedComponent][] = components
    ? Object.entries(components).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : [[undefined, single as ParsedComponent]];
  const problems: string[] = [];
  const normalized = entries.map(([componentName, c]) => {
    const componentPath = componentName === undefined ? '' : `components.${componentName}`;
    const at = (field: string) => [componentPath, field].filter(Boolean).join('.');
    const nameProblem = componentNameProblem(name, componentName);
    if (nameProblem) problems.push(nameProblem);
    if (c.volume && ((c.replicas ?? 1) > 1 || c.autoscaling)) {
      problems.push(`${at('volume')}: got a volume with ${c.autoscaling ? 'autoscaling' : `${c.replicas} replicas`}, expected one replica (the volume is ReadWriteOnce)`);
    }
    if (c.volume?.restore && c.replicas !== 0) {
      problems.push(`${at('replicas')}: got ${c.replicas ?? 1} while volume.restore is set, expected 0 (the restore writes into the volume; remove both lines once it is done)`);
    }
    if (c.volume?.restore && c.volume.noBackup) {
      problems.push(`${at('volume.restore')}: got a restore of a volume with noBackup, expected a volume that has backups`);
    }
    if (c.autoscaling && c.replicas !== undefined && (c.replicas < c.autoscaling.minReplicas || c.replicas > c.autoscaling.maxReplicas)) {
      problems.push(`${at('replicas')}: got ${c.replicas}, expected a value within autoscaling.minReplicas..maxReplicas`);
    }
    problems.push(...resourceProblems(c, at));
    return {
      ...c,
      name: componentName === undefined ? name : `${name}-${componentName}`,
      path: c.path ?? '/',
      replicas: c.replicas ?? c.autoscaling?.minReplicas ?? 1,
    };
  });
  const paths = new Map<string, string>();
  for (const c of normalized) {
    const other = paths.get(c.path);
    if (other) problems.push(`components: ${c.name} and ${other} both route ${c.path}, expected one component per path`);
    paths.set(c.path, c.name);
  }
  const fqdns = hosts.flatMap((h, i) => {
    const resolved = resolveHost(h, i, cluster.domain);
    if ('fqdn' in resolved) return [resolved.fqdn];
    problems.push(resolved.problem);
    return [];
  });
  const duplicate = fqdns.find((h, i) => fqdns.indexOf(h) !== i);
  if (duplicate) problems.push(`hosts: got ${duplicate} twice, expected each host once`);
  if (isPrivate && hosts.length === 0) problems.push('private: got true for an app without hosts, expected hosts to keep private (an app without hosts is not reachable from outside at all)');
  const database = rawDatabase ? normalizeDatabase(name, rawDatabase as z.output<typeof databaseSchema>, problems) : undefined;
  if (problems.length) throw new SpecError(file, problems);
  return { name, file, hosts: fqdns, private: isPrivate as boolean, components: normalized, ...(database ? { database } : {}) };
}

/** Why `name` cannot name an app (its namespace, and its Service when it has one component), or undefined. */
export function appNameProblem(name: string): string | undefined {
  if (!DNS_1035_LABEL.test(name) || name.length > 40) return 'a DNS-1035 label of at most 40 characters (a lowercase letter first, then letters, digits, dashes), since it names the namespace and the Service';
  if (RESERVED_APP_NAMES.has(name)) return `a name not used by a platform namespace (${[...RESERVED_APP_NAMES].join(', ')})`;
  return undefined;
}

function describeExport(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Validates one app file's default export. The app's name is its file name. */
export function parseApp(source: AppSource, cluster: ClusterConfig): AppSpec {
  const name = source.file.replace(/^.*\//, '').replace(/\.ts$/, '');
  const nameProblem = appNameProblem(name);
  if (nameProblem) throw new SpecError(source.file, [`file name: got ${JSON.stringify(name)}, expected ${nameProblem}`]);
  if (source.loadError !== undefined) {
    const error = source.loadError;
    const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split('\n')[0]!.slice(0, 120);
    throw new SpecError(source.file, [`(loading the file): got an error thrown while it loaded (${message}), expected a file that only declares its app`]);
  }
  const spec = source.exports.default;
  if (spec === undefined) {
    throw new SpecError(source.file, ['default export: got nothing, expected `export default defineApp({ ... })`']);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new SpecError(source.file, [`default export: got ${describeExport(spec)}, expected \`export default defineApp({ ... })\` (an object)`]);
  }
  const raw = parseSpec(appSchema, spec, source.file);
  return normalize(name, source.file, raw, cluster);
}

/** Names reserved for platform namespaces; an app may not take them. */
export const RESERVED_APP_NAMES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'traefik', 'cert-manager', 'external-secrets', 'monitoring', 'uptime-kuma', 'reloader', 'cnpg-system', 'volsync-system']);

/** Validates every app, then checks what apps must agree on: unique names and unique hosts. */
export function loadApps(sources: readonly AppSource[], cluster: ClusterConfig, platformHosts: readonly string[] = []): AppSpec[] {
  const apps = sources.map((s) => parseApp(s, cluster));
  const owners = new Map<string, string>(platformHosts.map((h) => [h, 'the platform']));
  for (const app of apps) {
    for (const host of app.hosts) {
      const owner = owners.get(host);
      if (owner) throw new SpecError(app.file, [`hosts: got ${host}, expected a host no other app claims (${owner} already does)`]);
      owners.set(host, app.file);
    }
  }
  return apps;
}
