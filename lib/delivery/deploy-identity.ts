import { APPLYSET_CRD, APPLYSET_GROUP } from './applyset';

/*
 * The deploy identity: what `npm run apply` needs, and nothing more. CI never holds the k3s admin
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
 */

export const DEPLOY_NAME = 'hobby-infra-deploy';
export const DEPLOY_GROUP = 'hobby-infra:deploy';
export const DEPLOY_SERVICE_ACCOUNT = { namespace: 'kube-system', name: DEPLOY_NAME } as const;

/** What the apply does to the objects of dist/: server-side apply (patch), read back, prune (delete). */
const MANAGE = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

/** API group -> resources the platform renders into dist/. */
export const MANAGED_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  '': ['namespaces', 'services', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims', 'resourcequotas', 'limitranges'],
  apps: ['deployments', 'statefulsets', 'daemonsets'],
  batch: ['jobs', 'cronjobs'],
  'networking.k8s.io': ['ingresses', 'networkpolicies'],
  policy: ['poddisruptionbudgets'],
  autoscaling: ['horizontalpodautoscalers'],
  'helm.cattle.io': ['helmcharts', 'helmchartconfigs'],
  'cert-manager.io': ['certificates', 'clusterissuers', 'issuers'],
  'external-secrets.io': ['secretstores', 'externalsecrets'],
  'traefik.io': ['middlewares', 'ingressroutes'],
  'postgresql.cnpg.io': ['clusters', 'scheduledbackups'],
  'barmancloud.cnpg.io': ['objectstores'],
  'volsync.backube': ['replicationsources', 'replicationdestinations'],
};

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export function deployRules(): PolicyRule[] {
  return [
    ...Object.entries(MANAGED_RESOURCES).map(([group, resources]) => ({ apiGroups: [group], resources: [...resources], verbs: MANAGE })),
    // Secret zero: written into the namespaces that have a SecretStore, never read back or listed.
    { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch'] },
    // Waits and rollouts read what controllers make: ReplicaSets, CRDs (and, through MANAGED_RESOURCES,
    // the Jobs the apply polls and the status of the database Clusters it waits for).
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: READ },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
    // The ApplySet parents and their CRD, the one CRD the apply itself writes. (A server-side apply
    // that creates an object is authorized as `create` of that name, so resourceNames holds.)
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create', 'patch'], resourceNames: [APPLYSET_CRD] },
    { apiGroups: [APPLYSET_GROUP], resources: ['applysets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  ];
}

/** `Deployment` in `apps` -> is it covered? (by resource, as RBAC sees it). */
export function coversResource(group: string, resource: string): boolean {
  return (MANAGED_RESOURCES[group] ?? []).includes(resource);
}

/** The ServiceAccount, ClusterRole and ClusterRoleBinding (to the ServiceAccount and the group). */
export function deployIdentityObjects(): Record<string, unknown>[] {
  const labels = { 'app.kubernetes.io/name': DEPLOY_NAME, 'app.kubernetes.io/managed-by': 'hobby-infra' };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEPLOY_SERVICE_ACCOUNT.name, namespace: DEPLOY_SERVICE_ACCOUNT.namespace, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: DEPLOY_NAME, labels }, rules: deployRules() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: DEPLOY_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DEPLOY_NAME },
      subjects: [
        { kind: 'ServiceAccount', name: DEPLOY_SERVICE_ACCOUNT.name, namespace: DEPLOY_SERVICE_ACCOUNT.namespace },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEPLOY_GROUP },
      ],
    },
  ];
}
