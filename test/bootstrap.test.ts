import { App } from 'cdktf';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixtureApps as appSources } from './fixtures/apps';
import { afterAll, describe, expect, it } from 'vitest';
import { BootstrapStack, civoApplications, recordId, STACK_NAME } from '../bootstrap/stack';
import { defineStateBackend, type StateBackendInput } from '../bootstrap/state';
import { fixtureCluster as baseCluster, fixtureStateBackend as STATE_BACKEND } from './fixtures/cluster';
import { loadApps, type AppSource } from '../lib/app-spec';
import { CLOUDFLARE_IPV4 } from '../lib/cloudflare';
import { defineCluster, type ClusterConfig, type ClusterConfigInput } from '../lib/config';
import { platformHosts, publicHosts } from '../lib/hosts';
import { readTree, render } from './helpers';
import { CIVO_KUBERNETES_VERSIONS } from '../lib/civo';

/* Synthesizes the bootstrap stack the way bootstrap/main.ts does and checks the Terraform JSON. */

const root = resolve(import.meta.dirname, '..');
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Json = Record<string, any>;

function synth(props: { cluster?: ClusterConfig; hosts?: string[]; backupOwners?: string[]; state?: StateBackendInput } = {}): Json {
  const cluster = props.cluster ?? baseCluster;
  const outdir = mkdtempSync(join(tmpdir(), 'bootstrap-test-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  new BootstrapStack(app, STACK_NAME, {
    cluster,
    hosts: props.hosts ?? publicHosts(cluster, loadApps(appSources, cluster, platformHosts(cluster))),
    backupOwners: props.backupOwners ?? [],
    state: defineStateBackend(props.state ?? STATE_BACKEND),
  });
  app.synth();
  return JSON.parse(readFileSync(join(outdir, 'stacks', STACK_NAME, 'cdk.tf.json'), 'utf8'));
}

/** A config differing from the fixture cluster in the given fields, validated like the real one. */
function variant(changes: Partial<ClusterConfigInput>): ClusterConfig {
  return defineCluster({ ...(baseCluster as ClusterConfigInput), ...changes });
}

const only = (tf: Json, type: string): Json => {
  const all = Object.values(tf.resource?.[type] ?? {});
  expect(all, `one ${type}`).toHaveLength(1);
  return all[0] as Json;
};
const records = (tf: Json): Json[] => Object.values(tf.resource?.cloudflare_dns_record ?? {}) as Json[];
const ingressRules = (tf: Json): Json[] => only(tf, 'civo_firewall').ingress_rule;

/** True when a Civo port_range ("6443", "1-65535") covers `port`; no range means every port. */
function covers(portRange: string | undefined, port: number): boolean {
  if (!portRange) return true;
  const [from, to = from] = portRange.split('-').map(Number);
  return from! <= port && port <= to!;
}

const tf = synth();

describe('network and firewall', () => {
  it('creates a network in the cluster region and puts the firewall on it', () => {
    expect(only(tf, 'civo_network')).toMatchObject({ label: baseCluster.name, region: baseCluster.region, cidr_v4: baseCluster.network.cidr });
    expect(only(tf, 'civo_firewall')).toMatchObject({ network_id: '${civo_network.network.id}', region: baseCluster.region });
  });

  it('replaces Civo default rules with explicit allow rules', () => {
    const firewall = only(tf, 'civo_firewall');
    expect(firewall.create_default_rules).toBe(false);
    for (const rule of [...firewall.ingress_rule, ...firewall.egress_rule]) expect(rule.action).toBe('allow');
  });

  it('opens 6443 only to the admin CIDRs', () => {
    const api = ingressRules(tf).filter((r) => covers(r.port_range, 6443));
    expect(api).toEqual([{ label: 'kubernetes-api', protocol: 'tcp', port_range: '6443', cidr: [...baseCluster.adminCidrs], action: 'allow' }]);
  });

  it.each([true, false])('never opens 6443 to the world (proxied: %s)', (proxied) => {
    const rules = ingressRules(synth({ cluster: variant({ dns: { proxied }, adminCidrs: ['198.51.100.0/24', '2001:db8::/32'] }) }));
    for (const rule of rules.filter((r) => covers(r.port_range, 6443))) {
      expect(rule.cidr).not.toContain('0.0.0.0/0');
      expect(rule.cidr).not.toContain('::/0');
      expect(rule.cidr).toEqual(['198.51.100.0/24', '2001:db8::/32']);
    }
  });

  it('opens 80 and 443 only to Cloudflare when records are proxied', () => {
    const web = ingressRules(synth({ cluster: variant({ dns: { proxied: true } }) })).filter((r) => r.port_range !== '6443');
    expect(web.map((r) => r.port_range).sort()).toEqual(['443', '80']);
    for (const rule of web) expect(rule.cidr).toEqual([...CLOUDFLARE_IPV4]);
  });

  it('opens 80 and 443 to everyone when records are not proxied', () => {
    const web = ingressRules(synth({ cluster: variant({ dns: { proxied: false } }) })).filter((r) => r.port_range !== '6443');
    expect(web.map((r) => r.port_range).sort()).toEqual(['443', '80']);
    for (const rule of web) expect(rule.cidr).toEqual(['0.0.0.0/0']);
  });
});

