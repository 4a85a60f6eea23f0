import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applySetId } from '../../lib/delivery/applyset';
import { applyAsDeployer, applyIdentities, editDistFile, output, runApply, runKubectl, startWithDist, stopWithDist, type TestCluster } from './harness';

/*
 * The deploy identity cannot become cluster-admin, and the drift identity can change nothing:
 * proven as each identity, with a short-lived token, against the real API server with the
 * admission policy the admin step prints for this dist/ (lib/delivery/deploy-policy.ts). Every
 * route the security review found is tried and must be refused, while the apply, a re-apply and a
 * prune still pass as the deploy identity and the drift check still works as the drift identity.
 */

let cluster: TestCluster;
let dist: string;
beforeAll(async () => ({ cluster, dist } = await startWithDist()));
afterAll(() => stopWithDist(cluster, dist));

/** What the API server answers `identity` for `kubectl <args>` (with `input` on stdin): the output, or the refusal. */
function attempt(env: NodeJS.ProcessEnv, args: readonly string[], input?: unknown): { ok: boolean; text: string } {
  try {
    const text = runKubectl(env, args, input === undefined ? undefined : stringify(input));
    return { ok: true, text };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}

const ssa = (env: NodeJS.ProcessEnv, object: Record<string, unknown>, ...extra: string[]) =>
  attempt(env, ['apply', '--server-side', '--field-manager=hobby-infra', '--force-conflicts', ...extra, '-f', '-'], object);

const helmChart = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'helm.cattle.io/v1',
  kind: 'HelmChart',
  metadata: { name, namespace: 'kube-system' },
  spec: { repo: 'https://traefik.github.io/charts', chart: 'traefik', version: '41.3.0', targetNamespace: 'traefik', ...spec },
});

/** The refusal, as the API server words it: the admission policy's message, or RBAC's. */
function refused(r: { ok: boolean; text: string }, words: string): void {
  expect(r.ok, r.text).toBe(false);
  expect(r.text).toContain(words);
}

