import { z } from 'zod';
import type { ClusterConfig } from '../config';
import { DNS_1035_LABEL, DNS_LABEL, fqdn, LABEL_VALUE_MAX } from '../names';
import { KUBERNETES_NAMESPACES, PLATFORM_NAMESPACES } from '../platform-contracts';
import { memoryMiB } from '../quantity';
import { parseSpec, SpecError } from '../validation';
import { databaseSchema, normalizeDatabase } from './database';
import { memory } from './fields';
import { MAIN, normalizeComponent, normalizeCronJob, normalizeJob, type Owners, type Where } from './processes';
import type { AppSpec, CacheSpec, ComponentSpec, CronJobSpec, JobSpec } from './types';
import { componentFields, componentSchema, cronJobSchema, jobSchema, type ComponentInput } from './workload';
import { appReferenceProblems } from './references';
import { appBoundProblems } from './bounds';
import { loginGroups, loginSchema } from './login';
import { normalizeTailnet, refuseTailnetCollisions, tailnetSchema } from './tailnet';

/*
 * The declaration an apps/<name>.ts file exports, parsed strictly (an unknown field is an error),
 * then normalised into an AppSpec that the constructs turn into hardened workloads.
 */

const processName = (what: string) => z.string().regex(DNS_LABEL, `a ${what} name that is a DNS label`);

/** Fields of one component; with `components`, they belong inside each component, not beside. */
const COMPONENT_FIELDS = Object.keys(componentFields);

const cacheSchema = z.strictObject({
  /** Memory the cache may hold (its limit; Valkey uses 80 % of it for data). Default 64Mi. */
  memory: memory.optional(),
  /**
   * Evict the least recently used keys when full (a pure cache). Default false: a full cache refuses
   * writes instead, since apps keep job queues in it (Celery, Bull) and an evicted key is a lost job.
   */
  evict: z.boolean('true or false').optional(),
  /** Keep the cache on a volume across restarts (append-only file); a cache is never backed up. */
  persistence: z.strictObject({ size: memory }).optional(),
});

/** What the app's Ingress lets through: uploads. */
const httpSchema = z.strictObject({
  /** The largest request body Traefik passes on (an upload); a larger one gets 413. Without it, no limit here. */
  maxBodySize: memory.optional(),
  /**
   * How long a request (an upload) may take to arrive. Traefik's entry point waits 60 s by default;
   * it waits as long as the slowest app asks, for every app (one entry point serves them all).
   */
  requestTimeoutSeconds: z.int('a whole number of seconds').min(60, 'from 60 to 3600 seconds (60 is the default)').max(3600, 'from 60 to 3600 seconds').optional(),
});

const hostSchema = z.string().regex(/^(@|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$/, 'a subdomain label such as `blog`, `@` for the apex, or a full name under the cluster domain');

/** Exported for test/apps.test.ts, which checks that the cluster suite's app variants use every field. */
export const appSchema = z
  .strictObject({
    /** Public hosts under the cluster domain (`blog` means blog.<domain>; `@` is the apex). */
    hosts: z.array(hostSchema).optional(),
    /** An internal UI: its hosts answer only the admin CIDRs (config `adminCidrs`), everyone else gets 403. */
    private: z.boolean('true or false').optional(),
    /** Behind the sign-in at the edge (GitHub): only members of these orgs or teams get in; the app reads who in X-Auth-Request-User. */
    login: loginSchema.optional(),
    /** Served only on the tailnet, at https://<app>.<tailnet> (`{ machine: 'name' }` names the device otherwise): no public host at all. */
    tailnet: tailnetSchema.optional(),
    ...componentSchema.partial().shape,
    /** Several components of one app (e.g. `web` at / and `api` at /api, a worker, an internal service) instead of one. */
    components: z.record(processName('component'), componentSchema).optional(),
    /** One-off jobs (migrations, installers) that run before the app's components roll out. */
    jobs: z.record(processName('job'), jobSchema).optional(),
    /** Jobs on a schedule. */
    cronJobs: z.record(processName('cron job'), cronJobSchema).optional(),
    /** An internal Valkey (Redis-compatible) for the app; processes read its address through `cacheEnv`. */
    cache: cacheSchema.optional(),
    /** Request body size and timeouts of the app's hosts. */
    http: httpSchema.optional(),
    /** A PostgreSQL database of its own (CloudNativePG), backed up off the cluster; processes read it through `databaseEnv`. */
    database: databaseSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const single = 'image' in spec && spec.image !== undefined;
    const jobsOnly = !single && spec.components === undefined && (spec.cronJobs !== undefined || spec.jobs !== undefined);
    if (single === (spec.components !== undefined) && !jobsOnly) {
      ctx.addIssue({ code: 'custom', path: single ? ['components'] : ['image'], message: 'either `image` (and `port` unless it is a worker) for one component, or `components`, not both and not neither (or only `jobs` and `cronJobs`)' });
    }
    if (spec.components !== undefined) {
      for (const field of COMPONENT_FIELDS) {
        if ((spec as Record<string, unknown>)[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: `no \`${field}\` beside \`components\`: it would apply to none of them; set it inside each component` });
        }
      }
    }
  });

