import type { ClusterConfig } from '../config';
import { CLUSTER_FILE, CONFIG_FIELDS, STATE_FILE } from '../configure/fields';
import { placeholderReason } from '../configure/placeholders';
import type { Literal } from '../configure/source';
import type { Manifest } from '../render';
import { TAILNET_INGRESS } from '../platform-contracts';

/*
 * What `npm run doctor` fails on: a placeholder left in the config or state, and a value that
 * disagrees between config/cluster.ts, the bootstrap (its synthesized stack, its outputs) and dist/.
 * Each finding is one line, `file: field: got X, expected Y`, with the command that fixes it.
 */

export type Finding = string;

const flagOf = (file: string, field: string) => CONFIG_FIELDS.find((f) => f.file === file && f.path.join('.') === field)?.flag;
const fix = (file: string, field: string) => {
  const flag = flagOf(file, field);
  return flag ? ` (npm run configure -- --${flag} <value>${flag === 'reserved-ip' || flag === 'firewall-id' ? ', or --from-bootstrap' : ''})` : ` (edit ${file})`;
};

/** Every leaf of a literal object with its dotted path; arrays are leaves (their items are checked one by one). */
function leaves(value: Literal, path: string[] = []): Array<[string, Literal]> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [[path.join('.'), value]];
}

/** Placeholders in the config and state literals (as configure reads them), and values the bootstrap must fill. */
export function placeholderFindings(cluster: Record<string, Literal>, state: Record<string, Literal>): Finding[] {
  const findings: Finding[] = [];
  for (const [file, values] of [[CLUSTER_FILE, cluster], [STATE_FILE, state]] as const) {
    for (const [field, value] of leaves(values)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        const reason = placeholderReason(field, item);
        if (reason) findings.push(`${file}: ${field}: got ${JSON.stringify(item)} (${reason}), expected your own value${fix(file, field)}`);
      }
    }
  }
  const balancer = cluster.loadBalancer as Record<string, Literal> | undefined;
  if (balancer && balancer.firewallId === undefined) {
    findings.push(`${CLUSTER_FILE}: loadBalancer.firewallId: got nothing, expected the bootstrap's firewall_id (without it the load balancer gets a firewall open to the world)${fix(CLUSTER_FILE, 'loadBalancer.firewallId')}`);
  }
  return findings;
}

const underDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);
const STALE_DIST = 'dist/ was rendered from other values: run npm run synth';

