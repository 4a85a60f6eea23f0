/*
 * Names that platform components and apps agree on. They live in the library, so apps' constructs
 * and the charts both read them from here and the library never imports a chart.
 */

/**
 * Every namespace the platform's charts create, declared once: the charts name their namespaces
 * from here, and an app may not take any of them (lib/spec/app.ts), since its namespace is its name.
 */
export const PLATFORM_NAMESPACES = {
  certManager: 'cert-manager',
  cloudnativePg: 'cnpg-system',
  externalSecrets: 'external-secrets',
  monitoring: 'monitoring',
  reloader: 'reloader',
  restoreDrills: 'restore-drills',
  signIn: 'sign-in',
  tailscale: 'tailscale',
  traefik: 'traefik',
  uptimeKuma: 'uptime-kuma',
  volsync: 'volsync-system',
} as const;

/** Namespaces Kubernetes itself owns (and any `kube-` name, which Kubernetes reserves). */
export const KUBERNETES_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** The namespace Traefik runs in: app NetworkPolicies admit ingress traffic from it. */
export const TRAEFIK_NAMESPACE = PLATFORM_NAMESPACES.traefik;

/** Secret of the wildcard certificate (issued by CertManagerChart): Traefik's default certificate. */
export const WILDCARD_CERT_SECRET = 'wildcard-tls';

/** Annotation on a Deployment that has Reloader roll it when the named Secrets change (set by AppChart). */
export const RELOAD_ON_SECRET = 'secret.reloader.stakater.com/reload';

/**
 * The ports of Traefik's entry points on its pods (the chart's `ports.web.port` and
 * `ports.websecure.port`, left at their defaults): what a NetworkPolicy sees of traffic to 80 and 443.
 */
export const TRAEFIK_ENTRYPOINT_PORTS = { web: 8000, websecure: 8443 } as const;

/**
 * On the ConfigMap of the restore drills' throwaway database Clusters (lib/constructs/drill-database.ts),
 * one manifest per key: the runner creates them, and the capacity report counts the largest.
 */
export const DRILL_CLUSTERS_LABEL = 'hobby-infra.dev/restore-drill-clusters';

/**
 * The sign-in at the edge (charts/sign-in.ts): oauth2-proxy's Service in its namespace, which each
 * login's ForwardAuth middleware (lib/constructs/login.ts) calls, and the headers it answers with
 * that Traefik copies into the request to the app (replacing any the client sent).
 */
export const SIGN_IN = {
  namespace: PLATFORM_NAMESPACES.signIn,
  service: 'oauth2-proxy',
  port: 4180,
  userHeaders: ['X-Auth-Request-User', 'X-Auth-Request-Email'],
  /**
   * The same headers under every alias a backend may read them by: CGI, WSGI, PHP and NGINX turn
   * each character but letters and digits into `_`, so `X.Auth.Request.User` would be the user too
   * (Go, and so Traefik, tell the names apart). Traefik deletes every request header this matches
   * and copies only the sign-in's answers that match it (ForwardAuth `authResponseHeadersRegex`).
   */
  userHeadersRegex: '(?i)^X[^A-Za-z0-9]Auth[^A-Za-z0-9]Request[^A-Za-z0-9](User|Email)$',
} as const;

/**
 * Tailnet-only apps (lib/constructs/tailnet-ingress.ts, charts/tailscale.ts): the Tailscale operator
 * serves an Ingress of its class through a proxy pod it starts in its own namespace, labelled with
 * the Ingress it serves (the operator's `childResourceLabels`), and shaped by the ProxyClass the
 * Ingress names so that it passes the namespace's restricted Pod Security.
 */
export const TAILNET_INGRESS = {
  namespace: PLATFORM_NAMESPACES.tailscale,
  className: 'tailscale',
  proxyClass: 'restricted',
  /** The label by which an Ingress names its ProxyClass. */
  proxyClassLabel: 'tailscale.com/proxy-class',
  /** Labels the operator puts on every proxy pod; plus the Ingress's name and namespace (`proxyOf`). */
  proxyLabels: { 'tailscale.com/managed': 'true', 'tailscale.com/parent-resource-type': 'ingress' },
  /** The proxy pod that serves one Ingress. */
  proxyOf: (namespace: string, name: string) => ({ ...TAILNET_INGRESS.proxyLabels, 'tailscale.com/parent-resource': name, 'tailscale.com/parent-resource-ns': namespace }),
} as const;
