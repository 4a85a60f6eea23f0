import { UNIVERSAL_AUTH_SECRET } from '../constructs/infisical';
import { APPLYSET_CRD, applySetId } from './applyset';
import { DEPLOY_GROUP, DEPLOY_SERVICE_ACCOUNT, DRIFT_GROUP, DRIFT_SERVICE_ACCOUNT, IDENTITY_LABELS } from './deploy-identity';
import { ENFORCE, REASON, type PolicyInputs } from './policy-inputs';

/*
 * What RBAC cannot say about the deploy and drift identities, said by the API server itself: a
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) bound to every write either identity
 * makes. RBAC lets the deploy identity patch any HelmChart and any Namespace; through them it could
 * still become cluster-admin (helm-controller runs each HelmChart as a cluster-admin
 * ServiceAccount, and a `privileged` namespace admits hostPath pods). The policy closes those routes:
 *
 * - HelmCharts: only the ones dist/ renders (namespace/name, repository, chart, target namespace)
 *   with exactly the values dist/ gives them: helm runs as cluster-admin, so values are cluster-admin
 *   input (an operator's image, a ServiceAccount, a template). Only the version moves freely, so a
 *   chart bump needs no admin. Never `chartContent` (an inline chart), `jobImage`, `bootstrap`,
 *   `set`, `values`, `valuesSecrets`, or a repository reached without TLS checks.
 * - kube-system: nothing but those HelmCharts. Namespaces: only the platform's own (labelled as
 *   members of the prerequisites ApplySet when created; never adopted), each at Pod Security
 *   `restricted` or `baseline`; `privileged` only for the namespaces dist/ renders so, with the
 *   reason each gives; `baseline` only with a reason. Every other namespaced write: only in a
 *   namespace of the platform's.
 * - In the platform's own namespaces (where the charts' ServiceAccounts hold cluster-wide RBAC: a
 *   pod there could run as the Tailscale operator, which may impersonate anyone), only the kinds
 *   dist/ renders there: no pods, nothing that makes pods, no database Cluster.
 * - Secret zero's name is the one Secret it may write, and a write answers with the Secret: so that
 *   Secret is Opaque (never a service-account-token Secret the controller fills), and no controller
 *   may be pointed at it (an ExternalSecret's target, a Certificate's secretName, a backup's
 *   repository). SecretStores speak only to the Infisical hosts dist/ names; VolSync movers run as
 *   their own ServiceAccount; CRDs: only the ApplySet CRD and those dist/ renders, with no conversion webhook.
 * - ProxyClasses (cluster-wide, for the Tailscale operator's proxies): never an image, env, debug
 *   endpoint or init container of their own. A proxy runs as the `proxies` ServiceAccount, which
 *   reads every Secret of the `tailscale` namespace (the operator's OAuth client among them): a proxy
 *   image of one's own would take them. What remains (security context, resources, labels) is
 *   bounded by the namespace's restricted Pod Security.
 * - The drift identity: server-side dry runs only (what `kubectl diff` sends).
 *
 * The policy is printed with the identities (`npm run -s deploy-identity`), from the dist/ it will
 * guard, and applied by the admin: never part of what the deploy identity applies, which has no
 * access to admission policies. The apply reads the live policy first and stops, naming the admin
 * step, when it differs from the one its dist/ would print (lib/delivery/policy-check.ts).
 */

export const POLICY_NAME = 'hobby-infra-deploy';
const PART_OF = 'applyset.kubernetes.io/part-of';
const ZERO = UNIVERSAL_AUTH_SECRET.name;

/** A CEL string literal (JSON's escapes are CEL's: `\n`, `\"`, `\\`, `\uXXXX`). */
const cel = (s: string) => JSON.stringify(s);
const celList = (xs: readonly string[]) => `[${xs.map(cel).join(', ')}]`;
/** A CEL map literal, one entry per line, so that `kubectl diff` of the policy shows each chart's change on its own line. */
const celMap = (r: Readonly<Record<string, string>>) => `{\n${Object.entries(r).map(([k, v]) => `  ${cel(k)}: ${cel(v)}`).join(',\n')}\n}`;
/** `labels[key]` (or annotations) of an object, '' when absent, in CEL that type-checks without optional types. */
const meta = (obj: string, field: 'labels' | 'annotations', key: string) => `(has(${obj}.metadata.${field}) && ${cel(key)} in ${obj}.metadata.${field} ? ${obj}.metadata.${field}[${cel(key)}] : '')`;
const is = (group: string, ...resources: string[]) => `(request.resource.group == ${cel(group)} && request.resource.resource in ${celList(resources)})`;
/** HelmChart fields helm-controller would run as cluster-admin, or that weaken how it reaches the repository. */
const REFUSED_CHART_FIELDS = ['chartContent', 'jobImage', 'bootstrap', 'set', 'values', 'valuesSecrets', 'insecureSkipTLSVerify', 'plainHTTP', 'repoCA', 'repoCAConfigMap', 'takeOwnership'];

