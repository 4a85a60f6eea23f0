/*
 * Names that platform components and apps agree on. They live in the library, so apps' constructs
 * and the charts both read them from here and the library never imports a chart.
 */

/** The namespace Traefik runs in: app NetworkPolicies admit ingress traffic from it. */
export const TRAEFIK_NAMESPACE = 'traefik';

/** Secret of the wildcard certificate (issued by CertManagerChart): Traefik's default certificate. */
export const WILDCARD_CERT_SECRET = 'wildcard-tls';

/** Annotation on a Deployment that has Reloader roll it when the named Secrets change (set by AppChart). */
export const RELOAD_ON_SECRET = 'secret.reloader.stakater.com/reload';

/**
 * The ports of Traefik's entry points on its pods (the chart's `ports.web.port` and
 * `ports.websecure.port`, left at their defaults): what a NetworkPolicy sees of traffic to 80 and 443.
 */
export const TRAEFIK_ENTRYPOINT_PORTS = { web: 8000, websecure: 8443 } as const;
