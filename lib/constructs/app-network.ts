import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { TAILNET_INGRESS, TRAEFIK_NAMESPACE } from '../platform-contracts';
import { processesOf, type AppSpec } from '../spec/types';
import { CLUSTER_LABEL, DATABASE_CLIENT_LABEL, POSTGRES_PORT } from './database';
import { ROUTED_LABEL } from './pod';

/*
 * Default deny in both directions; then: Traefik may reach the web components (and nothing else), or
 * for a tailnet-only app the one Tailscale proxy pod that serves its Ingress (no Traefik),
 * the app's processes may talk to each other, DNS resolves, the database's clients (only) reach it, and
 * each process reaches the internet on the ports it declares, no others. The cache has a policy
 * of its own (lib/constructs/cache.ts) and is left out of these.
 */

/** Private ranges are never "the internet": egress there stays denied. */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

/**
 * An app of one process has its doors (Traefik's, the database's, the internet's) all in one policy.
 * With several, each door is a policy of its own that selects only the pods it is for, by labels
 * the pods carry (ROUTED_LABEL on web pods, the client labels): lib/constructs/pod.ts reads this too.
 */
export const doorsPerProcess = (app: AppSpec): boolean => processesOf(app).length > 1;

const k = kplus.k8s;
const tcp = (port: number) => ({ protocol: 'TCP', port: k.IntOrString.fromNumber(port) });

export class AppNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, app: AppSpec, namespace: string) {
    super(scope, id);
    // The app's own processes: not its cache, which admits only its clients.
    const own = {
      matchLabels: { 'app.kubernetes.io/part-of': app.name },
      ...(app.cache ? { matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['cache'] }] } : {}),
    };
    const dns = {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: k.IntOrString.fromNumber(53) }, tcp(53)],
    };
    new k.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const processes = processesOf(app);
    const web = app.components.filter((c) => c.kind === 'web');
    const webPorts = () => [...new Set(web.map((c) => c.port!))].sort((a, b) => a - b).map(tcp);
    // Whoever routes requests to the web components: Traefik for public hosts; for a tailnet-only
    // app, only the proxy pod the operator runs for this app's Ingress (which bears the app's name).
    const fromRouter = !web.length ? undefined
      : app.tailnet ? { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': TAILNET_INGRESS.namespace } }, podSelector: { matchLabels: TAILNET_INGRESS.proxyOf(namespace, app.name) } }], ports: webPorts() }
      : app.hosts.length ? { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': TRAEFIK_NAMESPACE } } }], ports: webPorts() }
      : undefined;
    const toDatabase = app.database && { to: [{ podSelector: { matchLabels: { [CLUSTER_LABEL]: app.database.name } } }], ports: [tcp(POSTGRES_PORT)] };
    const toInternet = (ports: readonly number[]) => ({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: ports.map(tcp) });
    const alone = doorsPerProcess(app) ? undefined : processes[0];
    new k.KubeNetworkPolicy(this, 'allow', {
      metadata: { name: 'allow-declared', namespace },
      spec: {
        podSelector: own,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [...(alone && fromRouter ? [fromRouter] : []), { from: [{ podSelector: own }] }],
        egress: [
          dns,
          { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': app.name } } }] },
          ...(alone && toDatabase ? [toDatabase] : []),
          ...(alone?.egressPorts.length ? [toInternet(alone.egressPorts)] : []),
        ],
      },
    });
    if (alone) return;
    const policy = (id: string, name: string, podLabels: Record<string, string>, rules: object) =>
      new k.KubeNetworkPolicy(this, id, { metadata: { name, namespace }, spec: { podSelector: { matchLabels: { 'app.kubernetes.io/part-of': app.name, ...podLabels } }, ...rules } });
    // Only the processes that read its credentials reach the database (it admits only them, too).
    if (toDatabase) policy('database', 'allow-database', { [DATABASE_CLIENT_LABEL]: 'true' }, { policyTypes: ['Egress'], egress: [toDatabase] });
    if (fromRouter) policy('traefik', app.tailnet ? 'allow-tailnet' : 'allow-traefik', { [ROUTED_LABEL]: 'true' }, { policyTypes: ['Ingress'], ingress: [fromRouter] });
    for (const p of processes.filter((x) => x.egressPorts.length)) {
      policy(`egress-${p.name}`, `egress-${p.name}`, { 'app.kubernetes.io/name': p.name }, { policyTypes: ['Egress'], egress: [toInternet(p.egressPorts)] });
    }
  }
}
