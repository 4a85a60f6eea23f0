import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { TRAEFIK_NAMESPACE } from '../platform-contracts';
import { processesOf, type AppSpec } from '../spec/types';
import { CLUSTER_LABEL, DATABASE_CLIENT_LABEL, POSTGRES_PORT } from './database';
import { ROUTED_LABEL } from './pod';

/*
 * Default deny in both directions; then: Traefik may reach the web components (and nothing else),
 * the app's processes may talk to each other, DNS resolves, the database's clients (only) reach it, and
 * each process reaches the internet on the ports it declares, no others. The cache has a policy
 * of its own (lib/constructs/cache.ts) and is left out of these.
 */

/** Private ranges are never "the internet": egress there stays denied. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

const k = kplus.k8s;
const tcp = (port: number) => ({ protocol: 'TCP', port: k.IntOrString.fromNumber(port) });

export class AppNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, app: AppSpec, namespace: string) {
    super(scope, id);
    // The app's own processes: not its cache, which admits only its clients.
    const own = { matchLabels: { 'app.kubernetes.io/part-of': app.name }, matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['cache'] }] };
    const dns = {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: k.IntOrString.fromNumber(53) }, tcp(53)],
    };
    new k.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k.KubeNetworkPolicy(this, 'allow', {
      metadata: { name: 'allow-declared', namespace },
      spec: {
        podSelector: own,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: own }] }],
        egress: [
          dns,
          { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': app.name } } }] },
        ],
      },
    });
    if (app.database) {
      // Only the processes that read its credentials reach the database (it admits only them, too).
      new k.KubeNetworkPolicy(this, 'database', {
        metadata: { name: 'allow-database', namespace },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/part-of': app.name, [DATABASE_CLIENT_LABEL]: 'true' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ podSelector: { matchLabels: { [CLUSTER_LABEL]: app.database.name } } }], ports: [tcp(POSTGRES_PORT)] }],
        },
      });
    }
    const web = app.components.filter((c) => c.kind === 'web');
    if (web.length && app.hosts.length) {
      new k.KubeNetworkPolicy(this, 'traefik', {
        metadata: { name: 'allow-traefik', namespace },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/part-of': app.name, [ROUTED_LABEL]: 'true' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': TRAEFIK_NAMESPACE } } }], ports: [...new Set(web.map((c) => c.port!))].sort((a, b) => a - b).map(tcp) }],
        },
      });
    }
    for (const p of processesOf(app).filter((x) => x.egressPorts.length)) {
      new k.KubeNetworkPolicy(this, `egress-${p.name}`, {
        metadata: { name: `egress-${p.name}`, namespace },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/part-of': app.name } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: p.egressPorts.map(tcp) }],
        },
      });
    }
  }
}
