import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCluster } from '../../lib/config';
import { fixtureCluster as cluster, fixtureClusterInput } from '../fixtures/cluster';
import { API_SERVICE_IP, DNS_DOOR, K3S_POD_CIDR, platformNetworksOf, type Door, type Labels, type Port } from '../../lib/constructs/platform-network';
import { selects, type LabelSelector } from '../../lib/delivery/chart-network';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { renderFiles, type Manifest } from '../../lib/render';
import { toYaml } from '../../lib/yaml';
import { SIGN_IN } from '../../lib/platform-contracts';
import { buildPlatform } from '../../platform';
import { parseFiles } from '../helpers';
import { REPO, startPinnedControlPlane } from './harness';

/*
 * The platform namespaces' NetworkPolicies, by what they select and what they let through:
 * 1. the real kube-apiserver takes them as synth renders them (and defaults them), and, asked with
 *    their own selectors, lists exactly the pods lib/delivery/chart-network.ts `selects` computes;
 * 2. a real NetworkPolicy engine decides every flow of a grid (each component's pod against the
 *    API server, nodes, kube-dns, the metadata service, the internet, every other component, an
 *    app, a stranger; on every declared port and a few more, TCP and UDP): the policies the API
 *    server returned must let through exactly what the chart files declare. The engine is
 *    cyclonus' (github.com/mattfenwick/cyclonus/pkg/matcher, built from its Go module into
 *    test/oracles/netpol by scripts/build-netpol-oracle.sh): no CNI enforces policies without a
 *    node, and that engine decides from the policies alone, as the NetworkPolicy spec reads.
 * The platform is rendered without apps (the test brings its own app namespace), with admins
 * named by GitHub user, so the sign-in namespace runs the shared sign-in and one of a login's own.
 */

const withOwnSignIn = defineCluster({ ...fixtureClusterInput, adminLogin: { github: { users: ['octocat'] } } }, 'test/fixtures/cluster.ts');
const { app } = buildPlatform({ cluster: withOwnSignIn, appSources: [] });
const networks = platformNetworksOf(app);
const rendered = parseFiles(renderFiles(app));

let cp: ControlPlane;
let oracle: string;
/** The policies as the API server keeps them. */
let policies: Manifest[];
let namespaceLabels: Map<string, Labels>;

/** A namespace of an app (labelled as the app chart labels one) and one that is nobody's. */
const APP_NS = 'demo-app';
const STRANGER_NS = 'elsewhere';

beforeAll(async () => {
  // The first run on a machine builds the oracle (~90 s from cold Go caches); later runs find it cached.
  const { stdout } = await promisify(execFile)('bash', [join(REPO, 'scripts/build-netpol-oracle.sh')], { encoding: 'utf8', timeout: 600_000 });
  oracle = stdout.trim().split('\n').pop()!;
  cp = await startPinnedControlPlane();
  console.log(`control plane: kube-apiserver ${cp.version} at ${cp.server}; NetworkPolicy engine: ${oracle}`);
  const namespaces = [
    ...rendered.filter((o) => o.kind === 'Namespace'),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NS, labels: { 'app.kubernetes.io/part-of': APP_NS } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: STRANGER_NS } },
  ];
  const ours = rendered.filter((o) => o.kind === 'NetworkPolicy');
  cp.kubectl(['apply', '--server-side', '-f', '-'], [...namespaces, ...ours].map(({ file: _, ...o }: Manifest & { file?: string }) => toYaml(o)).join('---\n'));
  policies = JSON.parse(cp.kubectl(['get', 'networkpolicies', '-A', '-o', 'json'])).items;
  expect(policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual(ours.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort());
  namespaceLabels = new Map(JSON.parse(cp.kubectl(['get', 'namespaces', '-o', 'json'])).items.map((n: Manifest) => [n.metadata.name, n.metadata.labels ?? {}]));
});
afterAll(() => cp?.stop());

// ---------------------------------------------------------------------------------------------
// The pods: one per declared component, and the peers around them.

