import { SIGN_IN } from '../platform-contracts';
import type { Manifest } from '../render';
import type { SmokeResult } from '../report/deploy-report';
import { objectKey, type DistObject } from './manifests';
import { AdminOnly } from '../constructs/admin-only';
import { LoginGate } from '../constructs/login';

/*
 * What `npm run smoke` requests, read from dist/ alone: every host an Ingress (or a Traefik
 * IngressRoute) routes, at the path its app says it is healthy on, with what a request from outside
 * the admin networks, without a session, must get back. Pure functions over the rendered objects.
 */

export type SmokeExpect = SmokeResult['expect'];

export interface SmokeTarget {
  /** The public name, as dist/ routes it. */
  readonly host: string;
  /** `/healthz`: the backend's readiness path when the route reaches it, else the route's own path (`/` mostly). */
  readonly path: string;
  readonly expect: SmokeExpect;
  /** Whether `path` is the backend's readiness probe path: then only a 2xx is healthy, not a redirect. */
  readonly health: boolean;
  /** What routes it: `Ingress site/site`. */
  readonly source: string;
  /** For `login`: where the sign-in sends GitHub's answer (oauth2-proxy's `--redirect-url` in dist/), when dist/ renders the sign-in. */
  readonly signInCallback?: string;
}

/** One path of one host, as Traefik routes it: the backend Service and the middlewares in front. */
interface Route {
  readonly host: string;
  readonly path: string;
  /** `Prefix` and `Exact` as Kubernetes defines them; `String` for Traefik's PathPrefix and ImplementationSpecific (a plain string prefix). */
  readonly match: 'Prefix' | 'Exact' | 'String';
  readonly namespace: string;
  readonly service: { readonly name: string; readonly port: number | string } | undefined;
  /** The first gate of the middleware chain that decides what an outsider gets. */
  readonly expect: SmokeExpect;
  /** For a login: the sign-in (its Service in the sign-in namespace) its ForwardAuth asks; false when it asks something else. */
  readonly signIn?: string | false;
  readonly source: string;
}

type Obj = Record<string, any>;
const MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';
const ENTRYPOINTS_ANNOTATION = 'traefik.ingress.kubernetes.io/router.entrypoints';
/** Whether a router listens on HTTPS: Traefik's default is every entry point; else `websecure` must be among them. */
const onHttps = (entryPoints: readonly string[]) => entryPoints.length === 0 || entryPoints.includes('websecure');
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const isTraefik = (m: Manifest) => /^traefik\.(io|containo\.us)\//.test(m.apiVersion);

/** What a Middleware does to an outsider: an IP allow-list answers 403, a ForwardAuth sends to the sign-in. */
function gateOf(middleware: Obj | undefined, name: string): SmokeExpect | undefined {
  const spec = middleware?.spec ?? {};
  if (spec.ipAllowList || spec.ipWhiteList) return 'private';
  if (spec.forwardAuth) return 'login';
  if (middleware) return undefined;
  // Not in dist/ (another namespace's, or a chart's): the platform's own names (lib/constructs/admin-only.ts, login.ts).
  if (name === AdminOnly.NAME || name.endsWith(`-${AdminOnly.NAME}`)) return 'private';
  if (name === LoginGate.NAME || name.endsWith(`-${LoginGate.NAME}`)) return 'login';
  return undefined;
}

/** What the first gate of a middleware chain makes an outsider get; `public` without one. */
function expectOf(gates: readonly (SmokeExpect | undefined)[]): SmokeExpect {
  return gates.find((g) => g !== undefined) ?? 'public';
}

/**
 * The sign-in a chain's ForwardAuth in dist/ asks, by its Service in the sign-in namespace
 * (lib/constructs/login.ts `signInAddress`); false for one that asks something else; nothing when
 * dist/ holds no ForwardAuth of the chain (a gate known by name only: the shared sign-in's).
 */
function signInOf(middlewares: readonly (Obj | undefined)[]): { signIn: string | false } | Record<string, never> {
  const forwardAuth = middlewares.find((m) => m?.spec?.forwardAuth)?.spec.forwardAuth;
  if (!forwardAuth) return {};
  // The host of `http://<service>.<namespace>.svc...:<port>/...` (no URL.parse on Node 20).
  const host = typeof forwardAuth.address === 'string' ? /^[a-z]+:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(forwardAuth.address)?.[1]?.toLowerCase() : undefined;
  const [service, namespace] = host?.split('.') ?? [];
  return { signIn: service && namespace === SIGN_IN.namespace ? service : false };
}

/** Traefik's class, or none (Traefik's chart makes its class the default): any other class is another controller's. */
const isTraefikIngress = (m: Obj) => m.spec?.ingressClassName === undefined || m.spec.ingressClassName === 'traefik';

