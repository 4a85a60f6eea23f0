import { App } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { defineCluster, type ClusterConfigInput } from '../lib/config';
import {
  APP_NAMESPACE_LABEL,
  fromApiServer,
  PlatformNetwork,
  platformNetworksOf,
  tcp,
  toAddresses,
  toApiServer,
  type PlatformComponent,
} from '../lib/constructs/platform-network';
import { networkCoverage, renderedPods, selects } from '../lib/delivery/chart-network';
import { PlatformChart, renderFiles, type Manifest } from '../lib/render';
import { buildPlatform } from '../platform';
import { parseFiles } from './helpers';

/*
 * The platform namespaces' NetworkPolicies as synth renders them (charts/*.ts declare each
 * component's pods and doors; lib/constructs/platform-network.ts renders them): which policies
 * select each declared pod, what each allow policy carries, and the refusals of a bad declaration.
 * What the policies let through is decided by a real NetworkPolicy engine in
 * test/cluster/platform-network.test.ts; that the declared labels are the ones the pinned charts
 * render is checked by `npm run check-charts` (test/helm/chart-network.test.ts).
 */

/** The platform alone (no apps: the tests bring none), its declarations and its rendered objects. */
function platform(config = cluster) {
  const { app } = buildPlatform({ cluster: config, appSources: [] });
  return { networks: platformNetworksOf(app), objects: parseFiles(renderFiles(app)) };
}
const { networks, objects } = platform();
const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as (Manifest & { spec: any })[];
const platformNamespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
const inNamespace = (ns: string) => policies.filter((p) => p.metadata.namespace === ns);

describe('every platform namespace', () => {
  test('has a default deny of both directions, and one allow policy per component its chart declares', () => {
    expect(platformNamespaces.length).toBeGreaterThanOrEqual(9);
    expect(networks.map((n) => n.namespace).sort()).toEqual([...platformNamespaces].sort());
    for (const network of networks) {
      const here = inNamespace(network.namespace);
      expect(here.find((p) => p.metadata.name === 'default-deny')?.spec, network.namespace).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      // A volume backup's mover policy (lib/constructs/volume-backup.ts) sits beside them where the namespace backs a volume up.
      const isMovers = (p: Manifest) => p.metadata.name.endsWith('-volume-backup');
      expect(here.filter((p) => !isMovers(p)).map((p) => p.metadata.name).sort()).toEqual(['default-deny', ...Object.keys(network.components).map((c) => `allow-${c}`)].sort());
      const sources = objects.filter((o) => o.kind === 'ReplicationSource' && o.metadata.namespace === network.namespace);
      expect(here.filter(isMovers).map((p) => p.metadata.name)).toEqual(sources.map((o) => `${o.metadata.name}-volume-backup`));
    }
  });

  test('selects each declared pod by the default deny and by its own allow policy, and by no other', () => {
    let pods = 0;
    for (const network of networks) {
      for (const [name, component] of Object.entries(network.components)) {
        const selecting = inNamespace(network.namespace).filter((p) => selects(p.spec.podSelector, component.pods));
        expect(selecting.map((p) => p.metadata.name).sort(), `${network.namespace}/${name}`).toEqual([`allow-${name}`, 'default-deny']);
        pods++;
      }
    }
    expect(pods).toBeGreaterThanOrEqual(20);
  });

  test('is not labelled as an app namespace, so doors to the apps never open onto the platform', () => {
    // restore-drills and sign-in are labelled so on purpose (charts/restore-drills.ts, charts/sign-in.ts): their pods are
    // dist/'s own CronJobs and Deployment, which the deploy identity's policy admits in app namespaces only; their own
    // policies decide who reaches them (the operator's door; Traefik's, test/cluster/platform-network.test.ts).
    for (const ns of objects.filter((o) => o.kind === 'Namespace' && !['restore-drills', 'sign-in'].includes(o.metadata.name))) expect(Object.keys((ns.metadata.labels as object) ?? {})).not.toContain(APP_NAMESPACE_LABEL);
  });

  test('kube-system (the cluster autoscaler) is left alone: no policy is rendered there', () => {
    expect(objects.some((o) => o.kind === 'HelmChart' && (o.spec as any).targetNamespace === 'kube-system')).toBe(true);
    expect(policies.filter((p) => p.metadata.namespace === 'kube-system')).toEqual([]);
  });
});

