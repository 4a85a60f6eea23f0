import { z } from 'zod';
import type { ClusterConfig } from './config';
import { DNS_LABEL, fqdn } from './names';
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

const quantity = (what: string) => z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$/, what);
const cpu = quantity('a CPU quantity such as 100m or 1');
const memory = quantity('a memory quantity such as 128Mi or 1Gi');
const port = z.int('a whole port number').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names that hold credentials; their values must come from Infisical. */
const SECRET_LIKE = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|DATABASE_URL|DSN)$/i;

const componentFields = {
  /** Repository plus pinned tag or digest, e.g. ghcr.io/me/app:1.2.3. */
  image,
  /** Port the container listens on; the Service and Ingress route to it. */
  port,
  /** Path prefix routed to this component on the app's hosts (default `/`). */
  path: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'a path prefix such as / or /api').optional(),
  /** Fixed replica count; with `autoscaling` it is the starting count. Default 1. */
  replicas: z.int('a whole number of replicas').min(0, 'zero or more replicas').max(50, 'at most 50 replicas').optional(),
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
      limits: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
    })
    .optional(),
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
  volume: z.strictObject({ mountPath: z.string().regex(/^\/[A-Za-z0-9._\/-]+$/, 'an absolute path such as /data'), size: memory }).optional(),
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

const appSchema = z
  .strictObject({
    /** Public hosts under the cluster domain (`blog` means blog.<domain>; `@` is the apex). */
    hosts: z.array(hostSchema).optional(),
    ...componentSchema.partial().shape,
    /** Several components of one app (e.g. `web` at / and `api` at /api) instead of one. */
    components: z.record(z.string().regex(DNS_LABEL, 'a component name that is a DNS label'), componentSchema).optional(),
  })
  .superRefine((spec, ctx) => {
    const single = 'image' in spec && spec.image !== undefined;
    if (single === (spec.components !== undefined)) {
      ctx.addIssue({ code: 'custom', path: single ? ['components'] : ['image'], message: 'either `image` and `port` for one component, or `components`, not both and not neither' });
    }
    if (single && spec.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'the port the container listens on' });
  });

export type AppSpecInput = z.input<typeof appSchema> & ({ image: string; port: number } | { components: Record<string, ComponentSpecInput> });

export interface ComponentSpec extends z.output<typeof componentSchema> {
  readonly name: string;
  readonly path: string;
  readonly replicas: number;
}

/** A validated app: name from its file, hosts resolved to FQDNs, components normalised. */
export interface AppSpec {
  readonly name: string;
  readonly file: string;
  readonly hosts: string[];
  readonly components: ComponentSpec[];
}

/** Identity plus type checking for apps/<name>.ts; validation happens when synth loads the file. */
export function defineApp<const T extends AppSpecInput>(spec: T): T {
  return spec;
}

/** A discovered app file and its exports (see scripts/apps-module.mjs). */
export interface AppSource {
  readonly file: string;
  readonly exports: { default?: unknown };
}

function normalize(name: string, file: string, raw: z.output<typeof appSchema>, cluster: ClusterConfig): AppSpec {
  const { hosts = [], components, ...single } = raw as z.output<typeof appSchema> & Record<string, unknown>;
  const entries: [string, z.output<typeof componentSchema>][] = components
    ? Object.entries(components).sort(([a], [b]) => a.localeCompare(b))
    : [[name, single as z.output<typeof componentSchema>]];
  const normalized = entries.map(([componentName, c]) => {
    const componentPath = components ? `components.${componentName}` : '';
    const at = (field: string) => [componentPath, field].filter(Boolean).join('.');
    const problems: string[] = [];
    if (c.volume && ((c.replicas ?? 1) > 1 || c.autoscaling)) {
      problems.push(`${at('volume')}: got a volume with ${c.autoscaling ? 'autoscaling' : `${c.replicas} replicas`}, expected one replica (the volume is ReadWriteOnce)`);
    }
    if (c.autoscaling && c.replicas !== undefined && (c.replicas < c.autoscaling.minReplicas || c.replicas > c.autoscaling.maxReplicas)) {
      problems.push(`${at('replicas')}: got ${c.replicas}, expected a value within autoscaling.minReplicas..maxReplicas`);
    }
    if (problems.length) throw new SpecError(file, problems);
    return {
      ...c,
      name: components ? `${name}-${componentName}` : name,
      path: c.path ?? '/',
      replicas: c.replicas ?? c.autoscaling?.minReplicas ?? 1,
    };
  });
  const paths = new Map<string, string>();
  for (const c of normalized) {
    const other = paths.get(c.path);
    if (other) throw new SpecError(file, [`components: ${c.name} and ${other} both route ${c.path}, expected one component per path`]);
    paths.set(c.path, c.name);
  }
  const fqdns = hosts.map((h, i) => {
    if (h === '@' || DNS_LABEL.test(h)) return fqdn(h, cluster.domain);
    if (h === cluster.domain || h.endsWith(`.${cluster.domain}`)) return h;
    throw new SpecError(file, [`hosts.${i}: got ${JSON.stringify(h)}, expected a host under ${cluster.domain} (a label such as \`blog\`, \`@\`, or a name ending in .${cluster.domain})`]);
  });
  const duplicate = fqdns.find((h, i) => fqdns.indexOf(h) !== i);
  if (duplicate) throw new SpecError(file, [`hosts: got ${duplicate} twice, expected each host once`]);
  return { name, file, hosts: fqdns, components: normalized };
}

/** Validates one app file's default export. The app's name is its file name. */
export function parseApp(source: AppSource, cluster: ClusterConfig): AppSpec {
  const name = source.file.replace(/^.*\//, '').replace(/\.ts$/, '');
  if (!DNS_LABEL.test(name) || name.length > 40) {
    throw new SpecError(source.file, [`file name: got ${JSON.stringify(name)}, expected a DNS label of at most 40 characters (lowercase letters, digits, dashes), since it names the namespace`]);
  }
  if (RESERVED_APP_NAMES.has(name)) {
    throw new SpecError(source.file, [`file name: got ${JSON.stringify(name)}, expected a name not used by a platform namespace (${[...RESERVED_APP_NAMES].join(', ')})`]);
  }
  if (source.exports.default === undefined) {
    throw new SpecError(source.file, ['default export: got nothing, expected `export default defineApp({ ... })`']);
  }
  const raw = parseSpec(appSchema, source.exports.default, source.file);
  return normalize(name, source.file, raw, cluster);
}

/** Names reserved for platform namespaces; an app may not take them. */
export const RESERVED_APP_NAMES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'traefik', 'cert-manager', 'external-secrets', 'monitoring', 'uptime-kuma', 'reloader']);

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
