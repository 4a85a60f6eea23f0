import type { ClusterConfig } from '../config';

/**
 * The tag the drift check joins the tailnet with: the CI tag's read-only sibling (`tag:ci-drift`),
 * minted by an OAuth client of its own (GitHub environment `drift`), so that the drift job holds no
 * key that could join as the deploy tag. The tailnet policy grants it DRIFT_GROUP only.
 */
export const driftTag = (cluster: ClusterConfig) => `${cluster.tailscale.ciTag}-drift`;

/** The API server through the Tailscale operator's proxy: https://<apiProxyHostname>.<tailnet>. */
export const tailscaleApiServer = (cluster: ClusterConfig) => `https://${cluster.tailscale.apiProxyHostname}.${cluster.tailscale.tailnet}`;

/**
 * A kubeconfig with no credential at all: the proxy knows the caller from its tailnet identity and
 * impersonates it (and the groups the tailnet policy grants). The proxy serves a certificate for
 * its ts.net name that the system trust store accepts (HTTPS must be enabled on the tailnet).
 */
export function tailscaleKubeconfig(cluster: ClusterConfig): Record<string, unknown> {
  const name = `${cluster.name}-tailscale`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: tailscaleApiServer(cluster) } }],
    users: [{ name: 'tailnet-identity', user: {} }],
    contexts: [{ name, context: { cluster: name, user: 'tailnet-identity' } }],
    'current-context': name,
  };
}