function ingressRoutes(m: Obj, middlewares: ReadonlyMap<string, Obj>): Route[] {
  const namespace: string = m.metadata.namespace ?? 'default';
  const source = `Ingress ${namespace}/${m.metadata.name}`;
  // Not Traefik's (the Tailscale operator's, for a tailnet-only app): not on a public host, and the CI runner reaches only those.
  if (!isTraefikIngress(m)) return [];
  if (!onHttps(String(m.metadata.annotations?.[ENTRYPOINTS_ANNOTATION] ?? '').split(',').map((e) => e.trim()).filter(Boolean))) return [];
  // `<namespace>-<name>@kubernetescrd`, in the order Traefik runs them.
  const references = String(m.metadata.annotations?.[MIDDLEWARES_ANNOTATION] ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  const crds = references.map((r) => /^(.+)@kubernetescrd$/.exec(r)?.[1]);
  const expect = expectOf(crds.map((crd) => (crd === undefined ? undefined : gateOf(middlewares.get(crd), crd))));
  const signIn = signInOf(crds.map((crd) => (crd === undefined ? undefined : middlewares.get(crd))));
  const routes: Route[] = [];
  for (const rule of (m.spec?.rules ?? []) as Obj[]) {
    if (typeof rule.host !== 'string' || !rule.host || rule.host.includes('*')) continue;
    for (const p of (rule.http?.paths ?? []) as Obj[]) {
      const backend = p.backend?.service;
      routes.push({
        host: rule.host.toLowerCase(),
        path: typeof p.path === 'string' && p.path ? p.path : '/',
        match: p.pathType === 'Exact' ? 'Exact' : p.pathType === 'Prefix' ? 'Prefix' : 'String',
        namespace,
        service: backend?.name ? { name: backend.name, port: backend.port?.number ?? backend.port?.name } : undefined,
        expect,
        ...signIn,
        source,
      });
    }
  }
  return routes;
}

/** The arguments of each `Name(`a`, `b`)` in a Traefik rule. */
const ruleArgs = (rule: string, name: string) =>
  [...rule.matchAll(new RegExp(`\\b${name}\\(([^)]*)\\)`, 'g'))].flatMap((m) => [...m[1]!.matchAll(/`([^`]*)`|"([^"]*)"/g)].map((a) => a[1] ?? a[2]!));

function ingressRouteRoutes(m: Obj, middlewares: ReadonlyMap<string, Obj>): Route[] {
  const namespace: string = m.metadata.namespace ?? 'default';
  const source = `IngressRoute ${namespace}/${m.metadata.name}`;
  if (!onHttps((m.spec?.entryPoints ?? []) as string[])) return [];
  const routes: Route[] = [];
  for (const r of (m.spec?.routes ?? []) as Obj[]) {
    const rule = String(r.match ?? '');
    const exact = ruleArgs(rule, 'Path')[0];
    const path = exact ?? ruleArgs(rule, 'PathPrefix')[0] ?? '/';
    const keys = ((r.middlewares ?? []) as Obj[]).map((mw) => `${mw.namespace ?? namespace}-${mw.name}`);
    const expect = expectOf(keys.map((key) => gateOf(middlewares.get(key), key)));
    const signIn = signInOf(keys.map((key) => middlewares.get(key)));
    const service = ((r.services ?? []) as Obj[]).find((s) => !s.kind || s.kind === 'Service');
    for (const host of ruleArgs(rule, 'Host')) {
      if (!host || host.includes('*')) continue;
      routes.push({
        host: host.toLowerCase(),
        path,
        match: exact !== undefined ? 'Exact' : 'String',
        namespace: service?.namespace ?? namespace,
        service: service?.name ? { name: service.name, port: service.port } : undefined,
        expect,
        ...signIn,
        source,
      });
    }
  }
  return routes;
}

/** Whether `route` routes `path`, and how specific it is (Traefik prefers the longer path; an exact one at a tie). */
function matchLength(route: Route, path: string): number {
  const p = route.path;
  if (route.match === 'Exact') return path === p ? p.length + 0.5 : -1;
  if (route.match === 'String') return path.startsWith(p) ? p.length : -1;
  // Kubernetes' Prefix: whole `/`-separated elements.
  const base = p.endsWith('/') ? p.slice(0, -1) : p;
  return path === base || path.startsWith(`${base}/`) || base === '' ? p.length : -1;
}

/** The route of `routes` (all one host's) that a request for `path` takes. */
function winner(routes: readonly Route[], path: string): Route | undefined {
  let best: Route | undefined;
  let bestLength = -1;
  for (const route of routes) {
    const length = matchLength(route, path);
    if (length > bestLength) [best, bestLength] = [route, length];
  }
  return best;
}

const byKey = (objects: ReadonlyMap<string, DistObject>, apiVersion: string, kind: string, namespace: string, name: string) =>
  objects.get(objectKey({ apiVersion, kind, metadata: { namespace, name } }))?.manifest as Obj | undefined;

/**
 * The readiness path of the pods behind a Service port: the Service's selector, the workload in
 * dist/ whose pod labels match it, the container that serves the port the Service targets, and its
 * readinessProbe's httpGet path when the probe asks that same port (a probe on another port says
 * nothing about what the route reaches). Undefined for a chart's workload (not in dist/).
 */
function readinessPath(objects: ReadonlyMap<string, DistObject>, workloads: readonly Obj[], namespace: string, service: NonNullable<Route['service']>): string | undefined {
  const svc = byKey(objects, 'v1', 'Service', namespace, service.name);
  const port = ((svc?.spec?.ports ?? []) as Obj[]).find((p) => p.port === service.port || (p.name !== undefined && p.name === service.port));
  const selector: Obj | undefined = svc?.spec?.selector;
  if (!port || !selector || !Object.keys(selector).length) return undefined;
  const target: number | string = port.targetPort ?? port.port;
  for (const w of workloads) {
    const labels: Obj = w.spec?.template?.metadata?.labels ?? {};
    if ((w.metadata.namespace ?? 'default') !== namespace || !Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    for (const c of (w.spec?.template?.spec?.containers ?? []) as Obj[]) {
      const numberOf = (p: number | string | undefined) => (typeof p === 'string' ? ((c.ports ?? []) as Obj[]).find((cp) => cp.name === p)?.containerPort : p);
      const containerPort = numberOf(target);
      const probe = c.readinessProbe?.httpGet;
      if (containerPort === undefined || !probe || numberOf(probe.port) !== containerPort) continue;
      return typeof probe.path === 'string' && probe.path ? probe.path : '/';
    }
  }
  return undefined;
}

/** A sign-in's `--redirect-url` in dist/ (the shared one's, or a login's own): the callback its redirects to GitHub name. */
function signInCallbackOf(objects: ReadonlyMap<string, DistObject>, service: string): string | undefined {
  const deployment = byKey(objects, 'apps/v1', 'Deployment', SIGN_IN.namespace, service);
  const args = ((deployment?.spec?.template?.spec?.containers ?? []) as Obj[]).flatMap((c) => (c.args ?? []) as string[]);
  return args.find((a) => a.startsWith('--redirect-url='))?.slice('--redirect-url='.length);
}

/**
 * Every host dist/ routes, once per backend it routes to (`shop.example.org/api/health` and
 * `shop.example.org/` when /api goes to an API and the rest to a web server; the status host's
 * public status pages and its signed-in admin UI), sorted by host and path.
 */
export function smokeTargets(objects: ReadonlyMap<string, DistObject>): SmokeTarget[] {
  const manifests = [...objects.values()].map((o) => o.manifest as Obj);
  const middlewares = new Map(manifests.filter((m) => m.kind === 'Middleware' && isTraefik(m as Manifest)).map((m) => [`${m.metadata.namespace ?? 'default'}-${m.metadata.name}`, m]));
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.has(m.kind) && m.apiVersion === 'apps/v1');
  const routes = manifests.flatMap((m) =>
    m.kind === 'Ingress' && m.apiVersion.startsWith('networking.k8s.io/') ? ingressRoutes(m, middlewares) : m.kind === 'IngressRoute' && isTraefik(m as Manifest) ? ingressRouteRoutes(m, middlewares) : [],
  );
  const byHost = new Map<string, Route[]>();
  for (const r of routes) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);

  const targets = new Map<string, SmokeTarget>();
  for (const [host, hostRoutes] of byHost) {
    const seen = new Set<string>();
    for (const route of hostRoutes) {
      const backend = `${route.source} ${route.namespace}/${route.service?.name}:${route.service?.port}`;
      if (seen.has(backend)) continue;
      seen.add(backend);
      const probePath = route.service && readinessPath(objects, workloads, route.namespace, route.service);
      // The readiness path only where a request for it reaches this backend; else the route's own path.
      const health = probePath !== undefined && winner(hostRoutes, probePath) === route;
      const path = health ? probePath! : route.path.startsWith('/') ? route.path : `/${route.path}`;
      const taken = winner(hostRoutes, path) ?? route;
      const key = `${host}${path}`;
      if (targets.has(key)) continue;
      // The sign-in's own host answers as a login does: no session, so off to GitHub, naming its callback.
      const isSignIn = taken.namespace === SIGN_IN.namespace && taken.service !== undefined && signInCallbackOf(objects, taken.service.name) !== undefined;
      const expect = isSignIn ? 'login' : taken.expect;
      const asked = isSignIn ? taken.service!.name : (taken.signIn ?? SIGN_IN.service);
      const signInCallback = expect === 'login' && asked !== false ? signInCallbackOf(objects, asked) : undefined;
      targets.set(key, {
        host,
        path,
        expect,
        health,
        source: taken.source,
        ...(signInCallback ? { signInCallback } : {}),
      });
    }
  }
  return [...targets.values()].sort((a, b) => (a.host === b.host ? a.path.localeCompare(b.path) : a.host.localeCompare(b.host)));
}
