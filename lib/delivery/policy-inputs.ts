import { groupOf } from '../render';
import type { DistObject } from './manifests';
import { pluralOf } from './plural';

/*
 * What the deploy identity's admission policy (deploy-policy.ts) takes from the dist/ it guards:
 * everything it lets the deploy identity do beyond an app's own namespace is named here, so the
 * admin who applies it approves exactly this (`npm run -s deploy-identity | kubectl diff
 * --server-side -f -` shows what a new dist/ widens).
 */

export const ENFORCE = 'pod-security.kubernetes.io/enforce';
export const REASON = 'hobby-infra.dev/pod-security-reason';
/** The label an app's namespace carries (lib/constructs/app-chart.ts); the platform's namespaces have none. */
export const APP_LABEL = 'app.kubernetes.io/part-of';

export interface PolicyInputs {
  /** `kube-system/traefik https://traefik.github.io/charts traefik -> traefik` -> its valuesContent. */
  readonly charts: Readonly<Record<string, string>>;
  /** Namespace name -> why it must be `privileged` (its pod-security-reason annotation). */
  readonly privileged: Readonly<Record<string, string>>;
  /** The platform's namespaces (dist/'s Namespaces that belong to no app), sorted. */
  readonly platformNamespaces: readonly string[];
  /** `group/resource` of what dist/ renders in the platform's namespaces (`/configmaps`, `external-secrets.io/secretstores`). */
  readonly platformResources: readonly string[];
  /** The Infisical API hosts of dist/'s SecretStores (secret zero is sent to no other). */
  readonly infisicalHosts: readonly string[];
  /** The CustomResourceDefinitions dist/ renders (a chart's CRDs helm never upgrades), by name, sorted. */
  readonly crds: readonly string[];
}

/** `<namespace>/<name> <repo> <chart> -> <target namespace>`: how the policy names a HelmChart. */
export const chartKey = (namespace: string, name: string, repo: string, chart: string, target: string) => `${namespace}/${name} ${repo} ${chart} -> ${target}`;

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const sortedRecord = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));

export function policyInputs(objects: Iterable<DistObject>): PolicyInputs {
  const all = [...objects];
  const charts: Record<string, string> = {};
  const privileged: Record<string, string> = {};
  const hosts: string[] = [];
  const namespaces = all.map((o) => o.manifest).filter((m) => m.kind === 'Namespace' && m.apiVersion === 'v1');
  const platformNamespaces = sorted(namespaces.filter((m) => !(m.metadata.labels as Record<string, string> | undefined)?.[APP_LABEL]).map((m) => m.metadata.name));
  for (const { file, manifest: m } of all) {
    const spec = (m.spec ?? {}) as Record<string, any>;
    if (m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io') {
      const ns = m.metadata.namespace ?? 'default';
      charts[chartKey(ns, m.metadata.name, spec.repo ?? '', spec.chart ?? '', spec.targetNamespace ?? ns)] = spec.valuesContent ?? '';
    }
    if (m.kind === 'SecretStore' && groupOf(m.apiVersion) === 'external-secrets.io' && spec.provider?.infisical?.hostAPI) hosts.push(spec.provider.infisical.hostAPI);
    if (m.kind === 'Namespace' && m.apiVersion === 'v1' && (m.metadata.labels as Record<string, string> | undefined)?.[ENFORCE] === 'privileged') {
      const reason = (m.metadata.annotations as Record<string, string> | undefined)?.[REASON];
      if (!reason) throw new Error(`${file}: Namespace ${m.metadata.name}: metadata.annotations["${REASON}"]: got nothing, expected why the namespace must be privileged`);
      privileged[m.metadata.name] = reason;
    }
  }
  const inPlatform = all.map((o) => o.manifest).filter((m) => m.metadata.namespace && platformNamespaces.includes(m.metadata.namespace));
  return {
    charts: sortedRecord(charts),
    privileged: sortedRecord(privileged),
    platformNamespaces,
    // Secrets: secret zero, which the apply writes from its environment, never from dist/ (RBAC: by name only).
    // Where a volume is backed up, its restore too (a restore or recover mode writes it back), so that
    // entering or leaving recover mode needs no new policy.
    platformResources: sorted([
      ...inPlatform.map((m) => `${groupOf(m.apiVersion)}/${pluralOf(m.kind)}`),
      ...(inPlatform.some((m) => m.kind === 'ReplicationSource') ? ['volsync.backube/replicationdestinations'] : []),
      '/secrets',
    ]),
    infisicalHosts: sorted(hosts),
    crds: sorted(all.map((o) => o.manifest).filter((m) => m.kind === 'CustomResourceDefinition' && groupOf(m.apiVersion) === 'apiextensions.k8s.io').map((m) => m.metadata.name)),
  };
}