describe('cluster', () => {
  it('is a k3s cluster in the configured region, network and firewall', () => {
    expect(only(tf, 'civo_kubernetes_cluster')).toMatchObject({
      name: baseCluster.name,
      region: 'FRA1',
      cluster_type: 'k3s',
      network_id: '${civo_network.network.id}',
      firewall_id: '${civo_firewall.firewall.id}',
      kubernetes_version: baseCluster.kubernetes.version,
      cni: baseCluster.kubernetes.cni,
      write_kubeconfig: true,
    });
  });

  it('has one g4s.kube.medium pool starting at the autoscaler minimum, and ignores later count changes', () => {
    const k8s = only(tf, 'civo_kubernetes_cluster');
    expect(k8s.pools).toEqual({ size: 'g4s.kube.medium', node_count: baseCluster.nodePool.minNodes });
    expect(k8s.lifecycle.ignore_changes).toEqual(['pools[0].node_count']);
  });

  it('removes Civo default Traefik through the applications string', () => {
    expect(baseCluster.civo.removeApplications).toContain('Traefik-v2-nodeport');
    expect(only(tf, 'civo_kubernetes_cluster').applications).toBe('-Traefik-v2-nodeport');
  });

  it('takes version, CNI, pool and removed applications from the config', () => {
    const cluster = variant({
      // A version Civo offers (lib/civo.ts); the newest, so a second one there makes this differ from the fixture's.
      kubernetes: { version: CIVO_KUBERNETES_VERSIONS.at(-1)!, cni: 'cilium' },
      nodePool: { size: 'g4s.kube.large', minNodes: 2, maxNodes: 4 },
      civo: { removeApplications: ['Traefik-v2-nodeport', 'metrics-server'] },
    });
    const k8s = only(synth({ cluster }), 'civo_kubernetes_cluster');
    expect(k8s).toMatchObject({ kubernetes_version: CIVO_KUBERNETES_VERSIONS.at(-1), cni: 'cilium', applications: '-Traefik-v2-nodeport,-metrics-server' });
    expect(k8s.pools).toEqual({ size: 'g4s.kube.large', node_count: 2 });
    expect(civoApplications(variant({ civo: { removeApplications: [] } }))).toBeUndefined();
  });
});

