import { UNIVERSAL_AUTH_SECRET } from '../constructs/infisical';
import { APPLYSET_CRD, APPLYSET_GROUP } from './applyset';

/*
 * The deploy identity: what `npm run apply` needs, and nothing more; and the drift identity, which
 * reads and diffs but can change nothing. CI never holds the k3s admin
 * kubeconfig: it reaches the API server as the group DEPLOY_GROUP (through the Tailscale API server
 * proxy, docs/delivery.md) or as the ServiceAccount DEPLOY_SERVICE_ACCOUNT with a short-lived token,
 * both bound to the ClusterRole below.
 *
 * The role cannot grant itself more: it has no access to RBAC objects, no `escalate`, `bind` or
 * `impersonate`, no pods/exec, nodes or Secrets beyond writing secret zero. So it is not part of
 * dist/ (the deploy job would need `escalate` to apply it): an admin applies it once, and again
 * when the platform starts using a new kind (`npm run -s deploy-identity | kubectl apply -f -`).
 * test/apply.test.ts fails when dist/ holds a kind the role does not cover; test/cluster runs the
 * whole apply and prune as this identity.
 *
 * RBAC alone still lets the role become cluster-admin through what it may write (a HelmChart runs
 * as cluster-admin, a namespace can be made `privileged`): the admission policy printed with it
 * (lib/delivery/deploy-policy.ts) refuses those writes, for both identities.
 */

export const DEPLOY_NAME = 'hobby-infra-deploy';
export const DEPLOY_GROUP = 'hobby-infra:deploy';
export const DEPLOY_SERVICE_ACCOUNT = { namespace: 'kube-system', name: DEPLOY_NAME } as const;
/** `npm run apply -- --drift` (the daily drift check): reads, and diffs with server-side dry runs only. */
export const DRIFT_NAME = 'hobby-infra-drift';
export const DRIFT_GROUP = 'hobby-infra:drift';
export const DRIFT_SERVICE_ACCOUNT = { namespace: 'kube-system', name: DRIFT_NAME } as const;
export const IDENTITY_LABELS = { 'app.kubernetes.io/name': DEPLOY_NAME, 'app.kubernetes.io/managed-by': 'hobby-infra' };

/** What the apply does to the objects of dist/: server-side apply (patch), read back, prune (delete). */
const MANAGE = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];
/** `kubectl diff --server-side` sends a dry-run patch (a create, for an object not there yet); the policy refuses anything else. */
const DIFF = ['get', 'list', 'watch', 'create', 'patch'];

/** API group -> resources the platform renders into dist/. */
export const MANAGED_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  '': ['namespaces', 'services', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims', 'resourcequotas', 'limitranges'],
  apps: ['deployments', 'statefulsets', 'daemonsets'],
  batch: ['jobs', 'cronjobs'],
  'networking.k8s.io': ['ingresses', 'networkpolicies'],
  policy: ['poddisruptionbudgets'],
  autoscaling: ['horizontalpodautoscalers'],
  'helm.cattle.io': ['helmcharts'],
  'cert-manager.io': ['certificates', 'clusterissuers', 'issuers'],
  'external-secrets.io': ['secretstores', 'externalsecrets'],
  'traefik.io': ['middlewares', 'ingressroutes'],
  'postgresql.cnpg.io': ['clusters', 'scheduledbackups'],
  'barmancloud.cnpg.io': ['objectstores'],
  'volsync.backube': ['replicationsources', 'replicationdestinations'],
  // The ProxyClass of tailnet-only apps' proxies (lib/constructs/tailnet-proxies.ts); the policy refuses its image and env.
  'tailscale.com': ['proxyclasses'],
};

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Both identities read the admission policy that guards them, to stop when it is not the one their dist/ needs. */
const policyRead = (): PolicyRule => ({
  apiGroups: ['admissionregistration.k8s.io'],
  resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
  verbs: ['get'],
  resourceNames: [DEPLOY_NAME],
});

