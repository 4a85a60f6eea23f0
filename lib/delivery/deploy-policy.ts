import { groupOf } from '../render';
import { applySetId } from './applyset';
import { DEPLOY_GROUP, DEPLOY_SERVICE_ACCOUNT, DRIFT_GROUP, DRIFT_SERVICE_ACCOUNT, IDENTITY_LABELS } from './deploy-identity';
import type { DistObject } from './manifests';

/*
 * What RBAC cannot say about the deploy and drift identities, said by the API server itself: a
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) bound to every write either identity
 * makes. RBAC lets the deploy identity patch any HelmChart and any Namespace; through them it could
 * still become cluster-admin (helm-controller runs each HelmChart as a cluster-admin
 * ServiceAccount, and a `privileged` namespace admits hostPath pods). The policy closes those routes:
 *
 * - HelmCharts: only the ones dist/ renders (namespace/name, repository, chart, target namespace;
 *   the version moves freely, so a chart bump needs no admin), never `chartContent` (an inline
 *   chart), `jobImage`, `bootstrap`, `set` or `valuesSecrets`, never values that make a chart render
 *   objects of the values' choosing (`extraObjects`, `extraManifests`, `extraDeploy`) or that escape
 *   characters to hide them; a chart installed into kube-system (where helm-controller's own
 *   cluster-admin ServiceAccounts live) may not name a ServiceAccount or a host namespace or path.
 * - kube-system: nothing but those HelmCharts. Namespaces: only the platform's own (labelled as
 *   members of the prerequisites ApplySet when created; never adopted), each at Pod Security
 *   `restricted` or `baseline`; `privileged` only for the namespaces dist/ renders so, with the
 *   reason each gives. Every other namespaced write: only in a namespace of the platform's.
 * - No pods, nor anything that makes pods, in the platform's own namespaces (where the charts'
 *   ServiceAccounts hold cluster-wide RBAC: a Deployment there could run as the Tailscale operator,
 *   which may impersonate anyone); only Opaque Secrets (never a service-account-token Secret).
 * - The drift identity: server-side dry runs only (what `kubectl diff` sends).
 *
 * The policy is printed with the identities (`npm run -s deploy-identity`), from the dist/ it will
 * guard, and applied by the admin: never part of what the deploy identity applies, which has no
 * access to admission policies. The apply reads the live policy first and stops, naming the admin
 * step, when it differs from the one its dist/ would print (lib/delivery/policy-check.ts).
 */

export const POLICY_NAME = 'hobby-infra-deploy';
const ENFORCE = 'pod-security.kubernetes.io/enforce';
const PART_OF = 'applyset.kubernetes.io/part-of';
const REASON = 'hobby-infra.dev/pod-security-reason';
/** The label an app's namespace carries (lib/constructs/app-chart.ts); the platform's namespaces have none. */
const APP_LABEL = 'app.kubernetes.io/part-of';
/** What makes pods: in a platform namespace, a pod could run as a chart's ServiceAccount, whose RBAC reaches far beyond it. */
const WORKLOADS = `(request.resource.group == '' && request.resource.resource in ['pods', 'replicationcontrollers']) || (request.resource.group == 'apps' && request.resource.resource in ['deployments', 'statefulsets', 'daemonsets', 'replicasets']) || (request.resource.group == 'batch' && request.resource.resource in ['jobs', 'cronjobs'])`;

/** What the policy takes from dist/: the HelmCharts it renders and the namespaces it renders `privileged`. */
export interface PolicyInputs {
  /** `kube-system/traefik https://traefik.github.io/charts traefik -> traefik`, sorted. */
  readonly charts: readonly string[];
  /** Namespace name -> why it must be `privileged` (its pod-security-reason annotation). */
  readonly privileged: Readonly<Record<string, string>>;
  /** The platform's namespaces (dist/'s Namespaces that belong to no app), sorted. */
  readonly platformNamespaces: readonly string[];
}

/** `<namespace>/<name> <repo> <chart> -> <target namespace>`: how the policy names a HelmChart. */
export const chartKey = (namespace: string, name: string, repo: string, chart: string, target: string) => `${namespace}/${name} ${repo} ${chart} -> ${target}`;

