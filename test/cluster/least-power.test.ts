import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applySetId } from '../../lib/delivery/applyset';
import { defineCluster } from '../../lib/config';
import { fixtureClusterInput } from '../fixtures/cluster';
import { appFile } from '../helpers';
import { REPO, applyAsDeployer, applyIdentities, editDistFile, output, renderDist, runApply, runKubectl, startWithDist, stopWithDist, type TestCluster } from './harness';

/*
 * The deploy identity cannot become cluster-admin, and the drift identity can change nothing:
 * proven as each identity, with a short-lived token, against the real API server with the
 * admission policy the admin step prints for this dist/ (lib/delivery/deploy-policy.ts). The dist/
 * is the test's own (the platform, one app, `store`, with a database and a backed-up volume, and one
 * served only on the tailnet, `dash`, which brings the Tailscale operator's ProxyClass and class;
 * its admins are named by GitHub user, which brings a sign-in of their own).
 * Every route the security reviews found is tried and must be refused, while the apply, a re-apply
 * and a prune still pass as the deploy identity and the drift check still works as the drift identity.
 */

const store = appFile('store', {
  image: 'registry.example/store:1.0.0',
  port: 8080,
  database: { size: '1Gi' },
  databaseEnv: { DATABASE_URL: 'uri' },
  volume: { mountPath: '/data', size: '1Gi' },
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
});

const dash = appFile('dash', {
  image: 'registry.example/dash:1.0.0',
  port: 3000,
  tailnet: true,
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
});

let cluster: TestCluster;
let dist: string;
const admins = defineCluster({ ...fixtureClusterInput, adminLogin: { github: { users: ['octocat'] } } }, 'test/fixtures/cluster.ts');
beforeAll(async () => ({ cluster, dist } = await startWithDist(renderDist([store, dash], admins))));
afterAll(() => stopWithDist(cluster, dist));

/** What the API server answers `kubectl <args>` (with `input` on stdin) in `env`: the output, or the refusal. */
function attempt(env: NodeJS.ProcessEnv, args: readonly string[], input?: unknown): { ok: boolean; text: string } {
  try {
    return { ok: true, text: runKubectl(env, args, input === undefined ? undefined : stringify(input)) };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}
const ssa = (env: NodeJS.ProcessEnv, object: Record<string, unknown>, ...extra: string[]) =>
  attempt(env, ['apply', '--server-side', '--field-manager=hobby-infra', '--force-conflicts', ...extra, '-f', '-'], object);
const dryRun = (object: Record<string, unknown>) => ssa(cluster.deployEnv, object, '--dry-run=server');
const live = (...target: string[]) => JSON.parse(cluster.kubectl([...target, '-o', 'json']));

/** The refusal, as the API server words it: the admission policy's message, or RBAC's. */
function refused(r: { ok: boolean; text: string }, words: string): void {
  expect(r.ok, r.text).toBe(false);
  expect(r.text).toContain(words);
}
function admitted(r: { ok: boolean; text: string }): void {
  expect(r.ok, r.text).toBe(true);
}

const helmChart = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name, namespace: 'kube-system' }, spec });
const pod = { securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: 'registry.example/c:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
const deployment = (namespace: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'intruder', namespace },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { ...pod, ...spec } } },
});
const FIELDS_REFUSED = 'are refused (helm-controller runs a HelmChart as cluster-admin)';

