import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import ipaddr from 'ipaddr.js';
import type { ClusterConfig } from '../config';
import { DNS_LABEL } from '../names';
import type { PlatformChart } from '../render';
import { PRIVATE_RANGES } from './app-network';
import { K3S_POD_CIDR } from '../civo';

/*
 * A platform namespace's NetworkPolicies: `default-deny` (every pod, both directions), then one
 * `allow-<component>` per component (the pods of one workload, by the labels its chart gives them)
 * that opens only the doors its chart file declares, each with the reason it is there (a door
 * without one is refused). Every component resolves names through kube-dns. What k3s' policy
 * controller (kube-router, after kube-proxy's rewrite) makes of them decides how doors are drawn:
 *  - a Service address is rewritten to an endpoint's before policies apply: the API server is
 *    reached at a node's address on 6443, not at the `kubernetes` Service on 443 (both are opened);
 *  - the API server calls a webhook from its node's address, or, when the webhook's pod runs on
 *    another node, from that node's flannel address, which lies in the pod range: a NetworkPolicy
 *    cannot tell it from a pod there, so webhook ports admit both (the webhook's TLS, whose CA the
 *    API server pins, is what authenticates the caller);
 *  - a pod's own node always reaches it (kubelet probes need no door);
 *  - pods on the host network (node-exporter) are not subject to NetworkPolicies at all.
 */

/** k3s' default pod range, which Civo's clusters keep (lib/civo.ts). */
export { K3S_POD_CIDR };
/** The `kubernetes` Service's address: the first of k3s' default Service range, 10.43.0.0/16. */
export const API_SERVICE_IP = '10.43.0.1';
/** The port the API server (k3s) listens on, on its node's address. */
export const API_SERVER_PORT = 6443;

export type Protocol = 'TCP' | 'UDP';
export interface Port {
  readonly protocol: Protocol;
  readonly port: number;
}
export const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: 'TCP', port }));
export const udp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: 'UDP', port }));

export type Ports = readonly Port[] | 'any';

export type Labels = Readonly<Record<string, string>>;

/** Pods on the other side of a door. */
export interface Pods {
  /** Labels they carry (all of them); any pod when absent. */
  readonly labels?: Labels;
  /** And a label they carry, whatever its value. */
  readonly withLabel?: string;
  /** Their namespace by name, `*` for every namespace; the component's own when absent. */
  readonly namespace?: string;
  /** Instead of a name: every namespace that carries this label (any value). */
  readonly namespacesLabelled?: string;
}

/** The label every app's namespace carries (lib/constructs/app-chart.ts), which no platform namespace has. */
export const APP_NAMESPACE_LABEL = 'app.kubernetes.io/part-of';

/** Who is on the other side of a door (resolved against the cluster's addresses by `rulesOf`). */
export type Peer =
  | { readonly kind: 'api-server' }
  | { readonly kind: 'nodes' }
  | { readonly kind: 'internet' }
  | { readonly kind: 'anywhere' }
  | { readonly kind: 'addresses'; readonly cidrs: readonly string[] }
  | ({ readonly kind: 'pods' } & Pods);

export interface Door {
  readonly direction: 'ingress' | 'egress';
  readonly peer: Peer;
  /**
   * The ports the door opens (on the component's pods for ingress, on the peer for egress); `any`
   * where the other side's own policy decides (an app admits Traefik to its web ports only).
   */
  readonly ports: Ports;
  /** Why the component needs it, read in review of the chart file (required). */
  readonly why: string;
}