export function policyInputs(objects: Iterable<DistObject>): PolicyInputs {
  const charts: string[] = [];
  const privileged: Record<string, string> = {};
  const platformNamespaces: string[] = [];
  for (const { manifest: m } of objects) {
    if (m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io') {
      const spec = (m.spec ?? {}) as Record<string, string | undefined>;
      const ns = m.metadata.namespace ?? 'default';
      charts.push(chartKey(ns, m.metadata.name, spec.repo ?? '', spec.chart ?? '', spec.targetNamespace ?? ns));
    }
    const labels = (m.metadata.labels ?? {}) as Record<string, string>;
    if (m.kind === 'Namespace' && m.apiVersion === 'v1' && !labels[APP_LABEL]) platformNamespaces.push(m.metadata.name);
    if (m.kind === 'Namespace' && m.apiVersion === 'v1' && labels[ENFORCE] === 'privileged') {
      const reason = (m.metadata.annotations as Record<string, string> | undefined)?.[REASON];
      if (!reason) throw new Error(`Namespace ${m.metadata.name}: got Pod Security privileged without a ${REASON} annotation, expected a reason for it`);
      privileged[m.metadata.name] = reason;
    }
  }
  return { charts: charts.sort(), privileged: Object.fromEntries(Object.entries(privileged).sort()), platformNamespaces: platformNamespaces.sort() };
}

const cel = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const celList = (xs: readonly string[]) => `[${xs.map(cel).join(', ')}]`;
/** `labels[key]` of an object, '' when absent, in CEL that type-checks without optional types. */
const label = (obj: string, key: string) => `(has(${obj}.metadata.labels) && ${cel(key)} in ${obj}.metadata.labels ? ${obj}.metadata.labels[${cel(key)}] : '')`;
/** Values keys that let a chart render objects of the values' choosing (traefik, cert-manager, external-secrets, k8s-monitoring, cluster-autoscaler). */
const ARBITRARY_OBJECTS = '(?i)extra.?(objects|manifests|deploy)';
/** In kube-system, a chart's pods could run as helm-controller's cluster-admin ServiceAccounts or on the host. */
const KUBE_SYSTEM_VALUES = '(?i)serviceaccount|host.?(path|network|pid|ipc|port)|privileged';