describe('doors', () => {
  const allow = (ns: string, name: string) => inNamespace(ns).find((p) => p.metadata.name === `allow-${name}`)!.spec;

  test('the API server is reached at a node address on 6443 and at the kubernetes Service on 443, of the configured network', () => {
    const input = structuredClone(cluster) as unknown as ClusterConfigInput;
    const other = platform(defineCluster({ ...input, network: { cidr: '10.20.0.0/16' } }));
    const spec = other.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-webhook' && o.metadata.namespace === 'cert-manager')!.spec as any;
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 6443 }] });
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.43.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    // The webhook admits the API server from its node, or from another node's flannel address.
    expect(spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '10.20.0.0/16' } }, { ipBlock: { cidr: '10.42.0.0/16' } }], ports: [{ protocol: 'TCP', port: 10250 }] }]);
  });

  test('every admission webhook the charts serve has a door from the API server', () => {
    const webhookPort = (ns: string, name: string) => allow(ns, name).ingress.flatMap((r: any) => r.ports.map((p: any) => p.port));
    expect(webhookPort('cert-manager', 'webhook')).toEqual([10250]);
    expect(webhookPort('external-secrets', 'webhook')).toEqual([10250]);
    expect(webhookPort('cnpg-system', 'operator')).toEqual([9443]);
  });

  test('Uptime Kuma opens no door to the API server, the nodes or the metadata service: the internet excludes every private and link-local range', () => {
    const kuma = networks.find((n) => n.namespace === 'uptime-kuma')!;
    const doors = Object.values(kuma.components).flatMap((c) => c.doors);
    expect(doors.map((d) => d.peer.kind).sort()).toEqual(['internet', 'pods', 'pods']);
    const spec = allow('uptime-kuma', 'uptime-kuma');
    const internet = spec.egress.find((r: any) => r.to?.[0]?.ipBlock);
    expect(internet).toEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] } }],
      ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }],
    });
    expect(spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).not.toContain(6443);
    expect(spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }], ports: [{ protocol: 'TCP', port: 3001 }] }]);
  });
});

describe('a bad declaration', () => {
  const declare = (components: Record<string, PlatformComponent>) => {
    const chart = new PlatformChart(new App(), 'demo');
    return () => new PlatformNetwork(chart, 'network', { cluster, namespace: 'demo', components });
  };
  const why = 'calls it';
  test.each<[string, Record<string, PlatformComponent>, string]>([
    ['no component', {}, 'charts/demo.ts: network.components: got none, expected every workload of the namespace'],
    ['a pod selector of nothing', { web: { pods: {}, doors: [] } }, "charts/demo.ts: network.components.web.pods: got {}, expected the labels the chart gives the component's pods (a policy without them would select every pod)"],
    ['a name no policy can have', { Web_1: { pods: { app: 'web' }, doors: [] } }, 'charts/demo.ts: network.components.Web_1: got the name "Web_1", expected a DNS label (the policy is allow-<name>)'],
    ['a door without a reason', { web: { pods: { app: 'web' }, doors: [toApiServer(' ')] } }, 'charts/demo.ts: network.components.web.doors.0.why: got nothing, expected why the component needs this door (egress, api-server)'],
    ['a port out of range', { web: { pods: { app: 'web' }, doors: [fromApiServer(tcp(70000), why)] } }, 'charts/demo.ts: network.components.web.doors.0.ports: got 70000, expected ports between 1 and 65535'],
    ['no port', { web: { pods: { app: 'web' }, doors: [fromApiServer([], why)] } }, 'charts/demo.ts: network.components.web.doors.0.ports: got none, expected ports between 1 and 65535'],
    ['an address that is none', { web: { pods: { app: 'web' }, doors: [toAddresses(['1.1.1'], tcp(53), why)] } }, 'charts/demo.ts: network.components.web.doors.0.peer.cidrs: got "1.1.1", expected IPv4 addresses or CIDRs'],
  ])('is refused with the file and field: %s', (_name, components, message) => {
    expect(declare(components)).toThrow(message);
    try {
      declare(components)();
    } catch (err) {
      expect((err as Error).message).toBe(message);
    }
  });
});

