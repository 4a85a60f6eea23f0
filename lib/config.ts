import { loginSchema } from './spec/login';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { CIVO_KUBERNETES_VERSIONS, CIVO_REGIONS, K3S_POD_CIDR, K3S_SERVICE_CIDR, nearestCivoVersions, NODE_SIZES, type NodeSizeName } from './civo';
import { CLOUDFLARE_RANGES } from './cloudflare';
import { acmeEmailProblem, domainProblem } from './domain-rules';
import { DNS_LABEL, HOSTNAME } from './names';
import { goDuration } from './spec/time-fields';
import { backupsSchema } from './backup-config';
import { parseSpec } from './validation';

export { BACKUP_OWNER_MAX, CRON_5, CRON_6, R2_BUCKET_NAME } from './backup-config';

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

/** The first and last address of a CIDR as integers, or undefined when the text is not one. */
function cidrRange(value: string): { family: 'ipv4' | 'ipv6'; first: bigint; last: bigint; isNetwork: boolean } | undefined {
  try {
    const [address, prefix] = ipaddr.parseCIDR(value);
    const bytes = address.toByteArray();
    const bits = bytes.length * 8;
    const asInt = bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
    const size = 1n << BigInt(bits - prefix);
    const first = asInt - (asInt % size);
    return { family: address.kind(), first, last: first + size - 1n, isNetwork: first === asInt };
  } catch {
    return undefined;
  }
}

/** Whether two CIDRs share an address. */
function overlaps(a: string, b: string): boolean {
  const [x, y] = [cidrRange(a), cidrRange(b)];
  return !!x && !!y && x.family === y.family && x.first <= y.last && y.first <= x.last;
}

/** A refinement from a function that returns why a value is refused (or undefined). */
const rule = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx<string>) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};

/**
 * How many addresses admins may open the Kubernetes API to, all admin CIDRs together: a /16 of
 * IPv4 (an ISP's dynamic pool) and a /32 of IPv6. Anything wider is "most of the internet" in pieces.
 */
const ADMIN_ADDRESS_BUDGET = { ipv4: { prefix: 16, bits: 32 }, ipv6: { prefix: 32, bits: 128 } } as const;

/** Problems with the admin CIDRs as a whole: addresses covered by their union, per family. */
function adminCidrsProblem(cidrs: readonly string[]): string | undefined {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const ranges = cidrs.map(cidrRange).filter((r) => r?.family === family).map((r) => r!).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let covered = 0n;
    let end = -1n;
    for (const r of ranges) {
      if (r.last <= end) continue;
      covered += r.last - (r.first > end ? r.first : end + 1n) + 1n;
      end = r.last;
    }
    const budget = ADMIN_ADDRESS_BUDGET[family];
    const allowed = 1n << BigInt(budget.bits - budget.prefix);
    if (covered > allowed) {
      const kind = family === 'ipv4' ? 'IPv4' : 'IPv6';
      return `CIDRs that together cover at most ${allowed} ${kind} addresses (one /${budget.prefix}); these cover ${covered}, and the Kubernetes API must be open to admin networks only`;
    }
  }
  return undefined;
}

const httpsUrl = z.url({ protocol: /^https$/, error: 'an https:// URL' });
const slug = z.string().regex(DNS_LABEL, 'a lowercase slug (letters, digits, dashes)');