/** The API server, at a node's address on 6443 and at the `kubernetes` Service on 443. */
export const toApiServer = (why: string): Door => ({ direction: 'egress', peer: { kind: 'api-server' }, ports: tcp(443, API_SERVER_PORT), why });
/** Calls from the API server (admission webhooks): from the node network and the pod range (see above). */
export const fromApiServer = (ports: Ports, why: string): Door => ({ direction: 'ingress', peer: { kind: 'api-server' }, ports, why });
/** Public addresses only: never private, link-local (the cloud's metadata service) or shared (CGNAT) ranges. */
export const toInternet = (ports: Ports, why: string): Door => ({ direction: 'egress', peer: { kind: 'internet' }, ports, why });
export const fromAnywhere = (ports: Ports, why: string): Door => ({ direction: 'ingress', peer: { kind: 'anywhere' }, ports, why });
/** The nodes' own addresses (the cluster's private network): the kubelet, host-network exporters. */
export const toNodes = (ports: Ports, why: string): Door => ({ direction: 'egress', peer: { kind: 'nodes' }, ports, why });
export const toAddresses = (cidrs: readonly string[], ports: Ports, why: string): Door => ({ direction: 'egress', peer: { kind: 'addresses', cidrs }, ports, why });
export const toPods = (pods: Pods, ports: Ports, why: string): Door => ({ direction: 'egress', peer: { kind: 'pods', ...pods }, ports, why });
export const fromPods = (pods: Pods, ports: Ports, why: string): Door => ({ direction: 'ingress', peer: { kind: 'pods', ...pods }, ports, why });

/** One workload of a platform chart: its pods' labels and its doors. */
export interface PlatformComponent {
  /**
   * Labels the chart puts on the component's pods (as rendered by the pinned chart version;
   * `npm run check-charts` checks them against the real render). The policy selects these.
   */
  readonly pods: Labels;
  readonly doors: readonly Door[];
}

export interface PlatformNetworkProps {
  readonly cluster: ClusterConfig;
  readonly namespace: string;
  /** By name (`allow-<name>`): every workload that runs in the namespace. */
  readonly components: Readonly<Record<string, PlatformComponent>>;
}