describe('the deploy path holds only the power it needs', () => {
  it('a first apply and a re-apply pass as the deploy identity under the policy', async () => {
    const first = await applyAsDeployer(cluster, dist, []);
    expect(first.status, output(first)).toBe(0);
    expect(first.stdout).toContain('admission policy: the one this dist/ needs');
    const again = await applyAsDeployer(cluster, dist, []);
    expect(again.status, output(again)).toBe(0);
    expect(live('-n', 'sign-in', 'get', 'deployment/oauth2-proxy-uptime-kuma').spec.template.spec.containers[0].args).toContain('--github-user=octocat');
  });

  it('HelmCharts: only the pinned ones, with exactly their values; a version bump passes', () => {
    const { spec } = live('-n', 'kube-system', 'get', 'helmchart/tailscale-operator');
    admitted(dryRun(helmChart('tailscale-operator', { ...spec, version: '9.9.9' })));
    // The operator's ServiceAccount may impersonate anyone: an image of one's own there is cluster-admin.
    refused(dryRun(helmChart('tailscale-operator', { ...spec, valuesContent: `${spec.valuesContent}operatorConfig:\n  image:\n    repository: evil/op\n` })), 'its values are not the ones the policy pins');
    refused(dryRun(helmChart('tailscale-operator', { ...spec, valuesContent: `${spec.valuesContent}extraObjects: []\n` })), 'its values are not the ones the policy pins');
    for (const field of [{ chartContent: 'H4sIAAAAAAAA' }, { jobImage: 'ghcr.io/evil/helm:latest' }, { set: { 'image.repository': 'evil/op' } }, { valuesSecrets: [{ name: 'x' }] }, { insecureSkipTLSVerify: true }]) {
      refused(dryRun(helmChart('tailscale-operator', { ...spec, ...field })), FIELDS_REFUSED);
    }
    refused(dryRun(helmChart('evil', { repo: 'https://charts.example.com', chart: 'anything' })), 'not among the pinned charts of the policy');
    refused(dryRun(helmChart('tailscale-operator', { ...spec, repo: 'https://charts.example.com' })), 'not among the pinned charts of the policy');
    refused(dryRun(helmChart('tailscale-operator', { ...spec, targetNamespace: 'kube-system' })), 'not among the pinned charts of the policy');
    refused(dryRun(helmChart('tailscale-operator-2', spec)), 'not among the pinned charts of the policy');
  });

  it('kube-system and namespaces that are not the platform\'s are closed; namespaces cannot be adopted', () => {
    const deploy = cluster.deployEnv;
    refused(dryRun(deployment('kube-system', { serviceAccountName: 'helm-traefik' })), 'writes nothing in kube-system but the platform\'s HelmCharts');
    refused(dryRun({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }), 'namespace default is not the platform\'s');
    refused(attempt(deploy, ['label', 'namespace', 'kube-system', `applyset.kubernetes.io/part-of=${applySetId('01-prerequisites')}`]), 'only namespaces the platform\'s apply created are its to change');
    cluster.kubectl(['create', 'namespace', 'hand-made']); // an admin's, not the platform's
    refused(attempt(deploy, ['delete', 'namespace', 'hand-made']), 'only namespaces the platform\'s apply created are its to change');
    refused(dryRun({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'hand-made' } }), 'namespace hand-made is not the platform\'s');
    refused(ssa(deploy, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stray', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }), 'only namespaces the platform\'s apply created are its to change');
  });

  it('Pod Security: restricted at latest, baseline only with its reason, privileged only where the policy names it', () => {
    const deploy = cluster.deployEnv;
    const label = (ns: string, value: string) => attempt(deploy, ['label', '--overwrite', '--dry-run=server', 'namespace', ns, value]);
    refused(label('store', 'pod-security.kubernetes.io/enforce=privileged'), "Pod Security enforce got 'privileged', expected restricted");
    refused(label('store', 'pod-security.kubernetes.io/enforce=baseline'), "Pod Security enforce got 'baseline', expected restricted at version latest, or baseline with a hobby-infra.dev/pod-security-reason annotation");
    refused(label('store', 'pod-security.kubernetes.io/enforce-version=v1.20'), 'expected restricted at version latest');
    refused(attempt(deploy, ['label', '--dry-run=server', 'namespace', 'store', 'pod-security.kubernetes.io/enforce-']), "Pod Security enforce got ''");
    const withReason = '{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"},"annotations":{"hobby-infra.dev/pod-security-reason":"the image runs as root"}}}';
    admitted(attempt(deploy, ['patch', '--dry-run=server', 'namespace', 'store', '--type=merge', '-p', withReason]));
    admitted(label('monitoring', 'pod-security.kubernetes.io/enforce=privileged'));
  });

  it('the platform\'s namespaces: no pods or what makes them (a chart\'s ServiceAccount is there), no database', () => {
    // The Tailscale operator's ServiceAccount may impersonate anyone (its API server proxy).
    for (const namespace of ['tailscale', 'external-secrets', 'monitoring']) {
      refused(dryRun(deployment(namespace, { serviceAccountName: 'operator' })), `namespace ${namespace} is the platform's: the deploy identity writes there only the kinds dist/ renders there`);
    }
    refused(attempt(cluster.deployEnv, ['-n', 'cnpg-system', 'create', 'job', 'x', '--image=registry.example/c:1', '--dry-run=server']), "namespace cnpg-system is the platform's");
    refused(dryRun({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'x', namespace: 'cert-manager' }, spec: { instances: 1, storage: { size: '1Gi' } } }), "namespace cert-manager is the platform's");
    admitted(dryRun(deployment('store')));
  });

  it("a tailnet-only app: its Ingress and the operator's ProxyClass pass as the deploy identity; a ProxyClass of one's own image does not; its proxy pod passes restricted Pod Security", () => {
    // Applied by the first apply, as the deploy identity under the policy, as dist/ renders them.
    expect(live('-n', 'dash', 'get', 'ingress/dash').spec).toMatchObject({ ingressClassName: 'tailscale', defaultBackend: { service: { name: 'dash' } }, tls: [{ hosts: ['dash'] }] });
    expect(live('-n', 'dash', 'get', 'networkpolicy/allow-declared').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'tailscale' });
    expect(live('-n', 'tailscale', 'get', 'networkpolicy/allow-proxies').spec.podSelector.matchLabels['tailscale.com/parent-resource-type']).toBe('ingress');
    const { spec } = live('get', 'proxyclasses.tailscale.com/restricted');
    const proxyClass = (name: string, pod: Record<string, unknown>) => ({ apiVersion: 'tailscale.com/v1alpha1', kind: 'ProxyClass', metadata: { name }, spec: { statefulSet: { pod } } });
    admitted(dryRun(proxyClass('restricted', spec.statefulSet.pod)));
    const container = spec.statefulSet.pod.tailscaleContainer;
    // Its ServiceAccount reads the tailscale namespace's Secrets (the operator's OAuth client): no image, env or debug of one's own.
    const REFUSED = 'the deploy identity gives the Tailscale proxies no image, env, debug or init container of their own';
    refused(dryRun(proxyClass('restricted', { ...spec.statefulSet.pod, tailscaleContainer: { ...container, image: 'registry.example/evil:1' } })), REFUSED);
    refused(dryRun(proxyClass('other', { tailscaleContainer: { env: [{ name: 'TS_AUTHKEY', value: 'x' }] } })), REFUSED);
    refused(dryRun(proxyClass('other', { tailscaleContainer: { debug: { enable: true } } })), REFUSED);
    refused(dryRun(proxyClass('other', { tailscaleInitContainer: { image: 'registry.example/evil:1' } })), REFUSED);

    // The pod the operator makes for the Ingress (its userspace-proxy.yaml skeleton at the pinned
    // version) with the ProxyClass applied as the operator applies it, against the namespace's Pod Security.
    const proxyPod = (withClass: boolean) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ts-dash-proxy-0', namespace: 'tailscale', labels: { 'tailscale.com/managed': 'true', 'tailscale.com/parent-resource-type': 'ingress', 'tailscale.com/parent-resource': 'dash', 'tailscale.com/parent-resource-ns': 'dash' } },
      spec: {
        ...(withClass ? { securityContext: spec.statefulSet.pod.securityContext } : {}),
        containers: [{
          name: 'tailscale',
          image: 'tailscale/tailscale:v1.102.3',
          env: [{ name: 'TS_USERSPACE', value: 'true' }],
          resources: withClass ? container.resources : { requests: { cpu: '1m', memory: '1Mi' } },
          ...(withClass ? { securityContext: container.securityContext } : {}),
        }],
      },
    });
    refused(attempt(cluster.env, ['apply', '--dry-run=server', '-f', '-'], proxyPod(false)), 'violates PodSecurity "restricted:latest"');
    admitted(attempt(cluster.env, ['apply', '--dry-run=server', '-f', '-'], proxyPod(true)));
  });

  it('Secrets: only secret zero, only Opaque, and no controller may be pointed at it', () => {
    cluster.kubectl(['-n', 'store', 'create', 'secret', 'generic', 'store-db-app', '--from-literal=password=hunter2']);
    const patched = attempt(cluster.deployEnv, ['-n', 'store', 'patch', 'secret', 'store-db-app', '--type=merge', '-p', '{"metadata":{"labels":{"x":"y"}}}', '-o', 'json']);
    refused(patched, 'forbidden');
    expect(patched.text).not.toContain('aHVudGVyMg'); // base64 of the value
    const zero = (namespace: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'infisical-universal-auth', namespace }, stringData: { clientId: 'x' }, ...extra });
    admitted(dryRun(zero('store'))); // as the apply writes it: a server-side apply, which reads nothing first
    // reloader's namespace has no secret zero yet: as a token Secret of the chart's ServiceAccount, the controller would fill it.
    refused(dryRun(zero('reloader', { type: 'kubernetes.io/service-account-token', metadata: { name: 'infisical-universal-auth', namespace: 'reloader', annotations: { 'kubernetes.io/service-account.name': 'reloader-reloader' } } })), 'the deploy identity writes only Opaque Secrets');
    const store = live('-n', 'store', 'get', 'secretstores.external-secrets.io/infisical-backups');
    const target = (name: string) => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x', namespace: 'store' }, spec: { secretStoreRef: { name: 'infisical-backups', kind: 'SecretStore' }, target: { name }, dataFrom: [{ find: { name: { regexp: '.*' } } }] } });
    admitted(dryRun(target('store-extra')));
    refused(dryRun(target('infisical-universal-auth')), 'may not point a controller at Secret infisical-universal-auth');
    refused(dryRun({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'x', namespace: 'store' }, spec: { secretName: 'infisical-universal-auth', dnsNames: ['a.example'], issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer' } } }), 'may not point a controller at Secret');
    const { metadata, spec } = live('-n', 'store', 'get', 'replicationsources.volsync.backube').items[0];
    const mover = (restic: Record<string, unknown>) => ({ apiVersion: 'volsync.backube/v1alpha1', kind: 'ReplicationSource', metadata: { name: metadata.name, namespace: 'store' }, spec: { ...spec, restic: { ...spec.restic, ...restic } } });
    refused(dryRun(mover({ repository: 'infisical-universal-auth' })), 'may not point a controller at Secret');
    refused(dryRun(mover({ moverServiceAccount: 'store-db' })), 'nor give a backup mover another ServiceAccount');
    // SecretStores speak to the pinned Infisical host only: secret zero goes nowhere else.
    refused(dryRun({ ...store, metadata: { name: 'infisical-backups', namespace: 'store' }, spec: { provider: { infisical: { ...store.spec.provider.infisical, hostAPI: 'https://infisical.evil.example' } } } }), 'only the Infisical provider, at https://eu.infisical.com');
  });

  it('the policy itself, and the conversion of the CRDs it writes, cannot be changed by either identity', () => {
    for (const env of [cluster.deployEnv, cluster.driftEnv]) {
      refused(attempt(env, ['delete', 'validatingadmissionpolicy', 'hobby-infra-deploy']), 'forbidden');
      refused(attempt(env, ['delete', 'validatingadmissionpolicybinding', 'hobby-infra-deploy']), 'forbidden');
      refused(attempt(env, ['label', 'validatingadmissionpolicy', 'hobby-infra-deploy', 'x=y']), 'forbidden');
    }
    const conversion = '{"spec":{"conversion":{"strategy":"Webhook","webhook":{"conversionReviewVersions":["v1"],"clientConfig":{"url":"https://evil.example/convert"}}}}}';
    refused(attempt(cluster.deployEnv, ['patch', '--dry-run=server', 'crd', 'applysets.hobby-infra.dev', '--type=merge', '-p', conversion]), 'never with a conversion webhook');
    // The CRDs dist/ renders (Traefik's): patched by name, never given a conversion webhook, never deleted;
    // a CRD dist/ does not render is not the deploy identity's to write.
    admitted(attempt(cluster.deployEnv, ['label', '--dry-run=server', 'crd', 'middlewares.traefik.io', 'x=y']));
    refused(attempt(cluster.deployEnv, ['patch', '--dry-run=server', 'crd', 'middlewares.traefik.io', '--type=merge', '-p', conversion]), 'never with a conversion webhook');
    refused(attempt(cluster.deployEnv, ['delete', '--dry-run=server', 'crd', 'middlewares.traefik.io']), 'forbidden');
    refused(attempt(cluster.deployEnv, ['label', '--dry-run=server', 'crd', 'helmcharts.helm.cattle.io', 'x=y']), 'forbidden');
  });

  it('the drift identity writes nothing, and --drift works as it', async () => {
    const drift = cluster.driftEnv;
    refused(ssa(drift, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'store' } }), 'the drift identity writes nothing');
    refused(attempt(drift, ['-n', 'store', 'scale', 'deployment/store', '--replicas=0']), 'forbidden');
    refused(attempt(drift, ['-n', 'store', 'label', 'deployment/store', 'x=y']), 'the drift identity writes nothing');
    refused(attempt(drift, ['-n', 'store', 'delete', 'service', '--all']), 'forbidden');
    admitted(ssa(drift, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'store' } }, '--dry-run=server'));
    const r = await runApply({ env: drift }, ['--dist', dist, '--drift'], { INFISICAL_IDENTITIES: undefined });
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toContain('apply: no drift');
  });

  it('a chart the policy does not name stops the apply before anything is written; after the admin step it goes on, and a prune passes', async () => {
    const parents = () => cluster.kubectl(['get', 'applysets.hobby-infra.dev', '-o', 'jsonpath={.items[*].metadata.resourceVersion}']);
    const before = parents();
    editDistFile(dist, '02-helm-charts/reloader.yaml', (docs) => docs.map((d) => ({ ...d, metadata: { ...d.metadata, name: 'stakater-reloader' } })));
    const stale = await applyAsDeployer(cluster, dist, []);
    expect(stale.status, output(stale)).toBe(2);
    expect(stale.stderr).toContain('the admission policy that guards the deploy identity is not the one this dist/ needs');
    expect(stale.stderr).toContain('npm run -s deploy-identity | kubectl apply --server-side -f -');
    expect(parents()).toBe(before);

    // What the admin reads first (docs/delivery.md): `npm run -s deploy-identity | kubectl diff --server-side -f -`
    // shows the policy widening to the renamed chart, and nothing else of the identities.
    const printed = execFileSync(process.execPath, ['scripts/run.mjs', 'scripts/deploy-identity.ts', '--dist', dist], { cwd: REPO, encoding: 'utf8' });
    const diff = spawnSync(cluster.env.KUBECTL ?? 'kubectl', ['diff', '--server-side', '-f', '-'], { env: cluster.env, input: printed, encoding: 'utf8' });
    expect(diff.status, diff.stderr).toBe(1);
    // One chart per line of the policy's map: the renamed chart is one line out, one line in.
    expect(diff.stdout).toMatch(/^-\s+"kube-system\/reloader https:\/\/stakater\.github\.io\/stakater-charts reloader -> reloader": /m);
    expect(diff.stdout).toMatch(/^\+\s+"kube-system\/stakater-reloader https:\/\/stakater\.github\.io\/stakater-charts reloader -> reloader": /m);
    expect(diff.stdout.match(/^diff -u -N \S*\/LIVE-\d+\/(\S+)/gm)?.map((l) => l.split('/').pop())).toEqual(['admissionregistration.k8s.io.v1.ValidatingAdmissionPolicy..hobby-infra-deploy']);
    applyIdentities(cluster, dist); // the admin step, for this dist/
    const renamed = await applyAsDeployer(cluster, dist, ['--allow-destructive']); // the old HelmChart is a protected prune
    expect(renamed.status, output(renamed)).toBe(0);
    const charts = cluster.kubectl(['-n', 'kube-system', 'get', 'helmcharts', '-o', 'name']).split('\n');
    expect(charts).toContain('helmchart.helm.cattle.io/stakater-reloader');
    expect(charts).not.toContain('helmchart.helm.cattle.io/reloader');
  });
});