describe('the deploy path holds only the power it needs', () => {
  it('a first apply and a re-apply pass as the deploy identity under the policy', async () => {
    const first = await applyAsDeployer(cluster, dist, []);
    expect(first.status, output(first)).toBe(0);
    expect(first.stdout).toContain('admission policy: the one this dist/ needs');
    const again = await applyAsDeployer(cluster, dist, []);
    expect(again.status, output(again)).toBe(0);
  });

  it('HelmCharts: an inline chart, a job image, an unpinned chart or repository, values that render objects of their own are refused', () => {
    const deploy = cluster.deployEnv;
    // The platform's own traefik HelmChart, as dist/ renders it, may be re-applied; a bump of its version too.
    const traefik = JSON.parse(cluster.kubectl(['-n', 'kube-system', 'get', 'helmchart/traefik', '-o', 'json']));
    const pinned = helmChart('traefik', { ...traefik.spec, version: '41.4.0' });
    expect(ssa(deploy, pinned, '--dry-run=server').ok).toBe(true);

    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, chartContent: 'H4sIAAAAAAAA' })), 'chartContent, jobImage, bootstrap, set and valuesSecrets are refused');
    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, jobImage: 'ghcr.io/evil/helm:latest' })), 'chartContent, jobImage, bootstrap, set and valuesSecrets are refused');
    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, set: { 'extraObjects[0].kind': 'ClusterRoleBinding' } })), 'chartContent, jobImage, bootstrap, set and valuesSecrets are refused');
    refused(ssa(deploy, helmChart('evil', { repo: 'https://charts.example.com', chart: 'anything' })), 'not among the pinned charts of the policy');
    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, repo: 'https://charts.example.com' })), 'not among the pinned charts of the policy');
    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, targetNamespace: 'kube-system' })), 'not among the pinned charts of the policy');
    refused(ssa(deploy, helmChart('traefik2', traefik.spec)), 'not among the pinned charts of the policy');
    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, valuesContent: `${traefik.spec.valuesContent}extraObjects:\n  - apiVersion: v1\n` })), 'may not render objects of its own');
    refused(ssa(deploy, helmChart('traefik', { ...traefik.spec, valuesContent: `"extra\\x4fbjects": []\n` })), 'may not render objects of its own');
    const autoscaler = JSON.parse(cluster.kubectl(['-n', 'kube-system', 'get', 'helmchart/cluster-autoscaler', '-o', 'json']));
    refused(
      ssa(deploy, { ...helmChart('cluster-autoscaler', autoscaler.spec), spec: { ...autoscaler.spec, valuesContent: `${autoscaler.spec.valuesContent}rbac:\n  serviceAccount:\n    name: helm-traefik\n` } }),
      'a chart installed into kube-system may not set a ServiceAccount',
    );
  });

  it('kube-system and namespaces that are not the platform\'s are closed; namespaces cannot be adopted', () => {
    const deploy = cluster.deployEnv;
    const deployment = (namespace: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'as-helm-traefik', namespace },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { serviceAccountName: 'helm-traefik', containers: [{ name: 'c', image: 'bitnami/kubectl' }] } } },
    });
    refused(ssa(deploy, deployment('kube-system')), 'writes nothing in kube-system but the platform\'s HelmCharts');
    refused(ssa(deploy, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }), 'namespace default is not the platform\'s');
    refused(attempt(deploy, ['label', 'namespace', 'kube-system', `applyset.kubernetes.io/part-of=${applySetId('01-prerequisites')}`]), 'only namespaces the platform\'s apply created are its to change');
    cluster.kubectl(['create', 'namespace', 'hand-made']); // an admin's, not the platform's
    refused(attempt(deploy, ['delete', 'namespace', 'hand-made']), 'only namespaces the platform\'s apply created are its to change');
    refused(ssa(deploy, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'hand-made' } }), 'namespace hand-made is not the platform\'s');
  });

  it('an app namespace cannot be made privileged or unlabelled; a named platform namespace may stay privileged', () => {
    const deploy = cluster.deployEnv;
    refused(attempt(deploy, ['label', '--overwrite', 'namespace', 'shop', 'pod-security.kubernetes.io/enforce=privileged']), "Pod Security enforce got 'privileged', expected restricted or baseline");
    refused(attempt(deploy, ['label', 'namespace', 'shop', 'pod-security.kubernetes.io/enforce-']), "Pod Security enforce got '', expected restricted or baseline");
    expect(attempt(deploy, ['label', '--overwrite', '--dry-run=server', 'namespace', 'shop', 'pod-security.kubernetes.io/enforce=baseline']).ok).toBe(true);
    const monitoring = attempt(deploy, ['label', '--overwrite', '--dry-run=server', 'namespace', 'monitoring', 'pod-security.kubernetes.io/enforce=privileged']);
    expect(monitoring.ok, monitoring.text).toBe(true);
    // A new namespace created without the platform's label is refused as well (never adoptable later).
    refused(ssa(deploy, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stray', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }), 'only namespaces the platform\'s apply created are its to change');
  });

  it('Secrets: only secret zero may be written; a patch of any other Secret (which would read it) is refused', () => {
    cluster.kubectl(['-n', 'shop', 'create', 'secret', 'generic', 'shop-db-app', '--from-literal=password=hunter2']);
    const patched = attempt(cluster.deployEnv, ['-n', 'shop', 'patch', 'secret', 'shop-db-app', '--type=merge', '-p', '{"metadata":{"labels":{"x":"y"}}}', '-o', 'json']);
    refused(patched, 'forbidden');
    expect(patched.text).not.toContain('aHVudGVyMg'); // base64 of the value
    // Secret zero is written as the apply writes it: a server-side apply, which reads nothing back first.
    const zero = ssa(cluster.deployEnv, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'infisical-universal-auth', namespace: 'shop' }, stringData: { clientId: 'x' } }, '--dry-run=server');
    expect(zero.ok, zero.text).toBe(true);
  });

  it('no pods in the platform\'s namespaces (they could run as a chart\'s ServiceAccount); no service-account-token Secret', () => {
    const deploy = cluster.deployEnv;
    // The Tailscale operator's ServiceAccount may impersonate anyone (its API server proxy): a pod
    // running as it would be cluster-admin. The same Deployment in an app namespace is the app's.
    const asOperator = (namespace: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'as-operator', namespace },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: {
            serviceAccountName: 'operator',
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{ name: 'c', image: 'registry.example/c:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
          },
        },
      },
    });
    for (const namespace of ['tailscale', 'external-secrets', 'monitoring']) {
      refused(ssa(deploy, asOperator(namespace), '--dry-run=server'), `namespace ${namespace} is the platform's: its pods come from its HelmChart`);
    }
    refused(attempt(deploy, ['-n', 'cnpg-system', 'create', 'job', 'x', '--image=registry.example/c:1', '--dry-run=server']), "namespace cnpg-system is the platform's");
    expect(ssa(deploy, { ...asOperator('shop'), spec: { ...asOperator('shop').spec, template: { ...asOperator('shop').spec.template, spec: { ...asOperator('shop').spec.template.spec, serviceAccountName: undefined } } } }, '--dry-run=server').ok).toBe(true);
    // Secret zero's name, as a token Secret of a chart's ServiceAccount: the token controller would fill it, a patch would answer with it.
    refused(
      ssa(deploy, { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'infisical-universal-auth', namespace: 'reloader', annotations: { 'kubernetes.io/service-account.name': 'reloader-reloader' } } }),
      'the deploy identity writes only Opaque Secrets',
    );
  });

  it('the policy itself cannot be changed or deleted by either identity', () => {
    for (const env of [cluster.deployEnv, cluster.driftEnv]) {
      refused(attempt(env, ['delete', 'validatingadmissionpolicy', 'hobby-infra-deploy']), 'forbidden');
      refused(attempt(env, ['delete', 'validatingadmissionpolicybinding', 'hobby-infra-deploy']), 'forbidden');
      refused(attempt(env, ['label', 'validatingadmissionpolicy', 'hobby-infra-deploy', 'x=y']), 'forbidden');
    }
  });

  it('the drift identity writes nothing, and --drift works as it', async () => {
    const drift = cluster.driftEnv;
    refused(ssa(drift, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } }), 'the drift identity writes nothing');
    refused(attempt(drift, ['-n', 'shop', 'scale', 'deployment/shop-web', '--replicas=0']), 'forbidden');
    refused(attempt(drift, ['-n', 'shop', 'label', 'deployment/shop-web', 'x=y']), 'the drift identity writes nothing');
    refused(attempt(drift, ['-n', 'shop', 'delete', 'service', '--all']), 'forbidden');
    expect(ssa(drift, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } }, '--dry-run=server').ok).toBe(true);

    const r = await runApply({ env: drift }, ['--dist', dist, '--drift'], { INFISICAL_IDENTITIES: undefined });
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toContain('apply: no drift');
  });

  it('a chart the policy does not name stops the apply before anything is written; after the admin step it goes on, and a prune passes', async () => {
    const before = cluster.kubectl(['get', 'applysets.hobby-infra.dev', '-o', 'jsonpath={.items[*].metadata.resourceVersion}']);
    editDistFile(dist, '02-helm-charts/reloader.yaml', (docs) => docs.map((d) => ({ ...d, metadata: { ...d.metadata, name: 'stakater-reloader' } })));
    const stale = await applyAsDeployer(cluster, dist, []);
    expect(stale.status, output(stale)).toBe(2);
    expect(stale.stderr).toContain('the admission policy that guards the deploy identity is not the one this dist/ needs');
    expect(stale.stderr).toContain('npm run -s deploy-identity | kubectl apply --server-side -f -');
    expect(cluster.kubectl(['get', 'applysets.hobby-infra.dev', '-o', 'jsonpath={.items[*].metadata.resourceVersion}'])).toBe(before);

    applyIdentities(cluster, dist); // the admin step, for this dist/
    const renamed = await applyAsDeployer(cluster, dist, ['--allow-destructive']); // the old HelmChart is a protected prune
    expect(renamed.status, output(renamed)).toBe(0);
    expect(cluster.kubectl(['-n', 'kube-system', 'get', 'helmcharts', '-o', 'name'])).toContain('helmchart.helm.cattle.io/stakater-reloader');
    expect(cluster.kubectl(['-n', 'kube-system', 'get', 'helmcharts', '-o', 'name'])).not.toContain('helmchart.helm.cattle.io/reloader\n');
  });
});