/** Every component reaches kube-dns: it resolves the names of what it calls. */
export const DNS_DOOR: Door = {
  direction: 'egress',
  peer: { kind: 'pods', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  ports: [...udp(53), ...tcp(53)],
  why: 'resolves the names of what it calls',
};

type PolicyPeer = k8s.NetworkPolicyPeer;
interface Rule {
  readonly peers?: PolicyPeer[];
  readonly ports: Ports;
}

const byName = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const block = (cidr: string, except?: readonly string[]): PolicyPeer => ({ ipBlock: { cidr, ...(except ? { except: [...except] } : {}) } });
/** A CIDR as the API server keeps it: host bits cleared. */
const network = (cidr: string) => `${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${cidr.split('/')[1]}`;

/** The NetworkPolicy rules a door stands for, on this cluster. */
function rulesOf(door: Door, cluster: ClusterConfig): Rule[] {
  const peer = door.peer;
  const nodes = network(cluster.network.cidr);
  switch (peer.kind) {
    case 'api-server':
      if (door.direction === 'ingress') return [{ peers: [block(nodes), block(K3S_POD_CIDR)], ports: door.ports }];
      // Its node's address on 6443, and the Service address on 443.
      return [
        { peers: [block(nodes)], ports: tcp(API_SERVER_PORT) },
        { peers: [block(`${API_SERVICE_IP}/32`)], ports: tcp(443) },
      ];
    case 'nodes':
      return [{ peers: [block(nodes)], ports: door.ports }];
    case 'internet':
      return [{ peers: [block('0.0.0.0/0', PRIVATE_RANGES)], ports: door.ports }];
    case 'anywhere':
      return [{ ports: door.ports }];
    case 'addresses':
      return [{ peers: peer.cidrs.map((c) => block(c.includes('/') ? network(c) : `${c}/32`)), ports: door.ports }];
    case 'pods': {
      const podSelector = {
        ...(peer.labels && Object.keys(peer.labels).length ? { matchLabels: { ...peer.labels } } : {}),
        ...(peer.withLabel ? { matchExpressions: [{ key: peer.withLabel, operator: 'Exists' }] } : {}),
      };
      const namespaceSelector = peer.namespacesLabelled
        ? { matchExpressions: [{ key: peer.namespacesLabelled, operator: 'Exists' }] }
        : peer.namespace === '*'
          ? {}
          : peer.namespace
            ? byName(peer.namespace)
            : undefined;
      // A namespace selector alone means every pod there; without one, the pod selector is needed.
      const anyPod = !Object.keys(podSelector).length;
      return [{ peers: [{ ...(namespaceSelector ? { namespaceSelector } : {}), ...(anyPod && namespaceSelector ? {} : { podSelector }) }], ports: door.ports }];
    }
  }
}

/** The first problem of a declaration, as `field: got X, expected Y`. */
function problemOf(props: PlatformNetworkProps): string | undefined {
  const components = Object.entries(props.components);
  if (!components.length) return `network.components: got none, expected every workload of the namespace`;
  for (const [name, component] of components) {
    const at = `network.components.${name}`;
    if (!DNS_LABEL.test(name)) return `${at}: got the name ${JSON.stringify(name)}, expected a DNS label (the policy is allow-<name>)`;
    if (!Object.keys(component.pods).length) return `${at}.pods: got {}, expected the labels the chart gives the component's pods (a policy without them would select every pod)`;
    for (const [i, door] of component.doors.entries()) {
      if (!door.why.trim()) return `${at}.doors.${i}.why: got nothing, expected why the component needs this door (${door.direction}, ${door.peer.kind})`;
      const bad = door.ports === 'any' ? undefined : door.ports.find((p) => !Number.isInteger(p.port) || p.port < 1 || p.port > 65535);
      if ((door.ports !== 'any' && !door.ports.length) || bad) return `${at}.doors.${i}.ports: got ${bad ? bad.port : 'none'}, expected ports between 1 and 65535`;
      const cidrs = door.peer.kind === 'addresses' ? door.peer.cidrs : [];
      const invalid = cidrs.find((c) => !ipaddr.IPv4.isValidCIDR(c) && !ipaddr.IPv4.isValidFourPartDecimal(c));
      if (invalid !== undefined || (door.peer.kind === 'addresses' && !cidrs.length)) return `${at}.doors.${i}.peer.cidrs: got ${JSON.stringify(invalid ?? cidrs)}, expected IPv4 addresses or CIDRs`;
    }
  }
  return undefined;
}

/** `default-deny` and one `allow-<component>` per component of a platform namespace. */
export class PlatformNetwork extends Construct {
  readonly namespace: string;
  readonly components: Readonly<Record<string, PlatformComponent>>;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps) {
    super(scope, id);
    const problem = problemOf(props);
    if (problem) {
      // A platform chart's file is charts/<fileName>.ts (PlatformChart).
      const chart = Chart.of(this) as Chart & Partial<Pick<PlatformChart, 'fileName'>>;
      throw new Error(`${chart.fileName ? `charts/${chart.fileName}.ts` : chart.node.path}: ${problem}`);
    }
    this.namespace = props.namespace;
    this.components = props.components;
    const namespace = props.namespace;
    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const policyRule = (rule: Rule, side: 'from' | 'to') => ({
      ...(rule.peers ? { [side]: rule.peers } : {}),
      ...(rule.ports === 'any' ? {} : { ports: rule.ports.map((p) => ({ protocol: p.protocol, port: k8s.IntOrString.fromNumber(p.port) })) }),
    });
    for (const [name, component] of Object.entries(props.components)) {
      const doors = [DNS_DOOR, ...component.doors];
      const rules = (direction: Door['direction']) =>
        doors.filter((d) => d.direction === direction).flatMap((d) => rulesOf(d, props.cluster));
      const ingress = rules('ingress').map((r) => policyRule(r, 'from'));
      const egress = rules('egress').map((r) => policyRule(r, 'to'));
      new k8s.KubeNetworkPolicy(this, `allow-${name}`, {
        metadata: { name: `allow-${name}`, namespace },
        spec: {
          podSelector: { matchLabels: { ...component.pods } },
          policyTypes: ['Ingress', 'Egress'],
          ...(ingress.length ? { ingress } : {}),
          egress,
        },
      });
    }
  }
}

/** Every PlatformNetwork of a cdk8s app (or any construct tree), for checks and tests. */
export const platformNetworksOf = (root: Construct): PlatformNetwork[] => root.node.findAll().filter((c): c is PlatformNetwork => c instanceof PlatformNetwork);