type AppInput = z.output<typeof appSchema>;
export type AppSpecInput = z.input<typeof appSchema> & ({ image: string } | { components: Record<string, z.input<typeof componentSchema>> });

/** Identity plus type checking for apps/<name>.ts; validation happens when synth loads the file. */
export function defineApp<const T extends AppSpecInput>(spec: T): T {
  return spec;
}

/** Names of the platform's and Kubernetes' namespaces (lib/platform-contracts.ts); an app may not take them, nor any `kube-` name. */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([...Object.values(PLATFORM_NAMESPACES), ...KUBERNETES_NAMESPACES]);

/** Why `name` cannot name an app (its namespace, and its Service when it has one component), or undefined. */
export function appNameProblem(name: string): string | undefined {
  if (!DNS_1035_LABEL.test(name) || name.length > 40) return 'a DNS-1035 label of at most 40 characters (a lowercase letter first, then letters, digits, dashes), since it names the namespace and the Service';
  if (RESERVED_APP_NAMES.has(name) || name.startsWith('kube-')) {
    return `a name not used by a platform namespace (an app's namespace is its name; reserved: ${[...RESERVED_APP_NAMES].join(', ')} and every kube- name)`;
  }
  return undefined;
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

const byName = <T>(record: Record<string, T> | undefined): [string, T][] => Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function normalize(name: string, file: string, raw: AppInput, cluster: ClusterConfig, folder: string | undefined): AppSpec {
  const { hosts = [], components, jobs, cronJobs, cache: rawCache, http, private: isPrivate = false, login: rawLogin, tailnet: rawTailnet, database: rawDatabase, ...single } = raw;
  const problems: string[] = [];
  const declared: [Where, ComponentInput][] = components
    ? byName(components).map(([short, c]) => [{ app: name, field: `components.${short}`, short, folder }, c])
    : single.image === undefined
      ? [] // an app of jobs and cron jobs only
      : [[{ app: name, field: '', folder }, single as ComponentInput]];
  // Volumes a component owns, by its short name, for `from` (the single component is `main`).
  const owners: Owners = new Map(declared.map(([w, c]) => [w.short ?? MAIN, { name: w.short === undefined ? name : `${name}-${w.short}`, volumes: c.volume ? { data: c.volume } : (c.volumes ?? {}) }]));
  const normalizedComponents: ComponentSpec[] = declared.map(([w, c]) => normalizeComponent(w, c, owners, problems));
  const normalizedJobs: JobSpec[] = byName(jobs).map(([short, j]) => normalizeJob({ app: name, field: `jobs.${short}`, short, folder }, j, owners, problems));
  const normalizedCronJobs: CronJobSpec[] = byName(cronJobs).map(([short, j]) => normalizeCronJob({ app: name, field: `cronJobs.${short}`, short, folder }, j, owners, problems));

  const fqdns = hosts.flatMap((h, i) => {
    const resolved = resolveHost(h, i, cluster.domain);
    if ('fqdn' in resolved) return [resolved.fqdn];
    problems.push(resolved.problem);
    return [];
  });
  const duplicate = fqdns.find((h, i) => fqdns.indexOf(h) !== i);
  if (duplicate) problems.push(`hosts: got ${duplicate} twice, expected each host once`);
  // A tailnet-only app names what it cannot go with; the rest are about an app without hosts.
  const tailnet = rawTailnet === undefined || rawTailnet === false ? undefined : normalizeTailnet(name, rawTailnet, { hosts, private: isPrivate, login: !!rawLogin, http: !!http, components: normalizedComponents }, problems);
  if (http && hosts.length === 0 && !tailnet) problems.push('http: got HTTP settings for an app without hosts, expected hosts whose requests they shape');
  if (isPrivate && hosts.length === 0 && !tailnet) problems.push('private: got true for an app without hosts, expected hosts to keep private (an app without hosts is not reachable from outside at all)');
  if (rawLogin && hosts.length === 0 && !tailnet) problems.push('login: got a login for an app without hosts, expected hosts to put behind it (an app without hosts is not reachable from outside at all)');
  const login = rawLogin ? loginGroups(rawLogin) : undefined;
  const cache: CacheSpec | undefined = rawCache && { name: `${name}-cache`, memory: rawCache.memory ?? '64Mi', evict: rawCache.evict ?? false, ...(rawCache.persistence ? { persistence: rawCache.persistence } : {}) };
  const database = rawDatabase ? normalizeDatabase(name, rawDatabase, problems, cluster.backups) : undefined;
  if (cluster.backups.recover) {
    // Recover mode brings every volume back; a restore of one on top would write it twice.
    for (const [w, c] of declared) {
      const restores = c.volume?.restore ? ['volume'] : Object.entries(c.volumes ?? {}).filter(([, v]) => v.restore).map(([n]) => `volumes.${n}`);
      for (const field of restores) {
        problems.push(`${w.field ? `${w.field}.` : ''}${field}.restore: got a volume restore while backups.recover is on in config/cluster.ts, expected none (recover mode brings every volume back from its newest snapshot: remove the line, and set replicas back)`);
      }
    }
  }
  const app: AppSpec = { name, file, hosts: fqdns, private: isPrivate, ...(login ? { login } : {}), ...(tailnet ? { tailnet } : {}), ...(http ? { http: { maxBodyBytes: http.maxBodySize === undefined ? undefined : memoryMiB(http.maxBodySize) * 1048576, requestTimeoutSeconds: http.requestTimeoutSeconds } } : {}), components: normalizedComponents, jobs: normalizedJobs, cronJobs: normalizedCronJobs, ...(cache ? { cache } : {}), ...(database ? { database } : {}) };
  problems.push(...appReferenceProblems(app, LABEL_VALUE_MAX), ...appBoundProblems(app, cluster.nodePool.size));
  if (problems.length) throw new SpecError(file, problems);
  return app;
}

function describeExport(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A discovered app file and its exports (see scripts/apps-module.mjs). */
export interface AppSource {
  readonly file: string;
  readonly exports: { default?: unknown };
  /** What the file threw while it was loaded, if it did (synth reports it as the file's problem). */
  readonly loadError?: unknown;
  /** The folder the app file is in, relative to where synth runs: its files are in `<dir>/<name>/`. */
  readonly dir?: string;
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
  return normalize(name, source.file, raw, cluster, source.dir === undefined ? undefined : `${source.dir}/${name}`);
}

/** Validates every app, then checks what apps must agree on: unique names, hosts and machine names on the tailnet. */
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
  refuseTailnetCollisions(apps, cluster);
  return apps;
}