type Peer = { readonly name: string; readonly ip: string; readonly namespace?: string; readonly podLabels?: Labels };

const components = networks.flatMap((n) => Object.entries(n.components).map(([name, c]) => ({ network: n, name, component: c })));
const componentPods: Peer[] = components.map(({ network, name, component }, i) => ({
  name: `${network.namespace}/${name}`,
  ip: `10.42.1.${10 + i}`,
  namespace: network.namespace,
  // What a chart adds beside the labels it selects by.
  podLabels: { ...component.pods, 'helm.sh/chart': 'some-chart-1.0.0' },
}));
/** Each component's other replica: alloy-metrics clusters with its own. */
const replicas: Peer[] = componentPods.map((p, i) => ({ ...p, name: `${p.name} (another replica)`, ip: `10.42.4.${10 + i}` }));
const NODE_IP = ipaddr.IPv4.networkAddressFromCIDR(cluster.network.cidr).toByteArray().map((b, i) => (i === 3 ? b + 10 : b)).join('.');
const others: Peer[] = [
  { name: 'kube-dns', ip: '10.42.0.10', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
  { name: 'an app', ip: '10.42.2.10', namespace: APP_NS, podLabels: { 'app.kubernetes.io/part-of': APP_NS, 'app.kubernetes.io/name': 'web' } },
  { name: "an app's database", ip: '10.42.2.11', namespace: APP_NS, podLabels: { 'cnpg.io/cluster': `${APP_NS}-db`, 'hobby-infra.dev/database-of': APP_NS } },
  { name: 'a stranger pod', ip: '10.42.2.12', namespace: STRANGER_NS, podLabels: { app: 'stranger' } },
  { name: 'a node (and the API server)', ip: NODE_IP },
  { name: "another node's flannel address", ip: '10.42.3.0' },
  { name: 'the kubernetes Service', ip: API_SERVICE_IP },
  { name: 'another Service', ip: '10.43.12.34' },
  { name: 'the metadata service', ip: '169.254.169.254' },
  { name: 'a CGNAT address', ip: '100.64.0.1' },
  { name: 'a private address', ip: '172.16.0.1' },
  { name: "Cloudflare's resolver", ip: '1.1.1.1' },
  { name: 'the internet', ip: '8.8.4.4' },
  { name: 'a client on the internet', ip: '81.2.69.142' },
];
const peers = [...componentPods, ...replicas, ...others];

const declaredPorts = (d: Door): readonly Port[] => (d.ports === 'any' ? [] : d.ports);
const portNumbers = [...new Set([...components.flatMap((c) => [DNS_DOOR, ...c.component.doors].flatMap(declaredPorts).map((p) => p.port)), 22, 80, 443, 6443, 8081, 65535])].sort((a, b) => a - b);
const PORTS: Port[] = portNumbers.flatMap((port) => [{ protocol: 'TCP', port }, { protocol: 'UDP', port }]);

// ---------------------------------------------------------------------------------------------
// What the declarations say: the test's own reading of each kind of door.

const inRange = (ip: string, cidr: string) => ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(cidr));
const isNode = (ip: string) => inRange(ip, cluster.network.cidr);
const isPublic = (ip: string) => ipaddr.IPv4.parse(ip).range() === 'unicast';

