import { defineCluster } from '../lib/config';

/** The cluster: declared once, read by the cdk8s charts and by the CDKTF bootstrap. */
export const cluster = defineCluster({
  name: 'hobby',
  domain: 'hobby-infra.dev',
  region: 'FRA1',
  acmeEmail: 'ops@hobby-infra.dev',
  kubernetes: { version: '1.32.5-k3s1', cni: 'flannel' },
  nodePool: { size: 'g4s.kube.medium', minNodes: 1, maxNodes: 5 },
  // The private network the bootstrap creates; Traefik trusts PROXY protocol from it (the load balancer).
  network: { cidr: '192.168.10.0/24' },
  // Both from the bootstrap's outputs after its first apply: npm run configure -- --from-bootstrap (docs/day-one.md).
  loadBalancer: { reservedIp: '74.220.24.10', firewallId: '5f0c3a8e-2d4b-4c7e-9a61-3b8f1d2e4c90' },
  adminCidrs: ['203.0.113.10/32'],
  dns: { proxied: true },
  civo: { removeApplications: ['Traefik-v2-nodeport'] },
  infisical: {
    hostApi: 'https://eu.infisical.com',
    projectSlug: 'hobby-infra',
    environmentSlug: 'prod',
    refreshInterval: '1h',
  },
  grafanaCloud: {
    metricsUrl: 'https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom/push',
    logsUrl: 'https://logs-prod-012.grafana.net/loki/api/v1/push',
  },
  // CI reaches the API through the Tailscale operator's API server proxy; 6443 stays closed.
  tailscale: { tailnet: 'tail0a1b2c.ts.net', apiProxyHostname: 'hobby-k8s-api', ciTag: 'tag:ci' },
  backups: {
    // The account id is not a secret (it is in every dashboard URL); the bootstrap's state backend reads
    // it from here too. Set yours with npm run configure -- --cloudflare-account-id.
    // Each app's backups go to its own bucket, hobby-infra-backups-<app>, created by the bootstrap.
    r2: { accountId: '0123456789abcdef0123456789abcdef', bucketPrefix: 'hobby-infra-backups' },
    databases: { schedule: '0 0 3 * * *', retention: '30d' },
    volumes: { schedule: '30 3 * * *', keep: { daily: 7, weekly: 4, monthly: 6 } },
    alertAfterHours: 26,
    // When the cluster is gone: raise generation by one and set recover: true, then bootstrap and
    // deploy; every database and volume comes back from its backups (README "When the cluster is gone").
    generation: 1,
    recover: false,
  },
  hosts: { status: 'status' },
  // Who signs in to the platform's own UIs (Uptime Kuma's admin UI) with GitHub: your organisations
  // (npm run configure -- --admin-orgs), teams as 'org/team', or yourself by GitHub login
  // (--admin-users you --admin-orgs -: `users: ['you']`, which runs a small sign-in of its own;
  // docs/private-uis.md). Without adminLogin they answer adminCidrs only.
  adminLogin: { github: { orgs: ['your-github-org'] } },
});
