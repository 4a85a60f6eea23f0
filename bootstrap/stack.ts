import { DataCloudflareZone } from '@cdktf/provider-cloudflare/lib/data-cloudflare-zone';
import { AuthenticatedOriginPullsSettings } from '@cdktf/provider-cloudflare/lib/authenticated-origin-pulls-settings';
import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { CLOUDFLARE_IPV4 } from '../lib/cloudflare';
import { backupBucket, cidrPrefix, R2_BUCKET_NAME, type ClusterConfig } from '../lib/config';
import { SpecError } from '../lib/validation';
import { addBackupBuckets } from './backups';
import { Firewall, type FirewallIngressRule } from './.gen/providers/civo/firewall';
import { KubernetesCluster } from './.gen/providers/civo/kubernetes-cluster';
import { Network } from './.gen/providers/civo/network';
import { CivoProvider } from './.gen/providers/civo/provider';
import { ReservedIp } from './.gen/providers/civo/reserved-ip';
import { defineStateBackend, r2Backend, STATE_BACKEND, type StateBackend } from './state';

/*
 * The bootstrap: only what must exist before the cluster can run its own manifests. A Civo network,
 * the firewall, the k3s cluster, the reserved IP Traefik binds to, one Cloudflare DNS record per
 * public host, and for each app with backups its own R2 bucket and a token for that bucket only
 * (bootstrap/backups.ts). Everything inside the cluster is cdk8s (dist/), not this stack.
 */

/** Stack name, fixed so the state key and the CI working folder (cdktf.out/stacks/<name>) never move. */
export const STACK_NAME = 'hobby-bootstrap';

export interface BootstrapStackProps {
  readonly cluster: ClusterConfig;
  /** Every public FQDN (lib/hosts.ts `publicHosts`): one A record each. */
  readonly hosts: readonly string[];
  /** Every app (or platform namespace) with backups (lib/backup-owners.ts `backupOwners`): a bucket and a token each. */
  readonly backupOwners: readonly string[];
  /** Defaults to bootstrap/state.ts. */
  readonly state?: StateBackend;
}

/** Terraform resource name for a host's record: stable, so adding a host never renames another. */
export function recordId(host: string): string {
  return `dns_${host.replace(/\./g, '_')}`;
}

/** The Civo `applications` string: `-Name` removes a default marketplace application. */
export function civoApplications(cluster: ClusterConfig): string | undefined {
  const apps = cluster.civo.removeApplications.map((name) => `-${name}`);
  return apps.length ? apps.join(',') : undefined;
}

function checkInputs(cluster: ClusterConfig, hosts: readonly string[], backupOwners: readonly string[]): void {
  const problems: string[] = [];
  // The config schema already refuses /0; this keeps the API closed even for a hand-built config.
  cluster.adminCidrs.forEach((cidr, i) => {
    if ((cidrPrefix(cidr) ?? 0) === 0) problems.push(`adminCidrs.${i}: got ${JSON.stringify(cidr)}, expected a CIDR narrower than /0 (the API must never be open to the world)`);
  });
  if (!hosts.length) problems.push(`hosts: got none, expected at least the apex ${cluster.domain}`);
  hosts.forEach((host, i) => {
    if (host !== cluster.domain && !host.endsWith(`.${cluster.domain}`)) {
      problems.push(`hosts.${i}: got ${JSON.stringify(host)}, expected a name in the zone ${cluster.domain}`);
    } else if (hosts.indexOf(host) !== i) {
      problems.push(`hosts.${i}: got ${host} twice, expected each host once`);
    }
  });
  // App names always fit (the config bounds the prefix); this catches a hand-built owner list.
  const owners = [...backupOwners, ...cluster.backups.r2.formerApps];
  owners.forEach((owner, i) => {
    const field = i < backupOwners.length ? `backupOwners.${i}` : `backups.r2.formerApps.${i - backupOwners.length}`;
    const bucket = backupBucket(cluster, owner);
    if (!R2_BUCKET_NAME.test(bucket)) {
      problems.push(`${field}: got ${JSON.stringify(owner)}, expected a name whose bucket ${JSON.stringify(bucket)} is an R2 bucket name (3-63 lowercase letters, digits, dashes)`);
    } else if (i < backupOwners.length && backupOwners.indexOf(owner) !== i) {
      problems.push(`${field}: got ${owner} twice, expected each owner once`);
    }
  });
  if (problems.length) throw new SpecError('bootstrap/stack.ts', problems);
}

