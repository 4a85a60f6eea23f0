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