/** Values in dist/ that are not the config's: hosts, certificates, backup endpoints, the load balancer, the ACME account. */
export function distFindings(cluster: ClusterConfig, objects: ReadonlyArray<Manifest & { file: string }>): Finding[] {
  const findings: Finding[] = [];
  const at = (o: Manifest & { file: string }) => `dist/${o.file}: ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
  const spec = (o: Manifest) => (o as { spec?: any }).spec ?? {};
  for (const o of objects) {
    const hosts: string[] =
      // A tailnet-only app's Ingress names its machine on the tailnet, not a host under the domain.
      o.kind === 'Ingress' && spec(o).ingressClassName === TAILNET_INGRESS.className ? []
      : o.kind === 'Ingress' ? [...(spec(o).rules ?? []).map((r: any) => r.host), ...(spec(o).tls ?? []).flatMap((t: any) => t.hosts ?? [])]
      : o.kind === 'Certificate' ? spec(o).dnsNames ?? []
      : [];
    for (const host of new Set(hosts.filter((h) => typeof h === 'string'))) {
      if (!underDomain(host, cluster.domain)) findings.push(`${at(o)}: host: got ${host}, expected a host under ${cluster.domain} (${CLUSTER_FILE} domain); ${STALE_DIST}`);
    }
    if (o.kind === 'ClusterIssuer' && spec(o).acme?.email !== undefined && spec(o).acme.email !== cluster.acmeEmail) {
      findings.push(`${at(o)}: acme.email: got ${spec(o).acme.email}, expected ${cluster.acmeEmail} (${CLUSTER_FILE} acmeEmail); ${STALE_DIST}`);
    }
    const annotations: Record<string, string | undefined> = (o.metadata.annotations ?? {}) as Record<string, string | undefined>;
    const ip = annotations['kubernetes.civo.com/ipv4-address'];
    if (ip !== undefined && ip !== cluster.loadBalancer.reservedIp) findings.push(`${at(o)}: reserved IP: got ${ip}, expected ${cluster.loadBalancer.reservedIp} (${CLUSTER_FILE} loadBalancer.reservedIp); ${STALE_DIST}`);
    const firewall = annotations['kubernetes.civo.com/firewall-id'];
    if (ip !== undefined && firewall !== cluster.loadBalancer.firewallId) findings.push(`${at(o)}: firewall id: got ${firewall ?? 'nothing'}, expected ${cluster.loadBalancer.firewallId ?? 'nothing'} (${CLUSTER_FILE} loadBalancer.firewallId); ${STALE_DIST}`);
    // Backup endpoints anywhere in the object (CloudNativePG's endpointURL, restic's repository, ...).
    for (const [, account] of JSON.stringify(o).matchAll(/https:\/\/([0-9a-z]+)\.r2\.cloudflarestorage\.com/g)) {
      if (account !== cluster.backups.r2.accountId) {
        findings.push(`${at(o)}: backup endpoint: got account ${account}, expected ${cluster.backups.r2.accountId} (${CLUSTER_FILE} backups.r2.accountId); ${STALE_DIST}`);
        break;
      }
    }
  }
  return findings;
}

/** dist/ against a fresh render of the same sources: the files that differ, as one finding. */
export function renderFindings(dist: ReadonlyMap<string, string>, rendered: ReadonlyMap<string, string>): Finding[] {
  const differ = [...new Set([...dist.keys(), ...rendered.keys()])].filter((f) => dist.get(f) !== rendered.get(f)).sort();
  if (!differ.length) return [];
  return [`dist/: ${differ.length} file(s) differ from what config/, charts/ and apps/ render (${differ.slice(0, 3).join(', ')}${differ.length > 3 ? ', ...' : ''}), expected dist/ rendered from them: run npm run synth`];
}

const STALE_STACK = 'the synthesized bootstrap is stale: run npm run bootstrap:synth';

/** The synthesized bootstrap stack (bootstrap/cdktf.out, when present) against the config. */
export function bootstrapStackFindings(cluster: ClusterConfig, file: string, stack: any): Finding[] {
  const findings: Finding[] = [];
  const endpoint: string | undefined = stack?.terraform?.backend?.s3?.endpoints?.s3;
  const expected = `https://${cluster.backups.r2.accountId}.r2.cloudflarestorage.com`;
  if (endpoint !== undefined && endpoint !== expected) findings.push(`${file}: state backend endpoint: got ${endpoint}, expected ${expected} (${CLUSTER_FILE} backups.r2.accountId); ${STALE_STACK}`);
  const zone: string | undefined = stack?.data?.cloudflare_zone?.zone?.filter?.name;
  if (zone !== undefined && zone !== cluster.domain) findings.push(`${file}: zone: got ${zone}, expected ${cluster.domain} (${CLUSTER_FILE} domain); ${STALE_STACK}`);
  for (const [id, record] of Object.entries<any>(stack?.resource?.cloudflare_dns_record ?? {})) {
    if (typeof record?.name === 'string' && !underDomain(record.name, cluster.domain)) findings.push(`${file}: ${id}: got ${record.name}, expected a record under ${cluster.domain} (${CLUSTER_FILE} domain); ${STALE_STACK}`);
  }
  return findings;
}

/** The bootstrap's outputs (`terraform output -json`, when given) against the config. */
export function bootstrapOutputFindings(cluster: ClusterConfig, file: string, outputs: Record<string, { value?: unknown } | undefined>): Finding[] {
  const findings: Finding[] = [];
  const compare = (output: string, field: string, configured: string | undefined) => {
    const value = outputs[output]?.value;
    if (typeof value === 'string' && value !== configured) findings.push(`${CLUSTER_FILE}: ${field}: got ${configured ?? 'nothing'}, expected ${value} (${file} ${output}; npm run configure -- --from-bootstrap ${file})`);
  };
  compare('reserved_ip', 'loadBalancer.reservedIp', cluster.loadBalancer.reservedIp);
  compare('firewall_id', 'loadBalancer.firewallId', cluster.loadBalancer.firewallId);
  return findings;
}