describe('the check of rendered charts against the policies (npm run check-charts)', () => {
  const deployment = (name: string, namespace: string, labels: Record<string, string>, hostNetwork = false): Manifest => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { template: { metadata: { labels }, spec: { hostNetwork, containers: [{ name: 'c', image: 'i' }] } } },
  });
  const dist = policies as Manifest[];
  const webhookLabels = { 'app.kubernetes.io/name': 'webhook', 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': 'webhook', 'helm.sh/chart': 'cert-manager-v1.21.1' };

  test('passes the pods of a chart whose labels the chart file declares, and says which are out of its reach', () => {
    const pods = renderedPods(
      [
        deployment('cert-manager-webhook', 'cert-manager', webhookLabels),
        deployment('node-exporter', 'monitoring', { 'app.kubernetes.io/name': 'node-exporter' }, true),
        deployment('cluster-autoscaler', 'kube-system', { 'app.kubernetes.io/name': 'civo-cluster-autoscaler' }),
        { apiVersion: 'collectors.grafana.com/v1alpha1', kind: 'Alloy', metadata: { name: 'k8s-monitoring-alloy-logs', namespace: 'monitoring' }, spec: { nameOverride: 'alloy-logs' } },
      ],
      'cert-manager',
    );
    expect(pods.map((p) => [p.from, p.labels['app.kubernetes.io/instance'] ?? null])).toEqual([
      ['Deployment cert-manager/cert-manager-webhook', 'cert-manager'],
      ['Deployment monitoring/node-exporter', null],
      ['Deployment kube-system/cluster-autoscaler', null],
      ['Alloy.collectors.grafana.com monitoring/k8s-monitoring-alloy-logs (its pods, made by the Alloy operator)', 'k8s-monitoring-alloy-logs'],
    ]);
    expect(networkCoverage(pods, dist)).toEqual({ problems: [], covered: 2, hostNetwork: 1, outside: ['Deployment kube-system/cluster-autoscaler (namespace kube-system)'] });
  });

  test('finds a pod whose labels no declaration matches any more, and one that two declarations match', () => {
    const renamed = { ...webhookLabels, 'app.kubernetes.io/name': 'cert-manager-webhook' };
    const both = { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/instance': 'external-secrets', 'app.kubernetes.io/component': 'webhook' };
    const extra: Manifest = { ...dist.find((p) => p.metadata.name === 'allow-webhook' && p.metadata.namespace === 'external-secrets')!, metadata: { name: 'allow-other', namespace: 'external-secrets' } };
    (extra as any).spec = { podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['webhook'] }] } };
    const coverage = networkCoverage(renderedPods([deployment('cert-manager-webhook', 'cert-manager', renamed), deployment('eso', 'external-secrets', both)], 'x'), [...dist, extra]);
    expect(coverage.problems).toEqual([
      `Deployment cert-manager/cert-manager-webhook: selected by no allow policy of cert-manager (only default-deny cuts it off): its labels ${JSON.stringify(renamed)} match no component declared in the chart's file`,
      `Deployment external-secrets/eso: selected by 2 allow policies of external-secrets (allow-controller, allow-other): its labels ${JSON.stringify(both)} match several components`,
    ]);
  });

  test.each<[string, object, Record<string, string>, boolean]>([
    ['matchLabels', { matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    ['matchLabels, another value', { matchLabels: { a: '1' } }, { a: '2' }, false],
    ['everything', {}, {}, true],
    ['In', { matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    ['In, key missing', { matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}, false],
    ['NotIn, key missing', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    ['NotIn', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    ['Exists', { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
    ['both must hold', { matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' }, false],
  ])('label selector semantics: %s', (_name, selector, labels, expected) => expect(selects(selector, labels)).toBe(expected));
});
