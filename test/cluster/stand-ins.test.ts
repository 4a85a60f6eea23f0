import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUPS_ANNOTATION, WORKLOADS_ANNOTATION } from '../../lib/constructs/helm-release';
import { REPO, renderDist, startWithDist, stopWithDist, type TestCluster } from './harness';
import { DEFAULT_JOB_IMAGE, HELM_CHART_FINALIZER, helmJob, type HelmChartObject } from './helm-job';
import { STAND_IN_NODE } from './kubelet-logs';
import { unreachableRepoError } from './played-helm';

/*
 * The stand-ins' own contract, against the real API server, kube-controller-manager and kubectl
 * (as the admin): what each played controller does is what the real one does, as far as the API
 * shows it. The helm-controller Job is compared with the Job helm-controller's own code builds
 * (test/oracles/helm-job, scripts/build-helm-job-oracle.sh).
 */

let cluster: TestCluster;
let dist: string;
let oracle: string;
beforeAll(async () => {
  // The first run on a machine builds the oracle (a minute or two), then it is cached.
  oracle = execFileSync('bash', [join(REPO, 'scripts/build-helm-job-oracle.sh')], { encoding: 'utf8', timeout: 30 * 60_000 }).trim().split('\n').pop()!;
  ({ cluster, dist } = await startWithDist(renderDist([]), { absentKeys: ['FX_ABSENT_KEY'], failingHelmDeletes: ['fx-stuck'] }));
});
afterAll(() => stopWithDist(cluster, dist));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (...args: string[]) => JSON.parse(cluster.kubectl(['get', ...args, '-o', 'json']));
const exists = (...args: string[]) => cluster.kubectl(['get', ...args, '--ignore-not-found', '-o', 'name']).trim() !== '';
async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms / 1000} s\n${cluster.played.slice(-20).join('\n')}`);
    await sleep(250);
  }
}
/**
 * `kubectl logs` as a user runs it (real kubectl, through the API server to the played kubelet):
 * stdout, or the error it prints. Asynchronous: the played kubelet answers from this process.
 */
function kubectlLogs(args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((ok) =>
    execFile(cluster.env.KUBECTL!, ['logs', ...args], { env: cluster.env, encoding: 'utf8' }, (err, stdout, stderr) => ok({ status: err ? ((err as { code?: number }).code ?? 1) : 0, out: err ? stderr : stdout })),
  );
}

/** A Go-marshalled object without the zero values the API server drops too (`creationTimestamp: null`, `resources: {}`). */
function goZeroesDropped(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(goZeroesDropped);
  if (!v || typeof v !== 'object') return v;
  const kept = Object.entries(v).filter(([, x]) => x !== null && !(typeof x === 'object' && Object.keys(x).length === 0));
  return Object.fromEntries(kept.map(([k, x]) => [k, goZeroesDropped(x)]));
}

const chart = (name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}) => ({
  apiVersion: 'helm.cattle.io/v1',
  kind: 'HelmChart',
  metadata: { name, namespace: 'kube-system', annotations },
  spec: { chart: name, targetNamespace: `${name}-ns`, createNamespace: true, ...spec },
});
const applyAsAdmin = (obj: object) => cluster.kubectl(['apply', '--server-side', '--field-manager=test', '-f', '-'], JSON.stringify(obj));
const pods = (job: string) => get('pods', '-n', 'kube-system', '-l', `job-name=${job}`).items as any[];

describe('helm-controller, played as k3s runs it', () => {
  const ok = chart(
    'fx-ok',
    { repo: 'https://charts.example.org/stable', version: '1.2.3', valuesContent: 'replicas: 2\n', set: { 'a.b': 'x,y', n: 3 } },
    { [WORKLOADS_ANNOTATION]: 'daemonset/fx-ok-agent,deployment/fx-ok-api,statefulset/fx-ok-db', [CRD_GROUPS_ANNOTATION]: 'traefik.io' },
  );

  it('builds helm-install-<name> as helm-controller v0.16.10 does (its own job() as the oracle), claims the chart and sets its status', async () => {
    applyAsAdmin(ok);
    const job = await until('helm-install-fx-ok complete', () => exists('job/helm-install-fx-ok', '-n', 'kube-system') && get('job/helm-install-fx-ok', '-n', 'kube-system').status?.succeeded === 1 && get('job/helm-install-fx-ok', '-n', 'kube-system'));
    const live = get('helmchart/fx-ok', '-n', 'kube-system') as HelmChartObject;
    // The real Job shape, field by field, from the source.
    expect(job.spec.backoffLimit).toBe(1000);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(pod.serviceAccountName).toBe('helm-fx-ok');
    expect(pod.containers.map((c: any) => [c.name, c.image])).toEqual([['helm', DEFAULT_JOB_IMAGE]]);
    expect(pod.containers[0].args).toEqual(['install', '--namespace', 'fx-ok-ns', '--create-namespace', '--version', '1.2.3', '--set-string', 'a.b=x\\,y', '--set', 'n=3']);
    expect(Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? '']))).toMatchObject({ NAME: 'fx-ok', VERSION: '1.2.3', REPO: 'https://charts.example.org/stable', CHART: 'fx-ok/fx-ok', TARGET_NAMESPACE: 'fx-ok-ns', CHART_NAMESPACE: 'kube-system', HELM_DRIVER: 'secret', FAILURE_POLICY: 'reinstall' });
    expect(job.metadata.labels['helmcharts.helm.cattle.io/chart']).toBe('fx-ok');
    expect(job.metadata.ownerReferences).toBeUndefined(); // wrangler marks its set with annotations instead
    expect(job.metadata.annotations['objectset.rio.cattle.io/owner-name']).toBe('fx-ok');
    // The oracle: helm-controller's own job() for the live HelmChart, every field the stand-in sets.
    const real = JSON.parse(execFileSync(oracle, { input: JSON.stringify(live), encoding: 'utf8' }));
    const played = helmJob(live);
    expect(goZeroesDropped(played.metadata)).toEqual(goZeroesDropped(real.metadata));
    expect(goZeroesDropped(played.spec)).toEqual(goZeroesDropped(real.spec));
    expect(job.spec.template.metadata.annotations['helmcharts.helm.cattle.io/configHash']).toBe(real.spec.template.metadata.annotations['helmcharts.helm.cattle.io/configHash']);
    // The chart, as the controller leaves it.
    expect(live.metadata.finalizers).toContain(HELM_CHART_FINALIZER);
    expect(live.metadata.annotations?.['helmcharts.cattle.io/managed-by']).toBe('helm-controller');
    expect(live.status?.jobName).toBe('helm-install-fx-ok');
    expect(live.status?.conditions?.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])).toEqual([
      ['JobCreated', 'True', 'Job created', 'Applying HelmChart using Job kube-system/helm-install-fx-ok'],
      ['Failed', 'False', '', ''],
    ]);
  });

  it('creates every workload the chart declares in its target namespace, once helm has installed it', async () => {
    await until('the workloads', () => exists('statefulset/fx-ok-db', '-n', 'fx-ok-ns'));
    expect(cluster.kubectl(['get', 'deployments,daemonsets,statefulsets', '-n', 'fx-ok-ns', '-o', 'name']).trim().split('\n').sort()).toEqual(['daemonset.apps/fx-ok-agent', 'deployment.apps/fx-ok-api', 'statefulset.apps/fx-ok-db']);
    // Their pods run (the kubelet stand-in); the DaemonSet has none to run: its only node is the tainted stand-in node.
    await until('the Deployment and StatefulSet ready', () => get('deployment/fx-ok-api', '-n', 'fx-ok-ns').status?.availableReplicas === 1 && get('statefulset/fx-ok-db', '-n', 'fx-ok-ns').status?.readyReplicas === 1);
    expect(get('daemonset/fx-ok-agent', '-n', 'fx-ok-ns').status.desiredNumberScheduled).toBe(0);
    expect(exists('crd/ingressroutes.traefik.io')).toBe(true);
  });

  it('serves the played helm log through the API server (pods/log to the node\'s kubelet)', async () => {
    const [pod] = pods('helm-install-fx-ok');
    expect(pod.spec.nodeName).toBe(STAND_IN_NODE);
    const r = await kubectlLogs(['-n', 'kube-system', 'job/helm-install-fx-ok']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('+ helm repo add fx-ok https://charts.example.org/stable');
    expect(r.out).toMatch(/\+ helm install --namespace fx-ok-ns --create-namespace --version 1\.2\.3 --set-string a\.b=x\\,y --set n=3 fx-ok fx-ok\/fx-ok --values \/config\/values-0-000-HelmChart-ValuesContent\.yaml\nNAME: fx-ok\n/);
    expect(r.out).toContain('STATUS: deployed');
    expect((await kubectlLogs(['-n', 'kube-system', pod.metadata.name, '--previous'])).out).toContain(`previous terminated container "helm" in pod "${pod.metadata.name}" not found`);
  });

  it('a chart whose repository cannot be reached: the install keeps restarting (OnFailure, backoffLimit 1000) and kubectl logs shows helm\'s error', async () => {
    applyAsAdmin(chart('fx-broken', { repo: 'https://charts.fx-broken.invalid', version: '0.1.0' }));
    const pod = await until('the failing helm restarted twice', () => pods('helm-install-fx-broken').find((p) => (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 2));
    expect(pod.status.phase).toBe('Running');
    const status = pod.status.containerStatuses[0];
    expect(status.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(status.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const job = get('job/helm-install-fx-broken', '-n', 'kube-system');
    expect(job.status.failed ?? 0).toBe(0);
    expect(job.status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: 'Failed' }));
    const message = 'Error: looks like "https://charts.fx-broken.invalid" is not a valid chart repository or cannot be reached: Get "https://charts.fx-broken.invalid/index.yaml": dial tcp: lookup charts.fx-broken.invalid on 10.43.0.10:53: no such host';
    expect(unreachableRepoError('https://charts.fx-broken.invalid')).toBe(message);
    for (const args of [['job/helm-install-fx-broken'], [pod.metadata.name, '--previous'], [pod.metadata.name, '-c', 'helm', '--tail=1']]) {
      const r = await kubectlLogs(['-n', 'kube-system', ...args]);
      expect(r.status).toBe(0);
      expect(r.out.trimEnd().split('\n').at(-1)).toBe(message);
    }
    expect((await kubectlLogs(['-n', 'kube-system', pod.metadata.name])).out).toContain('+ helm repo add fx-broken https://charts.fx-broken.invalid\nError: looks like');
    expect(exists('deployment/fx-broken', '-n', 'fx-broken-ns')).toBe(false); // helm installed nothing
  });

  it('a changed HelmChart has its Job deleted and created again (jobPatcher)', async () => {
    const before = get('job/helm-install-fx-ok', '-n', 'kube-system').metadata.uid;
    applyAsAdmin({ ...ok, spec: { ...ok.spec, version: '1.2.4' } });
    const job = await until('a new helm-install-fx-ok', () => {
      const j = exists('job/helm-install-fx-ok', '-n', 'kube-system') && get('job/helm-install-fx-ok', '-n', 'kube-system');
      return j && j.metadata.uid !== before && j;
    });
    expect(job.spec.template.spec.containers[0].args).toContain('1.2.4');
  });

  it('removing a HelmChart waits for helm-delete-<name>, then removes what it installed and the finalizer', async () => {
    await until('the new install done', () => get('job/helm-install-fx-ok', '-n', 'kube-system').status?.succeeded === 1);
    cluster.kubectl(['delete', 'helmchart/fx-ok', '-n', 'kube-system', '--wait=false']);
    const terminating = get('helmchart/fx-ok', '-n', 'kube-system');
    expect(terminating.metadata.deletionTimestamp).toBeTruthy();
    const del = await until('helm-delete-fx-ok', () => exists('job/helm-delete-fx-ok', '-n', 'kube-system') && get('job/helm-delete-fx-ok', '-n', 'kube-system'));
    expect(del.spec.template.spec.containers[0].args).toEqual(['delete']);
    expect(del.spec).toMatchObject({ backoffLimit: 1000, template: { spec: { restartPolicy: 'OnFailure' } } });
    await until('the HelmChart gone', () => !exists('helmchart/fx-ok', '-n', 'kube-system'));
    const played = cluster.played.join('\n');
    expect(played.indexOf('uninstalled kube-system/fx-ok after Job helm-delete-fx-ok succeeded')).toBeGreaterThan(played.indexOf('Job helm-delete-fx-ok created'));
    await until('its workloads and Jobs gone', () => !exists('deployment/fx-ok-api', '-n', 'fx-ok-ns') && !exists('job/helm-install-fx-ok', '-n', 'kube-system') && !exists('job/helm-delete-fx-ok', '-n', 'kube-system'));
    expect(exists('statefulset/fx-ok-db', '-n', 'fx-ok-ns')).toBe(false);
  });

  it('a delete whose helm fails keeps the HelmChart Terminating', async () => {
    applyAsAdmin(chart('fx-stuck', { repo: 'https://charts.example.org/stable', version: '1.0.0' }));
    await until('fx-stuck installed', () => exists('deployment/fx-stuck', '-n', 'fx-stuck-ns'));
    cluster.kubectl(['delete', 'helmchart/fx-stuck', '-n', 'kube-system', '--wait=false']);
    await until('the delete failing twice', () => pods('helm-delete-fx-stuck').some((p) => (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 2));
    expect(get('helmchart/fx-stuck', '-n', 'kube-system').metadata.finalizers).toContain(HELM_CHART_FINALIZER);
    expect(exists('deployment/fx-stuck', '-n', 'fx-stuck-ns')).toBe(true);
    expect((await kubectlLogs(['-n', 'kube-system', 'job/helm-delete-fx-stuck'])).out).toContain('+ helm uninstall fx-stuck --namespace fx-stuck-ns\nError: uninstallation completed with 1 error(s)');
  });
});

describe('cert-manager and External Secrets, played', () => {
  // (`kubectl wait --for=condition=Established` fails at once on a CRD whose status has no conditions yet.)
  const crds = async (...files: string[]) => {
    cluster.kubectl(['apply', '--server-side', ...files.flatMap((f) => ['-f', join(REPO, 'imports/crds', f)])]);
    for (const f of files) {
      const name = f.replace(/^([^_]+)_(.+)\.yaml$/, '$2.$1');
      await until(`CRD ${name} established`, () => get(`crd/${name}`).status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True'));
    }
  };
  const condition = (o: any) => o.status?.conditions?.find((c: any) => c.type === 'Ready');
  const events = (ns: string, name: string) => (get('events', '-n', ns, '--field-selector', `involvedObject.name=${name}`).items as any[]).map((e) => `${e.reason}: ${e.message}`);

  it('Certificates are Ready when their issuer exists; one naming a missing issuer stays not Ready, as cert-manager says', async () => {
    await crds('cert-manager.io_certificates.yaml', 'cert-manager.io_clusterissuers.yaml');
    cluster.kubectl(['create', 'namespace', 'fx-tls']);
    applyAsAdmin({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'fx-issuer' }, spec: { acme: { server: 'https://acme.invalid/directory', privateKeySecretRef: { name: 'fx-account' }, solvers: [] } } });
    const cert = (name: string, issuer: string) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, namespace: 'fx-tls' }, spec: { secretName: name, dnsNames: ['fx.example.org'], issuerRef: { kind: 'ClusterIssuer', name: issuer } } });
    applyAsAdmin(cert('fx-good', 'fx-issuer'));
    applyAsAdmin(cert('fx-orphan', 'fx-missing'));
    await until('fx-good Ready', () => condition(get('certificate/fx-good', '-n', 'fx-tls'))?.status === 'True');
    expect(condition(get('clusterissuer/fx-issuer'))).toMatchObject({ status: 'True', reason: 'ACMEAccountRegistered' });
    await sleep(2000);
    expect(condition(get('certificate/fx-orphan', '-n', 'fx-tls'))).toMatchObject({ status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' });
    // A new spec is judged again: the condition names the generation it was judged for.
    applyAsAdmin({ ...cert('fx-good', 'fx-issuer'), spec: { ...cert('fx-good', 'fx-issuer').spec, dnsNames: ['fx.example.org', 'www.fx.example.org'] } });
    await until('fx-good judged for generation 2', () => condition(get('certificate/fx-good', '-n', 'fx-tls'))?.observedGeneration === 2);
  });

  it('SecretStores need their universal-auth Secret; an ExternalSecret of an absent key fails with ESO\'s message', async () => {
    await crds('external-secrets.io_secretstores.yaml', 'external-secrets.io_externalsecrets.yaml');
    cluster.kubectl(['create', 'namespace', 'fx-es']);
    const ref = (key: string) => ({ name: 'infisical-universal-auth', key });
    applyAsAdmin({
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'infisical', namespace: 'fx-es' },
      spec: { provider: { infisical: { hostAPI: 'https://eu.infisical.com', auth: { universalAuthCredentials: { clientId: ref('clientId'), clientSecret: ref('clientSecret') } }, secretsScope: { projectSlug: 'p', environmentSlug: 'prod', secretsPath: '/fx' } } } },
    });
    await until('the store refused', () => condition(get('secretstore/infisical', '-n', 'fx-es'))?.status === 'False');
    expect(condition(get('secretstore/infisical', '-n', 'fx-es'))).toMatchObject({ reason: 'InvalidProviderConfig', message: 'unable to create client' });
    expect(events('fx-es', 'infisical')).toContain('InvalidProviderConfig: cannot get Kubernetes secret "infisical-universal-auth" from namespace "fx-es": secrets "infisical-universal-auth" not found');
    cluster.kubectl(['create', 'secret', 'generic', 'infisical-universal-auth', '-n', 'fx-es', '--from-literal=clientId=i', '--from-literal=clientSecret=s']);
    await until('the store Ready', () => condition(get('secretstore/infisical', '-n', 'fx-es'))?.status === 'True');
    const es = (name: string, key: string) => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name, namespace: 'fx-es' }, spec: { secretStoreRef: { kind: 'SecretStore', name: 'infisical' }, target: { name, creationPolicy: 'Owner', deletionPolicy: 'Retain' }, data: [{ secretKey: 'TOKEN', remoteRef: { key } }] } });
    applyAsAdmin(es('fx-present', 'FX_TOKEN'));
    applyAsAdmin(es('fx-absent', 'FX_ABSENT_KEY'));
    await until('fx-present synced', () => condition(get('externalsecret/fx-present', '-n', 'fx-es'))?.reason === 'SecretSynced');
    expect(Buffer.from(get('secret/fx-present', '-n', 'fx-es').data.TOKEN, 'base64').toString()).toBe('stand-in');
    const failed = await until('fx-absent failed', () => condition(get('externalsecret/fx-absent', '-n', 'fx-es'))?.status === 'False' && condition(get('externalsecret/fx-absent', '-n', 'fx-es')));
    expect(failed).toMatchObject({ reason: 'SecretSyncedError', message: 'could not get secret data from provider' });
    expect(events('fx-es', 'fx-absent')).toContain('UpdateFailed: error processing spec.data[0] (key: FX_ABSENT_KEY), err: Secret does not exist');
    expect(exists('secret/fx-absent', '-n', 'fx-es')).toBe(false);
  });
});