export function deployPolicyObjects(inputs: PolicyInputs): Record<string, unknown>[] {
  const owned = applySetId('01-prerequisites');
  const who = (sa: { namespace: string; name: string }, group: string) =>
    `request.userInfo.username == ${cel(`system:serviceaccount:${sa.namespace}:${sa.name}`)} || (has(request.userInfo.groups) && ${cel(group)} in request.userInfo.groups)`;
  const validation = (expression: string, message: string) => ({ expression, messageExpression: message, reason: 'Forbidden' });
  const writesObject = `request.operation != 'DELETE'`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POLICY_NAME, labels: IDENTITY_LABELS, annotations: { 'hobby-infra.dev/printed-by': 'npm run -s deploy-identity' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], scope: '*' }],
      },
      matchConditions: [{ name: 'deploy-or-drift-identity', expression: `${who(DEPLOY_SERVICE_ACCOUNT, DEPLOY_GROUP)} || ${who(DRIFT_SERVICE_ACCOUNT, DRIFT_GROUP)}` }],
      variables: [
        { name: 'drift', expression: who(DRIFT_SERVICE_ACCOUNT, DRIFT_GROUP) },
        // The request's namespace, name and subresource are absent (not empty) where they do not apply.
        { name: 'requestNamespace', expression: `has(request.namespace) ? request.namespace : ''` },
        { name: 'requestName', expression: `has(request.name) ? request.name : ''` },
        { name: 'isNamespace', expression: `request.resource.group == '' && request.resource.resource == 'namespaces' && !has(request.subResource)` },
        { name: 'isHelmChart', expression: `request.resource.group == 'helm.cattle.io' && request.resource.resource == 'helmcharts'` },
        { name: 'ownedNamespace', expression: `namespaceObject != null && ${label('namespaceObject', PART_OF)} == ${cel(owned)}` },
        { name: 'enforce', expression: `variables.isNamespace && ${writesObject} ? ${label('object', ENFORCE)} : ''` },
        { name: 'target', expression: `variables.isHelmChart && ${writesObject} && has(object.spec.targetNamespace) ? object.spec.targetNamespace : variables.requestNamespace` },
        { name: 'values', expression: `variables.isHelmChart && ${writesObject} && has(object.spec.valuesContent) ? object.spec.valuesContent : ''` },
      ],
      validations: [
        validation('!variables.drift || request.dryRun', `'the drift identity writes nothing: ' + request.operation + ' of ' + request.resource.resource + ' ' + variables.requestName + ' is not a server-side dry run'`),
        validation(
          `variables.isNamespace || variables.requestNamespace != 'kube-system' || variables.isHelmChart`,
          `'the deploy identity writes nothing in kube-system but the platform\\'s HelmCharts: got ' + request.operation + ' of ' + request.resource.resource + ' ' + variables.requestName`,
        ),
        validation(
          `!(${WORKLOADS}) || !(variables.requestNamespace in ${celList(inputs.platformNamespaces)})`,
          `'namespace ' + variables.requestNamespace + ' is the platform\\'s: its pods come from its HelmChart, never from the deploy identity (they could run as the chart\\'s ServiceAccounts); got ' + request.operation + ' of ' + request.resource.resource + ' ' + variables.requestName`,
        ),
        validation(
          // A Secret of type service-account-token would be filled with a ServiceAccount's token by the
          // token controller, and a patch of it (secret zero's name is patchable) would answer with it.
          `!(request.resource.group == '' && request.resource.resource == 'secrets') || request.operation == 'DELETE' || !has(object.type) || object.type == 'Opaque'`,
          `'Secret ' + variables.requestNamespace + '/' + variables.requestName + ': the deploy identity writes only Opaque Secrets (secret zero)'`,
        ),
        validation(
          `variables.isNamespace || variables.requestNamespace == '' || variables.requestNamespace == 'kube-system' || variables.ownedNamespace`,
          `'namespace ' + variables.requestNamespace + ' is not the platform\\'s (created by its apply): got ' + request.operation + ' of ' + request.resource.resource + ' ' + variables.requestName`,
        ),
        validation(
          `!variables.isNamespace || ((request.operation == 'CREATE' || ${label('oldObject', PART_OF)} == ${cel(owned)}) && (request.operation == 'DELETE' || ${label('object', PART_OF)} == ${cel(owned)}))`,
          `'namespace ' + variables.requestName + ': only namespaces the platform\\'s apply created are its to change; got ' + request.operation + ' of one without (or losing) its ${PART_OF} label'`,
        ),
        validation(
          `!variables.isNamespace || request.operation == 'DELETE' || variables.enforce in ['restricted', 'baseline'] || (variables.enforce == 'privileged' && variables.requestName in ${celList(Object.keys(inputs.privileged))})`,
          `'namespace ' + variables.requestName + ': Pod Security enforce got \\'' + variables.enforce + '\\', expected restricted or baseline (privileged only for ${Object.keys(inputs.privileged).join(', ') || 'no namespace'}, see the policy)'`,
        ),
        validation(
          `!variables.isHelmChart || request.operation == 'DELETE' || ((!has(object.spec.chartContent) || object.spec.chartContent == '') && (!has(object.spec.jobImage) || object.spec.jobImage == '') && (!has(object.spec.bootstrap) || !object.spec.bootstrap) && (!has(object.spec.set) || size(object.spec.set) == 0) && (!has(object.spec.valuesSecrets) || size(object.spec.valuesSecrets) == 0))`,
          `'HelmChart ' + variables.requestNamespace + '/' + variables.requestName + ': chartContent, jobImage, bootstrap, set and valuesSecrets are refused (helm-controller runs them as cluster-admin); values go in valuesContent'`,
        ),
        validation(
          `!variables.isHelmChart || request.operation == 'DELETE' || (variables.requestNamespace + '/' + variables.requestName + ' ' + (has(object.spec.repo) ? object.spec.repo : '') + ' ' + (has(object.spec.chart) ? object.spec.chart : '') + ' -> ' + variables.target) in ${celList(inputs.charts)}`,
          `'HelmChart ' + variables.requestNamespace + '/' + variables.requestName + ': its repository, chart and target namespace are not among the pinned charts of the policy (re-run the admin step npm run -s deploy-identity | kubectl apply --server-side -f - when a chart or repository is added)'`,
        ),
        validation(
          `!variables.values.matches(${cel(ARBITRARY_OBJECTS)}) && !variables.values.contains('\\\\')`,
          `'HelmChart ' + variables.requestNamespace + '/' + variables.requestName + ': valuesContent may not render objects of its own (extraObjects, extraManifests, extraDeploy) nor use escapes'`,
        ),
        validation(
          `!variables.isHelmChart || variables.target != 'kube-system' || !variables.values.matches(${cel(KUBE_SYSTEM_VALUES)})`,
          `'HelmChart ' + variables.requestNamespace + '/' + variables.requestName + ': a chart installed into kube-system may not set a ServiceAccount, host namespaces, host paths or privileged'`,
        ),
      ],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: POLICY_NAME, labels: IDENTITY_LABELS },
    spec: { policyName: POLICY_NAME, validationActions: ['Deny'] },
  };
  return [policy, binding];
}