export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { cluster, hosts } = props;
    checkInputs(cluster, hosts, props.backupOwners);
    r2Backend(this, props.state ?? defineStateBackend(STATE_BACKEND));
    // use_lockfile needs Terraform 1.10; older versions would ignore locking or fail at init.
    this.addOverride('terraform.required_version', '>= 1.10.0');

    // Tokens come from the environment (CIVO_TOKEN, CLOUDFLARE_API_TOKEN), never from this program.
    new CivoProvider(this, 'civo', { region: cluster.region });
    new CloudflareProvider(this, 'cloudflare', {});

    // A fixed range (config network.cidr): Traefik trusts PROXY protocol from the load balancer's address in it.
    const network = new Network(this, 'network', { label: cluster.name, region: cluster.region, cidrV4: cluster.network.cidr });

    // Cloudflare reaches the origin over IPv4 only (the records are A records at an IPv4 address),
    // so the IPv6 edge ranges would open nothing useful.
    const webSources = cluster.dns.proxied ? [...CLOUDFLARE_IPV4] : ['0.0.0.0/0'];
    const allow = (label: string, portRange: string, cidr: string[]): FirewallIngressRule => ({ label, protocol: 'tcp', portRange, cidr, action: 'allow' });
    const firewall = new Firewall(this, 'firewall', {
      name: `${cluster.name}-k3s`,
      region: cluster.region,
      networkId: network.id,
      // Civo's defaults open SSH and the API to everyone; every rule here is explicit instead.
      createDefaultRules: false,
      ingressRule: [
        allow('kubernetes-api', '6443', [...cluster.adminCidrs]),
        allow('http', '80', webSources),
        allow('https', '443', webSources),
      ],
      // Nodes pull images, talk to Let's Encrypt, Infisical and Grafana Cloud, and resolve names.
      egressRule: [
        { label: 'all-tcp', protocol: 'tcp', portRange: '1-65535', cidr: ['0.0.0.0/0'], action: 'allow' },
        { label: 'all-udp', protocol: 'udp', portRange: '1-65535', cidr: ['0.0.0.0/0'], action: 'allow' },
        { label: 'icmp', protocol: 'icmp', cidr: ['0.0.0.0/0'], action: 'allow' },
      ],
    });

    const k8s = new KubernetesCluster(this, 'cluster', {
      name: cluster.name,
      region: cluster.region,
      clusterType: 'k3s',
      networkId: network.id,
      firewallId: firewall.id,
      kubernetesVersion: cluster.kubernetes.version,
      cni: cluster.kubernetes.cni,
      applications: civoApplications(cluster),
      // Without it the provider leaves `kubeconfig` empty and the CI apply job has nothing to read.
      writeKubeconfig: true,
      pools: { size: cluster.nodePool.size, nodeCount: cluster.nodePool.minNodes },
      // The cluster autoscaler owns the node count after creation; a plan must never scale it back.
      lifecycle: { ignoreChanges: ['pools[0].node_count'] },
    });

    // A stable public address: the Traefik LoadBalancer Service binds to it (config loadBalancer.reservedIp),
    // so DNS survives the Service or the cluster being recreated.
    const reservedIp = new ReservedIp(this, 'ingress', { name: `${cluster.name}-ingress`, region: cluster.region });
    // The config must carry the address Civo handed out; say so at plan time instead of failing later.
    this.addOverride('check.reserved_ip_matches_config', {
      assert: [
        {
          condition: `\${${reservedIp.terraformResourceType}.${reservedIp.friendlyUniqueId}.ip == "${cluster.loadBalancer.reservedIp}"}`,
          error_message: `config/cluster.ts loadBalancer.reservedIp is ${cluster.loadBalancer.reservedIp}, but the reserved IP is another address: copy the reserved_ip output into the config.`,
        },
      ],
    });

    const zone = new DataCloudflareZone(this, 'zone', { filter: { name: cluster.domain } });
    // zone_id, not id: provider v5 leaves `id` empty when the zone is found through `filter`.
    for (const host of hosts) {
      new DnsRecord(this, recordId(host), {
        zoneId: zone.zoneId,
        name: host,
        type: 'A',
        content: reservedIp.ip,
        proxied: cluster.dns.proxied,
        // 1 means "automatic", the only TTL Cloudflare allows on proxied records.
        ttl: cluster.dns.proxied ? 1 : 300,
        comment: 'managed by hobby-infra bootstrap',
      });
    }

    // Authenticated Origin Pulls with the zone's own certificate, which you upload first (docs/client-ip.md):
    // Cloudflare then presents it on every connection to the origin, and Traefik requires it.
    if (cluster.dns.authenticatedOriginPulls) new AuthenticatedOriginPullsSettings(this, 'origin-pulls', { zoneId: zone.zoneId, enabled: true });

    // App backups (databases and volumes, docs/backups.md): a bucket and a token per app.
    addBackupBuckets(this, { cluster, owners: props.backupOwners });

    new TerraformOutput(this, 'cluster_id', { value: k8s.id, description: 'Civo cluster id' });
    new TerraformOutput(this, 'api_endpoint', { value: k8s.apiEndpoint, description: 'Kubernetes API server URL' });
    new TerraformOutput(this, 'reserved_ip', { value: reservedIp.ip, description: 'Copy into config/cluster.ts loadBalancer.reservedIp' });
    new TerraformOutput(this, 'firewall_id', { value: firewall.id, description: 'Firewall for the Traefik LoadBalancer (annotation kubernetes.civo.com/firewall-id)' });
    new TerraformOutput(this, 'kubeconfig', { value: k8s.kubeconfig, sensitive: true, description: 'Admin kubeconfig, read by the CI apply job' });
  }
}