export const clusterConfigSchema = z
  .strictObject({
    /** Cluster name at Civo; also the Grafana Cloud cluster label. */
    name: z.string().regex(DNS_LABEL, 'a DNS label (lowercase letters, digits, dashes)'),
    /** The apex domain every host lives under; its zone must exist in Cloudflare. */
    domain: z.string().regex(HOSTNAME, 'a lowercase domain name such as example.com').superRefine(rule((d) => (HOSTNAME.test(d) ? domainProblem(d) : undefined))),
    region: z.enum(CIVO_REGIONS, `one of ${CIVO_REGIONS.join(', ')}`),
    acmeEmail: z.email('an e-mail address for Let\'s Encrypt expiry notices').superRefine(rule(acmeEmailProblem)),
    kubernetes: z.strictObject({
      /** A version from `civo kubernetes versions`, e.g. 1.32.5-k3s1. */
      version: z
        .string()
        .regex(/^1\.[0-9]+\.[0-9]+-k3s[0-9]+$/, 'a Civo k3s version such as 1.32.5-k3s1')
        .superRefine(rule((v) => ((CIVO_KUBERNETES_VERSIONS as readonly string[]).includes(v) ? undefined : `a version Civo offers (lib/civo.ts, from \`civo kubernetes versions\`): nearest ${nearestCivoVersions(v).join(', ')}`))),
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
      }, 'a private IPv4 CIDR between /16 and /28, such as 192.168.10.0/24')
        // Nodes in k3s' own pod or Service range would be unreachable: their routes would go to pods.
        .superRefine(rule((v) => [K3S_POD_CIDR, K3S_SERVICE_CIDR].filter((k) => overlaps(v, k)).map((k) => `a range outside k3s' ${k === K3S_POD_CIDR ? 'pod' : 'Service'} range ${k}, such as 192.168.10.0/24 (node addresses there collide with the cluster's own)`)[0])),
    }),
    loadBalancer: z.strictObject({
      /** The address of the Civo reserved IP (bootstrap output `reserved_ip`) the Traefik Service binds to. */
      reservedIp: z
        .string()
        .refine((v) => ipaddr.IPv4.isValidFourPartDecimal(v), 'an IPv4 address such as 74.220.20.10')
        .refine((v) => !ipaddr.IPv4.isValidFourPartDecimal(v) || ipaddr.IPv4.parse(v).range() === 'unicast', 'a public IPv4 address (the Civo reserved IP), not a private, loopback or reserved one'),
      /**
       * The bootstrap firewall (output `firewall_id`). Without it Civo's cloud controller gives the load
       * balancer a firewall of its own, open to the world, instead of the Cloudflare-only rules.
       */
      firewallId: z.uuid('a Civo firewall id (bootstrap output firewall_id)').optional(),
    }),
    /** Who may reach the Kubernetes API (port 6443). Never the whole internet. */
    adminCidrs: z
      .array(
        z
          .string()
          .refine((value) => (cidrPrefix(value) ?? 0) > 0, 'a CIDR such as 203.0.113.7/32, narrower than /0 (the API must never be open to the world)')
          .refine((value) => cidrRange(value)?.isNetwork !== false, 'a CIDR with no host bits set, such as 203.0.113.0/24 (the firewall would otherwise widen or refuse it)')
          // Cloudflare's edge serves everyone: opening the API to it opens it to any Cloudflare customer's Worker.
          .superRefine(rule((v) => CLOUDFLARE_RANGES.filter((c) => overlaps(v, c)).map((c) => `a CIDR outside Cloudflare's edge ranges (it overlaps ${c}, lib/cloudflare.ts): traffic from there is anyone's, not an admin's`)[0])),
      )
      .min(1, 'at least one admin CIDR')
      .superRefine((cidrs, ctx) => {
        const problem = adminCidrsProblem(cidrs);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    dns: z
      .strictObject({
        /** Proxy records through Cloudflare; the firewall then admits 80/443 only from Cloudflare. */
        proxied: z.boolean('true or false'),
        /**
         * Authenticated Origin Pulls with the zone's own certificate: Traefik takes TLS only from a
         * client with a certificate the CA in Infisical /platform/traefik signed, which only this
         * zone's Cloudflare presents (docs/client-ip.md). Needs `proxied`.
         */
        authenticatedOriginPulls: z.boolean('true or false').optional(),
      })
      .refine((dns) => !dns.authenticatedOriginPulls || dns.proxied, {
        path: ['authenticatedOriginPulls'],
        message: 'false or nothing while dns.proxied is false (without Cloudflare in front, no client presents the zone\'s certificate and Traefik would refuse every visitor)',
      }),
    civo: z.strictObject({
      /** Civo marketplace applications removed at cluster creation (Civo's bundled Traefik). */
      removeApplications: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a Civo marketplace application name')),
    }),
    infisical: z.strictObject({
      hostApi: httpsUrl,
      projectSlug: slug,
      environmentSlug: slug,
      /**
       * How often ExternalSecrets re-read Infisical (a Go duration: ESO reads it with
       * time.ParseDuration). Not 0, which stops refreshing; not under a minute, which spends
       * Infisical's rate limit on every secret of every app; not over a day, after which a rotated or
       * revoked secret no longer reaches the pods in any useful time.
       */
      refreshInterval: goDuration({ min: '1m', max: '24h', why: 'how soon a rotated secret reaches the pods, without spending Infisical\'s rate limit' }),
    }),
    grafanaCloud: z.strictObject({
      /** Prometheus remote-write endpoint of the Grafana Cloud stack. */
      metricsUrl: httpsUrl,
      /** Loki push endpoint of the Grafana Cloud stack. */
      logsUrl: httpsUrl,
    }),
    /**
     * How CI (and admins) reach the Kubernetes API without opening 6443 to the internet: the
     * Tailscale operator's API server proxy, in auth mode (docs/delivery.md).
     */
    tailscale: z.strictObject({
      /** The tailnet's DNS name, from the admin console's DNS page. */
      tailnet: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*\.ts\.net$/, 'a tailnet DNS name such as tail0a1b2c.ts.net'),
      /** The operator's device name on the tailnet; the API is then https://<name>.<tailnet>. */
      apiProxyHostname: z.string().regex(DNS_LABEL, 'a single DNS label such as hobby-k8s-api'),
      /** The tag the deploy and drift jobs join the tailnet with; the policy grants it the deploy group. */
      ciTag: z.string().regex(/^tag:[a-z0-9-]+$/, 'a Tailscale tag such as tag:ci'),
    }),
    backups: backupsSchema,
    /** Subdomains of platform services. */
    hosts: z.strictObject({
      status: z.string().regex(DNS_LABEL, 'a single DNS label such as status'),
      /** The sign-in at the edge (GitHub's OAuth callback): auth.<domain> unless set. */
      auth: z.string().regex(DNS_LABEL, 'a single DNS label such as auth').default('auth'),
    }),
    /**
     * Who may use the platform's own UIs (Uptime Kuma's admin UI and setup wizard) through the sign-in
     * at the edge, as an app's `login`. Without it they answer the admin CIDRs only.
     */
    adminLogin: loginSchema.optional(),
  });

export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;
export type ClusterConfig = z.output<typeof clusterConfigSchema>;

/** Validates a cluster config, naming `file`, the field, the value and what was expected on error. */
export function defineCluster(input: ClusterConfigInput, file = 'config/cluster.ts'): ClusterConfig {
  return Object.freeze(parseSpec(clusterConfigSchema, input, file));
}

/** The S3 endpoint of the backup buckets (Cloudflare R2, per account). */
export function backupEndpoint(cluster: ClusterConfig): string {
  return `https://${cluster.backups.r2.accountId}.r2.cloudflarestorage.com`;
}

/**
 * The bucket of one backup owner: an app, or a platform namespace whose volume is backed up like
 * an app's. Charts write there and the bootstrap creates it, both through this function.
 */
export function backupBucket(cluster: ClusterConfig, owner: string): string {
  return `${cluster.backups.r2.bucketPrefix}-${owner}`;
}