function admits(door: Door, home: string, peer: Peer, port: Port): boolean {
  const p = door.peer;
  const onPort = door.ports === 'any' || door.ports.some((d) => d.port === port.port && d.protocol === port.protocol);
  switch (p.kind) {
    case 'api-server':
      if (door.direction === 'egress') return port.protocol === 'TCP' && ((isNode(peer.ip) && port.port === 6443) || (peer.ip === API_SERVICE_IP && port.port === 443));
      return onPort && (isNode(peer.ip) || inRange(peer.ip, K3S_POD_CIDR));
    case 'nodes':
      return onPort && isNode(peer.ip);
    case 'internet':
      return onPort && isPublic(peer.ip);
    case 'anywhere':
      return onPort;
    case 'addresses':
      return onPort && p.cidrs.some((c) => inRange(peer.ip, c.includes('/') ? c : `${c}/32`));
    case 'pods': {
      if (!onPort || !peer.namespace) return false;
      const nsLabels = namespaceLabels.get(peer.namespace) ?? {};
      const namespaceOk = p.namespacesLabelled ? p.namespacesLabelled in nsLabels : p.namespace === '*' || peer.namespace === (p.namespace ?? home);
      const labels = peer.podLabels ?? {};
      return namespaceOk && Object.entries(p.labels ?? {}).every(([k, v]) => labels[k] === v) && (!p.withLabel || p.withLabel in labels);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The engine.

type Side = { allowed: boolean; selectedBy: string[]; allowedBy: string[] };
type Flow = { from: Peer; to: Peer; port: Port };

const asOraclePeer = (p: Peer) => (p.namespace ? { ip: p.ip, namespace: p.namespace, namespaceLabels: namespaceLabels.get(p.namespace) ?? {}, podLabels: p.podLabels ?? {} } : { ip: p.ip });

/** The engine's verdict on each flow, under `withPolicies`. */
function decide(flows: readonly Flow[], withPolicies: readonly Manifest[] = policies): { egress: Side; ingress: Side }[] {
  const input = JSON.stringify({ policies: withPolicies, flows: flows.map((f) => ({ from: asOraclePeer(f.from), to: asOraclePeer(f.to), port: f.port.port, protocol: f.port.protocol })) });
  const out = JSON.parse(execFileSync(oracle, [], { input, encoding: 'utf8', maxBuffer: 1 << 30 }));
  expect(out.engine).toBe('github.com/mattfenwick/cyclonus v0.5.6 pkg/matcher');
  expect(out.verdicts).toHaveLength(flows.length);
  return out.verdicts;
}

/** Every flow of the grid whose verdict differs from the declarations, or whose pod other policies select. */
function disagreements(withPolicies: readonly Manifest[] = policies): { found: string[]; unused: string[] } {
  const flows: (Flow & { self: Peer; direction: 'egress' | 'ingress'; expected: boolean; policy: string })[] = [];
  const used = new Set<Door>();
  components.forEach(({ network, name, component }, i) => {
    const self = componentPods[i]!;
    const doors = [DNS_DOOR, ...component.doors];
    for (const peer of peers.filter((p) => p !== self)) {
      for (const port of PORTS) {
        for (const direction of ['egress', 'ingress'] as const) {
          const through = doors.filter((d) => d.direction === direction && admits(d, network.namespace, peer, port));
          through.forEach((d) => used.add(d));
          const expected = through.length > 0;
          const [from, to] = direction === 'egress' ? [self, peer] : [peer, self];
          flows.push({ from, to, port, self, direction, expected, policy: `${network.namespace}/allow-${name}` });
        }
      }
    }
  });
  const verdicts = decide(flows, withPolicies);
  const found: string[] = [];
  flows.forEach((f, i) => {
    const side = verdicts[i]![f.direction];
    const what = `${f.self.name} ${f.direction === 'egress' ? `to ${f.to.name}` : `from ${f.from.name}`} on ${f.port.protocol} ${f.port.port}`;
    if (side.allowed !== f.expected) found.push(`${what}: ${side.allowed ? 'allowed' : 'denied'} (by ${side.allowedBy.join(', ') || 'nothing'}), declared ${f.expected ? 'open' : 'closed'}`);
    const selected = [f.policy, `${f.self.namespace}/default-deny`].sort();
    if (JSON.stringify(side.selectedBy) !== JSON.stringify(selected)) found.push(`${what}: selected by ${side.selectedBy.join(', ')}, expected ${selected.join(', ')}`);
  });
  const open = flows.filter((f) => f.expected).length;
  console.log(`NetworkPolicy engine: ${flows.length} flows of ${components.length} components (${open} through declared doors), ${found.length} disagreements`);
  // Every door is tried by some flow of the grid: none is left unchecked.
  const unused = components.flatMap(({ network, name, component }) => component.doors.filter((d) => !used.has(d)).map((d) => `${network.namespace}/${name}: ${d.why}`));
  return { found: [...new Set(found)], unused };
}

// ---------------------------------------------------------------------------------------------

describe('platform NetworkPolicies', () => {
  it('the API server takes them, and its own label selection is what the unit test computes', () => {
    const spec = {
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: 'registry.invalid/c:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    };
    const pods = componentPods.map((p, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: p.namespace, labels: p.podLabels }, spec }));
    cp.kubectl(['create', '-f', '-'], pods.map((p) => toYaml(p as Manifest)).join('---\n'));
    const toQuery = (s: LabelSelector) =>
      [...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`), ...(s.matchExpressions ?? []).map((e) => ({ Exists: e.key, DoesNotExist: `!${e.key}`, In: `${e.key} in (${e.values})`, NotIn: `${e.key} notin (${e.values})` })[e.operator as 'In'])].join(',');
    let checked = 0;
    // The components' policies; a volume backup's mover policy selects VolSync's mover pods, not a chart's (test/backups.test.ts).
    const ofComponents = policies.filter((p) => networks.some((n) => n.namespace === p.metadata.namespace) && !p.metadata.name.endsWith('-volume-backup'));
    for (const policy of ofComponents) {
      const ns = policy.metadata.namespace!;
      const selector = (policy.spec as { podSelector: LabelSelector }).podSelector;
      const query = toQuery(selector);
      const listed = cp.kubectl(['-n', ns, 'get', 'pods', '-o', 'name', ...(query ? ['-l', query] : [])]).trim().split('\n').filter(Boolean).map((n) => n.replace('pod/', '')).sort();
      const computed = pods.filter((p) => p.metadata.namespace === ns && selects(selector, p.metadata.labels!)).map((p) => p.metadata.name).sort();
      expect(listed, `${ns}/${policy.metadata.name}`).toEqual(computed);
      expect(listed.length, `${ns}/${policy.metadata.name} selects none of the pods`).toBeGreaterThan(0);
      checked++;
    }
    expect(checked).toBe(ofComponents.length);
  });

  it('a NetworkPolicy engine lets through exactly the doors each chart file declares, for every component, and nothing else', () => {
    expect(components.length).toBeGreaterThanOrEqual(20);
    const { found, unused } = disagreements();
    expect(found).toEqual([]);
    expect(unused).toEqual([]);
  });

  it('Uptime Kuma reaches neither the metadata service nor the API server, on any port', () => {
    const kuma = componentPods.find((p) => p.name === 'uptime-kuma/uptime-kuma')!;
    const targets = others.filter((p) => ['the metadata service', 'a node (and the API server)', 'the kubernetes Service'].includes(p.name));
    const flows: Flow[] = targets.flatMap((to) => Array.from({ length: 65535 }, (_, i) => i + 1).flatMap((port) => [{ from: kuma, to, port: { protocol: 'TCP', port } }, { from: kuma, to, port: { protocol: 'UDP', port } }] as Flow[]));
    const open = decide(flows).flatMap((v, i) => (v.egress.allowed ? [`${flows[i]!.to.name} ${flows[i]!.port.protocol} ${flows[i]!.port.port}`] : []));
    expect(flows).toHaveLength(3 * 65535 * 2);
    expect(open).toEqual([]);
    // What it must do still works: monitor the internet, be reached from Traefik and from nobody else.
    const traefik = componentPods.find((p) => p.name === 'traefik/traefik')!;
    const stranger = others.find((p) => p.name === 'a stranger pod')!;
    const internet = others.find((p) => p.name === 'the internet')!;
    const client = others.find((p) => p.name === 'a client on the internet')!;
    const [out, fromTraefik, fromStranger, fromInternet] = decide([
      { from: kuma, to: internet, port: { protocol: 'TCP', port: 443 } },
      { from: traefik, to: kuma, port: { protocol: 'TCP', port: 3001 } },
      { from: stranger, to: kuma, port: { protocol: 'TCP', port: 3001 } },
      { from: client, to: kuma, port: { protocol: 'TCP', port: 3001 } },
    ]);
    expect([out!.egress.allowed, fromTraefik!.egress.allowed && fromTraefik!.ingress.allowed, fromStranger!.ingress.allowed, fromInternet!.ingress.allowed]).toEqual([true, true, false, false]);
  });

  it.each([SIGN_IN.service, `${SIGN_IN.service}-uptime-kuma`])('the sign-in %s is reached from Traefik only, on its port, and reaches only DNS and HTTPS on the internet (GitHub)', (service) => {
    const signIn = componentPods.find((p) => p.name === `${SIGN_IN.namespace}/${service}`)!;
    const isTraefik = (p: Peer) => p.namespace === 'traefik';
    // Every peer of the grid, every port of it, both ways; and the private targets on every port.
    const grid: Flow[] = peers.filter((p) => p.ip !== signIn.ip).flatMap((peer) => PORTS.flatMap((port) => [{ from: peer, to: signIn, port }, { from: signIn, to: peer, port }]));
    const privateTargets = others.filter((p) => ['the metadata service', 'a node (and the API server)', 'the kubernetes Service', 'a private address', 'a CGNAT address'].includes(p.name));
    const everyPort: Flow[] = privateTargets.flatMap((to) => Array.from({ length: 65535 }, (_, i) => i + 1).flatMap((port) => (['TCP', 'UDP'] as const).map((protocol) => ({ from: signIn, to, port: { protocol, port } }))));
    const flows = [...grid, ...everyPort];
    const open = decide(flows).flatMap((v, i) => {
      const f = flows[i]!;
      const inbound = f.to === signIn;
      // Through only when both ends' policies let it: the sender's egress and the receiver's ingress.
      return v.ingress.allowed && v.egress.allowed ? [`${inbound ? `from ${f.from.name}` : `to ${f.to.name}`} ${f.port.protocol} ${f.port.port}`] : [];
    });
    const traefikPods = peers.filter(isTraefik).map((p) => `from ${p.name} TCP ${SIGN_IN.port}`);
    const internet = others.filter((p) => ['the internet', "Cloudflare's resolver", 'a client on the internet'].includes(p.name)).map((p) => `to ${p.name} TCP 443`);
    expect(traefikPods.length).toBeGreaterThanOrEqual(2);
    expect(open.sort()).toEqual([...traefikPods, ...internet, 'to kube-dns TCP 53', 'to kube-dns UDP 53'].sort());
  });

  it('the check can fail: a door opened too wide, or a selector that misses its pods, disagrees with the declarations', () => {
    const widened = structuredClone(policies) as any[];
    const kumaPolicy = widened.find((p) => p.metadata.name === 'allow-uptime-kuma');
    delete kumaPolicy.spec.egress.find((r: any) => r.to?.[0]?.ipBlock?.except).to[0].ipBlock.except;
    const wide = disagreements(widened).found;
    expect(wide).toContain('uptime-kuma/uptime-kuma to the metadata service on TCP 443: allowed (by uptime-kuma/allow-uptime-kuma), declared closed');
    expect(wide).toContain('uptime-kuma/uptime-kuma to a node (and the API server) on TCP 443: allowed (by uptime-kuma/allow-uptime-kuma), declared closed');

    const missed = structuredClone(policies) as any[];
    missed.find((p) => p.metadata.namespace === 'cert-manager' && p.metadata.name === 'allow-webhook').spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'cert-manager-webhook';
    const cut = disagreements(missed).found;
    expect(cut).toContain('cert-manager/webhook from a node (and the API server) on TCP 10250: denied (by nothing), declared open');
    expect(cut).toContain('cert-manager/webhook to kube-dns on UDP 53: selected by cert-manager/default-deny, expected cert-manager/allow-webhook, cert-manager/default-deny');
  });
});