/**
 * `crds`: the CustomResourceDefinitions dist/ renders (a chart's CRDs that helm would never upgrade,
 * lib/constructs/chart-crds.ts): the deploy identity creates and patches those by name, never
 * deletes one (removing a CRD deletes every object of its kind: an admin's step). The admission
 * policy refuses a conversion webhook on any of them.
 */
export function deployRules(crds: readonly string[] = []): PolicyRule[] {
  return [
    ...Object.entries(MANAGED_RESOURCES).map(([group, resources]) => ({ apiGroups: [group], resources: [...resources], verbs: MANAGE })),
    // Secret zero: written into the namespaces that have a SecretStore, never read back or listed.
    // By name only: a patch answers with the whole object, so patching any other Secret would read it.
    { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch'], resourceNames: [UNIVERSAL_AUTH_SECRET.name] },
    // Waits and rollouts read what controllers make: ReplicaSets, CRDs (and, through MANAGED_RESOURCES,
    // the Jobs the apply polls and the status of the database Clusters it waits for).
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: READ },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
    // The health check names each object that is not healthy with the newest Warning event about it.
    { apiGroups: [''], resources: ['events'], verbs: ['list'] },
    // The ApplySet parents and their CRD, which the apply itself writes, and the CRDs dist/ renders.
    // (A server-side apply that creates an object is authorized as `create` of that name, so resourceNames holds.)
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create', 'patch'], resourceNames: [APPLYSET_CRD, ...crds] },
    { apiGroups: [APPLYSET_GROUP], resources: ['applysets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
    policyRead(),
  ];
}

/** The drift identity: what `--drift` reads, and the dry-run writes of `kubectl diff` (refused by the policy unless dry runs). */
export function driftRules(crds: readonly string[] = []): PolicyRule[] {
  return [
    ...Object.entries(MANAGED_RESOURCES).map(([group, resources]) => ({ apiGroups: [group], resources: [...resources], verbs: DIFF })),
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: READ },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
    ...(crds.length ? [{ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create', 'patch'], resourceNames: [...crds] }] : []),
    { apiGroups: [APPLYSET_GROUP], resources: ['applysets'], verbs: READ },
    policyRead(),
  ];
}

/** `Deployment` in `apps` -> is it covered? (by resource, as RBAC sees it). */
export function coversResource(group: string, resource: string): boolean {
  // CRDs: by name, the ones dist/ renders (deployRules).
  return (MANAGED_RESOURCES[group] ?? []).includes(resource) || (group === 'apiextensions.k8s.io' && resource === 'customresourcedefinitions');
}

/**
 * The deploy identity in kube-system only, where helm-controller runs its Jobs: their pods and
 * their logs, so a failing `helm` is reported with its own words (lib/delivery/chart-installs.ts).
 * A Role, not the ClusterRole: no other namespace's pods or logs.
 */
export const HELM_JOBS_NAMESPACE = 'kube-system';
export const helmJobRules = (): PolicyRule[] => [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];

/** A ServiceAccount, ClusterRole and ClusterRoleBinding (to the ServiceAccount and the group), and a Role in kube-system when `namespaced` has rules. */
function identity(sa: { namespace: string; name: string }, group: string, rules: PolicyRule[], namespaced: PolicyRule[] = []): Record<string, unknown>[] {
  const labels = { ...IDENTITY_LABELS, 'app.kubernetes.io/name': sa.name };
  const subjects = [
    { kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace },
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group },
  ];
  const role = namespaced.length
    ? [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: sa.name, namespace: HELM_JOBS_NAMESPACE, labels }, rules: namespaced },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: sa.name, namespace: HELM_JOBS_NAMESPACE, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa.name }, subjects },
      ]
    : [];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.namespace, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: sa.name, labels }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: sa.name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: sa.name },
      subjects,
    },
    ...role,
  ];
}

/** The deploy identity and the drift identity (the admission policy that guards them: deploy-policy.ts). */
export function deployIdentityObjects(crds: readonly string[] = []): Record<string, unknown>[] {
  return [...identity(DEPLOY_SERVICE_ACCOUNT, DEPLOY_GROUP, deployRules(crds), helmJobRules()), ...identity(DRIFT_SERVICE_ACCOUNT, DRIFT_GROUP, driftRules(crds))];
}