describe('reserved IP and DNS', () => {
  it('reserves an IP in the cluster region and checks it against the config', () => {
    expect(only(tf, 'civo_reserved_ip')).toMatchObject({ name: `${baseCluster.name}-ingress`, region: 'FRA1' });
    const [assertion] = tf.check.reserved_ip_matches_config.assert;
    expect(assertion.condition).toBe(`\${civo_reserved_ip.ingress.ip == "${baseCluster.loadBalancer.reservedIp}"}`);
  });

  it('looks the zone up by the cluster domain', () => {
    expect(tf.data.cloudflare_zone.zone.filter).toEqual({ name: baseCluster.domain });
  });

  it('points one proxied A record per public host at the reserved IP', () => {
    const hosts = publicHosts(baseCluster, loadApps(appSources, baseCluster, platformHosts(baseCluster)));
    expect(records(tf).map((r) => r.name).sort()).toEqual(hosts);
    expect(hosts).toContain(baseCluster.domain);
    for (const record of records(tf)) {
      expect(record).toMatchObject({
        type: 'A',
        content: '${civo_reserved_ip.ingress.ip}',
        zone_id: '${data.cloudflare_zone.zone.zone_id}',
        proxied: true,
        ttl: 1,
      });
    }
    expect(Object.keys(tf.resource.cloudflare_dns_record).sort()).toEqual(hosts.map(recordId).sort());
  });

  it('makes records DNS-only with a real TTL when not proxied', () => {
    for (const record of records(synth({ cluster: variant({ dns: { proxied: false } }) }))) {
      expect(record).toMatchObject({ proxied: false, ttl: 300 });
    }
  });

  it('has a record for every host of the rendered Ingresses, and none for anything else but the apex', () => {
    const ingressHosts = new Set(
      render()
        .objects.filter((o) => o.kind === 'Ingress')
        .flatMap((o: any) => o.spec.rules.map((rule: any) => rule.host as string)),
    );
    expect(ingressHosts.size).toBeGreaterThan(0);
    // The apex always gets a record (it is the zone's own name); every other record serves an Ingress.
    const expected = [...new Set([baseCluster.domain, ...ingressHosts])].sort();
    expect(records(tf).map((r) => r.name).sort()).toEqual(expected);
  });

  it('adds exactly one record, and changes no other, when an app gains a host', () => {
    const app = (hosts: string[]): AppSource[] => [{ file: 'apps/shop.ts', exports: { default: { image: 'ghcr.io/a/shop:1.0.0', port: 8080, hosts } } }];
    const hostsOf = (sources: AppSource[]) => publicHosts(baseCluster, loadApps(sources, baseCluster, platformHosts(baseCluster)));
    const before = synth({ hosts: hostsOf(app(['shop'])) }).resource.cloudflare_dns_record;
    const after = synth({ hosts: hostsOf(app(['shop', 'www'])) }).resource.cloudflare_dns_record;
    const added = Object.keys(after).filter((id) => !(id in before));
    expect(added).toEqual([recordId(`www.${baseCluster.domain}`)]);
    expect(after[added[0]!].name).toBe(`www.${baseCluster.domain}`);
    for (const id of Object.keys(before)) expect(after[id]).toEqual(before[id]);
  });
});

describe('state backend', () => {
  it('keeps state in R2 through a complete S3 backend block', () => {
    const state = defineStateBackend(STATE_BACKEND);
    expect(tf.terraform.backend).toEqual({
      s3: {
        bucket: state.bucket,
        key: state.key,
        region: 'auto',
        endpoints: { s3: `https://${state.accountId}.r2.cloudflarestorage.com` },
        use_path_style: true,
        skip_credentials_validation: true,
        skip_region_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_s3_checksum: true,
        use_lockfile: true,
      },
    });
    expect(tf.terraform.required_version).toBe('>= 1.10.0');
  });

  it('never synthesizes credentials, not even with backup tokens in the stack', () => {
    const withTokens = synth({ backupOwners: ['shop'] });
    // The owner's token, and the restore drills' read-only one.
    expect(Object.keys(withTokens.resource.cloudflare_account_token).sort()).toEqual(['backups_restore_drills_token', 'backups_shop_token']);
    for (const text of [JSON.stringify(tf), JSON.stringify(withTokens)]) {
      for (const secret of ['access_key', 'secret_key', 'token', 'api_token', 'api_key']) expect(text).not.toContain(`"${secret}"`);
    }
  });
});

describe('outputs', () => {
  it('exposes the cluster, its API, the reserved IP, the firewall and a sensitive kubeconfig', () => {
    expect(tf.output).toMatchObject({
      cluster_id: { value: '${civo_kubernetes_cluster.cluster.id}' },
      api_endpoint: { value: '${civo_kubernetes_cluster.cluster.api_endpoint}' },
      reserved_ip: { value: '${civo_reserved_ip.ingress.ip}' },
      firewall_id: { value: '${civo_firewall.firewall.id}' },
      kubeconfig: { value: '${civo_kubernetes_cluster.cluster.kubeconfig}', sensitive: true },
    });
    for (const name of ['cluster_id', 'api_endpoint', 'reserved_ip', 'firewall_id']) expect(tf.output[name].sensitive).toBeUndefined();
  });
});