export function deployPolicyObjects(inputs: PolicyInputs): Record<string, unknown>[] {
  const owned = applySetId('01-prerequisites');
  const who = (sa: { namespace: string; name: string }, group: string) =>
    `request.userInfo.username == ${cel(`system:serviceaccount:${sa.namespace}:${sa.name}`)} || (has(request.userInfo.groups) && ${cel(group)} in request.userInfo.groups)`;
  const rule = (expression: string, message: string) => ({ expression, messageExpression: message, reason: 'Forbidden' });
  const writes = `(request.operation != 'DELETE')`;
  const what = `request.operation + ' of ' + request.resource.resource + ' ' + variables.requestNamespace + '/' + variables.requestName`;
  const privileged = Object.entries(inputs.privileged).map(([ns, why]) => `${ns} (${why})`).join('; ') || 'no namespace';
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POLICY_NAME, labels: IDENTITY_LABELS, annotations: { 'hobby-infra.dev/printed-by': 'npm run -s deploy-identity' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], scope: '*' }] },
      matchConditions: [{ name: 'deploy-or-drift-identity', expression: `${who(DEPLOY_SERVICE_ACCOUNT, DEPLOY_GROUP)} || ${who(DRIFT_SERVICE_ACCOUNT, DRIFT_GROUP)}` }],
      variables: [
        { name: 'drift', expression: who(DRIFT_SERVICE_ACCOUNT, DRIFT_GROUP) },
        // The request's namespace and name are absent (not empty) where they do not apply.
        { name: 'requestNamespace', expression: `has(request.namespace) ? request.namespace : ''` },
        { name: 'requestName', expression: `has(request.name) ? request.name : ''` },
        { name: 'isNamespace', expression: `${is('', 'namespaces')} && !has(request.subResource)` },
        { name: 'isHelmChart', expression: is('helm.cattle.io', 'helmcharts') },
        { name: 'ownedNamespace', expression: `namespaceObject != null && ${meta('namespaceObject', 'labels', PART_OF)} == ${cel(owned)}` },
        { name: 'enforce', expression: `variables.isNamespace && ${writes} ? ${meta('object', 'labels', ENFORCE)} : ''` },
        { name: 'chartKey', expression: `variables.isHelmChart && ${writes} ? variables.requestNamespace + '/' + variables.requestName + ' ' + (has(object.spec.repo) ? object.spec.repo : '') + ' ' + (has(object.spec.chart) ? object.spec.chart : '') + ' -> ' + (has(object.spec.targetNamespace) ? object.spec.targetNamespace : variables.requestNamespace) : ''` },
        { name: 'charts', expression: celMap(inputs.charts) },
      ],
      validations: [
        rule('!variables.drift || request.dryRun', `'the drift identity writes nothing: ' + ${what} + ' is not a server-side dry run'`),
        rule(`variables.isNamespace || variables.requestNamespace != 'kube-system' || variables.isHelmChart`, `'the deploy identity writes nothing in kube-system but the platform\\'s HelmCharts: got ' + ${what}`),
        rule(
          `variables.isNamespace || variables.requestNamespace == '' || variables.requestNamespace == 'kube-system' || variables.ownedNamespace`,
          `'namespace ' + variables.requestNamespace + ' is not the platform\\'s (created by its apply): got ' + ${what}`,
        ),
        rule(
          `variables.isNamespace || !(variables.requestNamespace in ${celList(inputs.platformNamespaces)}) || (request.resource.group + '/' + request.resource.resource) in ${celList(inputs.platformResources)}`,
          `'namespace ' + variables.requestNamespace + ' is the platform\\'s: the deploy identity writes there only the kinds dist/ renders there, never pods or what makes them (its pods come from its HelmChart); got ' + ${what}`,
        ),
        rule(
          `!variables.isNamespace || ((request.operation == 'CREATE' || ${meta('oldObject', 'labels', PART_OF)} == ${cel(owned)}) && (request.operation == 'DELETE' || ${meta('object', 'labels', PART_OF)} == ${cel(owned)}))`,
          `'namespace ' + variables.requestName + ': only namespaces the platform\\'s apply created are its to change; got ' + request.operation + ' of one without (or losing) its ${PART_OF} label'`,
        ),
        rule(
          `!variables.isNamespace || !${writes} || ((variables.enforce == 'restricted' || (variables.enforce == 'baseline' && ${meta('object', 'annotations', REASON)} != '') || (variables.enforce == 'privileged' && variables.requestName in ${celList(Object.keys(inputs.privileged))})) && ${meta('object', 'labels', `${ENFORCE}-version`)} == 'latest')`,
          `'namespace ' + variables.requestName + ': Pod Security enforce got \\'' + variables.enforce + '\\', expected restricted at version latest, or baseline with a ${REASON} annotation; privileged only for ${privileged.replace(/'/g, '')}'`,
        ),
        rule(
          `!variables.isHelmChart || !${writes} || (${REFUSED_CHART_FIELDS.map((f) => `!has(object.spec.${f})`).join(' && ')})`,
          `'HelmChart ' + variables.requestNamespace + '/' + variables.requestName + ': ${REFUSED_CHART_FIELDS.join(', ')} are refused (helm-controller runs a HelmChart as cluster-admin); values go in valuesContent'`,
        ),
        rule(
          `!variables.isHelmChart || !${writes} || (variables.chartKey in variables.charts && variables.charts[variables.chartKey] == (has(object.spec.valuesContent) ? object.spec.valuesContent : ''))`,
          `'HelmChart ' + variables.requestNamespace + '/' + variables.requestName + (variables.chartKey in variables.charts ? ': its values are not the ones the policy pins' : ': its repository, chart and target namespace are not among the pinned charts of the policy') + ' (helm runs them as cluster-admin; the admin re-runs npm run -s deploy-identity | kubectl apply --server-side -f - for a new dist/)'`,
        ),
        rule(
          // A service-account-token Secret would be filled with a token by the controller, and a write of it answers with it.
          `!${is('', 'secrets')} || !${writes} || !has(object.type) || object.type == 'Opaque'`,
          `'Secret ' + variables.requestNamespace + '/' + variables.requestName + ': the deploy identity writes only Opaque Secrets (secret zero)'`,
        ),
        rule(
          `!${writes} || !((${is('external-secrets.io', 'externalsecrets')} && (variables.requestName == ${cel(ZERO)} || (has(object.spec.target) && has(object.spec.target.name) && object.spec.target.name == ${cel(ZERO)}))) || (${is('cert-manager.io', 'certificates')} && object.spec.secretName == ${cel(ZERO)}) || (${is('volsync.backube', 'replicationsources', 'replicationdestinations')} && has(object.spec.restic) && (has(object.spec.restic.moverServiceAccount) || (has(object.spec.restic.repository) && object.spec.restic.repository == ${cel(ZERO)}))))`,
          `'the deploy identity may not point a controller at Secret ${ZERO} (a write of it answers with what the controller put there), nor give a backup mover another ServiceAccount: got ' + ${what}`,
        ),
        rule(
          `!${is('external-secrets.io', 'secretstores')} || !${writes} || (has(object.spec.provider.infisical) && object.spec.provider.infisical.hostAPI in ${celList(inputs.infisicalHosts)} && !has(object.spec.provider.kubernetes) && !has(object.spec.provider.webhook))`,
          `'SecretStore ' + variables.requestNamespace + '/' + variables.requestName + ': only the Infisical provider, at ${inputs.infisicalHosts.join(' or ') || 'no host'} (secret zero goes to no other host)'`,
        ),
        rule(
          `!${is('tailscale.com', 'proxyclasses')} || !${writes} || !(has(object.spec.statefulSet) && has(object.spec.statefulSet.pod) && (has(object.spec.statefulSet.pod.tailscaleInitContainer) || (has(object.spec.statefulSet.pod.tailscaleContainer) && (has(object.spec.statefulSet.pod.tailscaleContainer.image) || has(object.spec.statefulSet.pod.tailscaleContainer.env) || has(object.spec.statefulSet.pod.tailscaleContainer.debug)))))`,
          `'ProxyClass ' + variables.requestName + ': the deploy identity gives the Tailscale proxies no image, env, debug or init container of their own (they run as a ServiceAccount that reads the tailscale namespace\\'s Secrets)'`,
        ),
        rule(
          // A conversion webhook would receive every object of the kind: no CRD the identity writes gets one.
          `!${is('apiextensions.k8s.io', 'customresourcedefinitions')} || !${writes} || (variables.requestName in ${celList([APPLYSET_CRD, ...inputs.crds])} && (!has(object.spec.conversion) || object.spec.conversion.strategy == 'None'))`,
          `'CustomResourceDefinition ' + variables.requestName + ': the deploy identity writes only ${APPLYSET_CRD} and the CRDs dist/ renders, never with a conversion webhook'`,
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
