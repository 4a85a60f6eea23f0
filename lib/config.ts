import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { CIVO_REGIONS, NODE_SIZES, type NodeSizeName } from './civo';
import { DNS_LABEL, GO_DURATION, HOSTNAME } from './names';
import { parseSpec } from './validation';

/*
 * The one typed cluster config. Charts and the CDKTF bootstrap both read it, so it must stay free
 * of cdk8s and cdktf types. `defineCluster` validates it when config/cluster.ts is loaded.
 */

/** Prefix length of a CIDR, or undefined when the text is not one. */
export function cidrPrefix(value: string): number | undefined {
  try {
    return ipaddr.parseCIDR(value)[1];
  } catch {
    return undefined;
  }
}

const httpsUrl = z.url({ protocol: /^https$/, error: 'an https:// URL' });
const slug = z.string().regex(DNS_LABEL, 'a lowercase slug (letters, digits, dashes)');

export const clusterConfigSchema = z
  .strictObject({
    /** Cluster name at Civo; also the Grafana Cloud cluster label. */
    name: z.string().regex(DNS_LABEL, 'a DNS label (lowercase letters, digits, dashes)'),
    /** The apex domain every host lives under; its zone must exist in Cloudflare. */
    domain: z.string().regex(HOSTNAME, 'a lowercase domain name such as example.com'),
    region: z.enum(CIVO_REGIONS, `one of ${CIVO_REGIONS.join(', ')}`),
    acmeEmail: z.email('an e-mail address for Let\'s Encrypt expiry notices'),
    kubernetes: z.strictObject({
      /** A version from `civo kubernetes versions`, e.g. 1.32.5-k3s1. */
      version: z.string().regex(/^1\.[0-9]+\.[0-9]+-k3s[0-9]+$/, 'a Civo k3s version such as 1.32.5-k3s1'),
      cni: z.enum(['flannel', 'cilium'], 'flannel or cilium'),
    }),
    nodePool: z
      .strictObject({
        size: z.enum(Object.keys(NODE_SIZES) as [NodeSizeName, ...NodeSizeName[]], `one of ${Object.keys(NODE_SIZES).join(', ')}`),
        minNodes: z.int('a whole number of nodes').min(1, 'at least 1 node'),
        maxNodes: z.int('a whole number of nodes').min(1, 'at least 1 node').max(20, 'at most 20 nodes'),
      })
      .refine((pool) => pool.minNodes <= pool.maxNodes, {
        path: ['maxNodes'],
        message: 'a value >= nodePool.minNodes',
      }),
    network: z.strictObject({
      /**
       * The Civo private network's IPv4 range, set by the bootstrap. The load balancer reaches the
       * nodes from an address in it, so Traefik trusts PROXY protocol headers from this range only.
       */
      cidr: z.string().refine((value) => {
        try {
          const [address, prefix] = ipaddr.IPv4.parseCIDR(value);
          return address.range() === 'private' && prefix >= 16 && prefix <= 28;
        } catch {
          return false;
        }
      }, 'a private IPv4 CIDR between /16 and /28, such as 192.168.10.0/24'),
    }),
    loadBalancer: z.strictObject({
      /** The address of the Civo reserved IP (bootstrap output `reserved_ip`) the Traefik Service binds to. */
      reservedIp: z.string().refine((v) => ipaddr.IPv4.isValidFourPartDecimal(v), 'an IPv4 address such as 74.220.20.10'),
      /**
       * The bootstrap firewall (output `firewall_id`). Without it Civo's cloud controller gives the load
       * balancer a firewall of its own, open to the world, instead of the Cloudflare-only rules.
       */
      firewallId: z.uuid('a Civo firewall id (bootstrap output firewall_id)').optional(),
    }),
    /** Who may reach the Kubernetes API (port 6443). Never the whole internet. */
    adminCidrs: z
      .array(
        z.string().refine((value) => (cidrPrefix(value) ?? 0) > 0, 'a CIDR such as 203.0.113.7/32, narrower than /0 (the API must never be open to the world)'),
      )
      .min(1, 'at least one admin CIDR'),
    dns: z.strictObject({
      /** Proxy records through Cloudflare; the firewall then admits 80/443 only from Cloudflare. */
      proxied: z.boolean('true or false'),
    }),
    civo: z.strictObject({
      /** Civo marketplace applications removed at cluster creation (Civo's bundled Traefik). */
      removeApplications: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a Civo marketplace application name')),
    }),
    infisical: z.strictObject({
      hostApi: httpsUrl,
      projectSlug: slug,
      environmentSlug: slug,
      /** How often ExternalSecrets re-read Infisical. */
      refreshInterval: z.string().regex(GO_DURATION, 'a duration such as 1h or 30m'),
    }),
    grafanaCloud: z.strictObject({
      /** Prometheus remote-write endpoint of the Grafana Cloud stack. */
      metricsUrl: httpsUrl,
      /** Loki push endpoint of the Grafana Cloud stack. */
      logsUrl: httpsUrl,
    }),
    /** Subdomains of platform services. */
    hosts: z.strictObject({
      status: z.string().regex(DNS_LABEL, 'a single DNS label such as status'),
    }),
  });

export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;
export type ClusterConfig = z.output<typeof clusterConfigSchema>;

/** Validates a cluster config, naming `file`, the field, the value and what was expected on error. */
export function defineCluster(input: ClusterConfigInput, file = 'config/cluster.ts'): ClusterConfig {
  return Object.freeze(parseSpec(clusterConfigSchema, input, file));
}