describe('bad input fails with a message naming the field', () => {
  it.each([
    [{ adminCidrs: ['0.0.0.0/0'] }, /adminCidrs\.0: got "0\.0\.0\.0\/0", expected .*never be open to the world/],
    [{ adminCidrs: [] }, /adminCidrs: got \[\], expected at least one admin CIDR/],
    [{ nodePool: { size: 'g4s.kube.huge', minNodes: 1, maxNodes: 3 } }, /nodePool\.size: got "g4s\.kube\.huge", expected one of/],
    [{ nodePool: { size: 'g4s.kube.medium', minNodes: 4, maxNodes: 2 } }, /nodePool\.maxNodes: got 2, expected a value >= nodePool\.minNodes/],
    [{ kubernetes: { version: '1.32', cni: 'flannel' } }, /kubernetes\.version: got "1\.32", expected a Civo k3s version/],
    [{ region: 'AMS1' }, /region: got "AMS1", expected one of FRA1/],
  ] as [Partial<ClusterConfigInput>, RegExp][])('config %j', (changes, message) => {
    expect(() => variant(changes)).toThrow(message);
  });

  it('refuses a host outside the zone or twice', () => {
    expect(() => synth({ hosts: [baseCluster.domain, 'blog.example.org'] })).toThrow(/hosts\.1: got "blog\.example\.org", expected a name in the zone hobby-fixture\.dev/);
    expect(() => synth({ hosts: [baseCluster.domain, baseCluster.domain] })).toThrow(/hosts\.1: got hobby-fixture\.dev twice/);
  });

  it('refuses an API open to the world even from a hand-built config', () => {
    const open = { ...baseCluster, adminCidrs: ['0.0.0.0/0'] } as ClusterConfig;
    expect(() => synth({ cluster: open })).toThrow(/adminCidrs\.0: got "0\.0\.0\.0\/0"/);
  });

  it('refuses a malformed state backend', () => {
    expect(() => defineStateBackend({ ...STATE_BACKEND, accountId: 'my-account' })).toThrow(/bootstrap\/state\.ts[\s\S]*accountId: got "my-account", expected a Cloudflare account id/);
    expect(() => defineStateBackend({ ...STATE_BACKEND, bucket: 'Bad_Bucket' })).toThrow(/bucket: got "Bad_Bucket", expected an R2 bucket name/);
  });
});

describe('project files', () => {
  it('cdktf.json runs the same entry point and pins the Civo constraint the generator uses', () => {
    const cdktf = JSON.parse(readFileSync(join(root, 'bootstrap', 'cdktf.json'), 'utf8'));
    expect(cdktf).toMatchObject({ language: 'typescript', app: 'npm run --silent bootstrap:synth', output: 'cdktf.out', codeMakerOutput: '.gen' });
    expect(cdktf.terraformProviders).toEqual(['civo/civo@~> 1.2']);
    expect(readFileSync(join(root, 'scripts', 'gen-civo.mjs'), 'utf8')).toContain(`const CONSTRAINT = '${cdktf.terraformProviders[0]}';`);
  });

  const schema = resolve(root, 'bootstrap', 'schema', 'civo-provider-schema.json');
  it('bootstrap/.gen is exactly what the generator writes from the schema', () => {
    const out = mkdtempSync(join(tmpdir(), 'civo-gen-'));
    outdirs.push(out);
    execFileSync(process.execPath, [join(root, 'scripts', 'gen-civo.mjs'), '--schema', schema, '--out', out], { stdio: 'pipe' });
    const generated = readTree(out);
    const committed = readTree(join(root, 'bootstrap', '.gen'));
    expect([...generated.keys()]).toEqual([...committed.keys()]);
    for (const [file, text] of committed) expect(generated.get(file), file).toBe(text);
  });
});
