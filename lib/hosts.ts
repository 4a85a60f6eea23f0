import type { AppSpec } from './app-spec';
import type { ClusterConfig } from './config';
import { fqdn } from './names';

/*
 * Every public host, declared once. The Ingresses (charts/ and the WebApp construct), the wildcard
 * certificate and the bootstrap's DNS records all read these functions, so they cannot disagree.
 */

/** Uptime Kuma's status page. */
export function statusHost(cluster: ClusterConfig): string {
  return fqdn(cluster.hosts.status, cluster.domain);
}

/** The sign-in at the edge (charts/sign-in.ts): GitHub's callback and the sign-out page. */
export function authHost(cluster: ClusterConfig): string {
  return fqdn(cluster.hosts.auth, cluster.domain);
}

/** Hosts of platform services. */
export function platformHosts(cluster: ClusterConfig): string[] {
  return [statusHost(cluster), authHost(cluster)];
}

/** Every host that needs a DNS record: the apex, the platform's hosts and the apps' hosts. */
export function publicHosts(cluster: ClusterConfig, apps: readonly AppSpec[]): string[] {
  const hosts = new Set([cluster.domain, ...platformHosts(cluster), ...apps.flatMap((a) => a.hosts)]);
  return [...hosts].sort();
}
