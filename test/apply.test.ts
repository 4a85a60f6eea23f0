import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySetId, computeApplySetId } from '../lib/delivery/applyset';
import { checkPrune } from '../lib/delivery/guard';
import { buildPlan, commandLine, formatPlan, type Step } from '../lib/delivery/plan';
import { diffFileName, parseDiffObjects } from '../lib/delivery/run';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects, objectKey } from '../lib/delivery/manifests';
import { crdNameOf, pluralOf } from '../lib/delivery/plural';
import { identitiesFor, infisicalStores, universalAuthSecrets } from '../lib/delivery/secret-zero';
import { isBuiltInGroup, phaseOf, PHASES, type Phase } from '../lib/render';
import { fixture } from './fixtures/fake-kubectl';
import { render } from './helpers';

const root = resolve(import.meta.dirname, '..');
// A whole dist/ of the tests' own (the fixture cluster and apps), written out as synth writes it, so
// the plan is checked on a real render without following the user's apps/ or the committed dist/.
const scratch = mkdtempSync(join(tmpdir(), 'hobby-apply-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const renderedDistDir = join(scratch, 'dist');
for (const [file, text] of render().files) {
  mkdirSync(dirname(join(renderedDistDir, file)), { recursive: true });
  writeFileSync(join(renderedDistDir, file), text);
}
const renderedDist = readDistDir(renderedDistDir);

/** Asserts the central ordering rule on any plan: custom resources only after their CRD is Established. */
function assertCrdOrder(steps: Step[]) {
  const established = new Map<string, number>();
  steps.forEach((s, i) => s.waitsForCrds?.forEach((c) => established.has(c) || established.set(c, i)));
  for (const [i, s] of steps.entries()) {
    for (const ck of s.customKinds) {
      const [kind, ...group] = ck.split('.');
      const crd = crdNameOf(kind!, group.join('.'));
      expect(established.get(crd), `${crd} must be Established before step ${i}: ${commandLine(s)}`).toBeDefined();
      expect(established.get(crd)!).toBeLessThan(i);
    }
  }
}

describe('plural and CRD names', () => {
  it.each([
    ['ClusterIssuer', 'cert-manager.io', 'clusterissuers.cert-manager.io'],
    ['SecretStore', 'external-secrets.io', 'secretstores.external-secrets.io'],
    ['ExternalSecret', 'external-secrets.io', 'externalsecrets.external-secrets.io'],
    ['HelmChart', 'helm.cattle.io', 'helmcharts.helm.cattle.io'],
    ['Middleware', 'traefik.io', 'middlewares.traefik.io'],
    ['NetworkPolicy', 'example.io', 'networkpolicies.example.io'],
    ['IngressClass', 'example.io', 'ingressclasses.example.io'],
    ['Gateway', 'gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io'],
    ['Probe', 'monitoring.coreos.com', 'probes.monitoring.coreos.com'],
  ])('%s.%s -> %s', (kind, group, crd) => expect(crdNameOf(kind, group)).toBe(crd));

  it('uses the rules for unknown kinds', () => {
    expect(pluralOf('Box')).toBe('boxes');
    expect(pluralOf('Policy')).toBe('policies');
    expect(pluralOf('Relay')).toBe('relays');
  });
});

describe('ApplySet ids', () => {
  it('match kubectl (its own test vector: Secret my-set in namespace test)', () => {
    expect(computeApplySetId('my-set', 'test', 'Secret', '')).toBe('applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1');
  });
  it('differ per phase', () => {
    expect(new Set(PHASES.map(applySetId)).size).toBe(PHASES.length);
  });
});

describe('apply phases (render.ts phaseOf)', () => {
  it.each([
    // Of an app without one-off Jobs, what rolls out stays in 04: nothing to wait for.
    ['apps/v1', 'Deployment', 'app', '04-apps'],
    ['batch/v1', 'CronJob', 'app', '04-apps'],
    // The one-off Jobs run before the rollout: phase 04, with everything the new version needs.
    ['batch/v1', 'Job', 'app', '04-apps'],
    ['apps/v1', 'StatefulSet', 'app', '04-apps'],
    ['v1', 'Service', 'app', '04-apps'],
    ['postgresql.cnpg.io/v1', 'Cluster', 'app', '04-apps'],
    ['v1', 'Namespace', 'app', '01-prerequisites'],
    // A platform chart's Deployment is a plain object of phase 01, as before.
    ['apps/v1', 'Deployment', 'platform', '01-prerequisites'],
    ['example.dev/v1', 'Deployment', 'app', '04-apps'],
  ] as const)('%s %s of an %s chart -> %s', (apiVersion, kind, role, phase) => expect(phaseOf({ apiVersion, kind }, role)).toBe(phase));
  it.each([
    ['apps/v1', 'Deployment'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler'],
    ['policy/v1', 'PodDisruptionBudget'],
    ['batch/v1', 'CronJob'],
  ] as const)('%s %s of an app with one-off Jobs (labelled after-jobs) -> 05-rollouts', (apiVersion, kind) => {
    const metadata = { name: 'x', labels: { 'hobby-infra.dev/after-jobs': 'true' } };
    expect(phaseOf({ apiVersion, kind, metadata }, 'app')).toBe('05-rollouts');
    // The label does not move what does not roll out, nor a platform chart's objects.
    expect(phaseOf({ apiVersion: 'v1', kind: 'Service', metadata }, 'app')).toBe('04-apps');
    expect(phaseOf({ apiVersion, kind, metadata }, 'platform')).not.toBe('05-rollouts');
  });
});

describe('the apply plan', () => {
  // Each phase: what differs from the cluster, as one List on stdin; then its ApplySet's pruned members.
  const APPLY = 'kubectl apply --server-side --field-manager=hobby-infra --force-conflicts -f -';
  const PRUNE = 'kubectl delete --ignore-not-found --wait=false -f -';
  const ROLLOUTS = `kubectl get deployments.apps,statefulsets.apps,daemonsets.apps --all-namespaces -l 'applyset.kubernetes.io/part-of in (${applySetId('04-apps')},${applySetId('05-rollouts')})' -o json`;

  it('pins the order of the commands', () => {
    const steps = buildPlan({ files: fixture });
    expect(steps.map(commandLine)).toEqual([
      // The admission policy that guards the deploy identity, before anything is written.
      'kubectl get validatingadmissionpolicy/hobby-infra-deploy validatingadmissionpolicybinding/hobby-infra-deploy -o json',
      'kubectl apply --server-side --field-manager=hobby-infra --force-conflicts -f -',
      'kubectl wait --for=condition=Established --timeout=60s crd/applysets.hobby-infra.dev',
      'kubectl get applysets.hobby-infra.dev -o json',
      'kubectl apply --server-side --field-manager=kubectl-applyset -f -',
      APPLY,
      PRUNE,
      'kubectl apply --server-side --field-manager=hobby-infra --force-conflicts -f -',
      'kubectl get crd/helmcharts.helm.cattle.io --ignore-not-found -o json',
      APPLY,
      PRUNE,
      // One read of everything awaited per poll: the install Jobs (with their pods: helm failing stops the run), then the CRDs (each must exist and be Established).
      'kubectl -n kube-system get job/helm-install-cert-manager --ignore-not-found -o json',
      'kubectl get crd/clusterissuers.cert-manager.io crd/clusters.postgresql.cnpg.io crd/secretstores.external-secrets.io --ignore-not-found -o json',
      // cert-manager serves cert-manager.io with its webhook (its HelmChart says so); nothing in the fixture serves external-secrets.io.
      'kubectl -n cert-manager wait --for=condition=Available --timeout=5m deployment/cert-manager-webhook',
      // The workloads the chart declares (its webhook Deployment) rolled out.
      'kubectl -n cert-manager get deployment/cert-manager-webhook --ignore-not-found -o json',
      APPLY,
      PRUNE,
      // The issuer is not a kind whose health an operator reports on its status here: no health step in 03.
      APPLY,
      PRUNE,
      // What phase 04 sent: its SecretStore and database Ready, before the Jobs that may need them.
      `kubectl get secretstores.external-secrets.io,clusters.postgresql.cnpg.io --all-namespaces -l applyset.kubernetes.io/part-of=${applySetId('04-apps')} -o json`,
      // The app's one-off Jobs, and first the database they may need; only then what rolls out.
      'kubectl -n blog wait --for=condition=Ready --timeout=15m cluster.postgresql.cnpg.io/blog-db',
      'kubectl -n blog get job/blog-migrate-0a1b2c3d -o json',
      APPLY,
      PRUNE,
      ROLLOUTS,
      // At the end, everything applied, changed or not, judged once.
      'kubectl -n cert-manager get deployment/cert-manager-webhook --ignore-not-found -o json',
      `kubectl get secretstores.external-secrets.io,clusters.postgresql.cnpg.io --all-namespaces -l 'applyset.kubernetes.io/part-of in (${['01-prerequisites', '02-helm-charts', '03-custom-resources', '04-apps', '05-rollouts'].map((p) => applySetId(p as Phase)).join(',')})' -o json`,
    ]);
    expect(steps.find((s) => s.kind === 'helm')!.reads).toEqual([['kubectl', '-n', 'kube-system', 'get', 'pods', '-l', 'helmcharts.helm.cattle.io/chart in (cert-manager)', '-o', 'json']]);
    expect(steps.filter((s) => ['jobs', 'rollout'].includes(s.kind)).map((s) => [s.phase, s.kind])).toEqual([
      ['04-apps', 'jobs'],
      ['05-rollouts', 'rollout'],
    ]);
    expect(formatPlan(steps)).toContain('# Jobs of blog Complete before anything rolls out (read every 2 s; the first Failed one stops the run; timeout 15m)\nkubectl -n blog get job/blog-migrate-0a1b2c3d -o json\n');
  });

  it('waits for database Clusters only where phase 04 has Jobs, and reads each namespace\'s Jobs with one command', () => {
    const doc = (kind: string, apiVersion: string, name: string, ns: string) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;
    const files = new Map([
      ['04-apps/app-a.yaml', [doc('Cluster', 'postgresql.cnpg.io/v1', 'a-db', 'a'), doc('Job', 'batch/v1', 'a-migrate-1', 'a'), doc('Job', 'batch/v1', 'a-seed-2', 'a')].join('---\n')],
      ['04-apps/app-b.yaml', doc('Cluster', 'postgresql.cnpg.io/v1', 'b-db', 'b')], // no Job: a Deployment just retries until its database answers
      ['04-apps/app-c.yaml', [doc('Job', 'batch/v1', 'c-install-3', 'c'), doc('StatefulSet', 'apps/v1', 'c-cache', 'c')].join('---\n')],
      ['05-rollouts/app-c.yaml', [doc('Deployment', 'apps/v1', 'c', 'c'), doc('CronJob', 'batch/v1', 'c-nightly', 'c')].join('---\n')],
    ]);
    const after04 = buildPlan({ files }).filter((s) => ['04-apps', '05-rollouts'].includes(s.phase) && !s.argv.some((a) => a.startsWith('crd/')));
    expect(after04.map(commandLine)).toEqual([
      APPLY,
      PRUNE,
      `kubectl get clusters.postgresql.cnpg.io --all-namespaces -l applyset.kubernetes.io/part-of=${applySetId('04-apps')} -o json`,
      'kubectl -n a wait --for=condition=Ready --timeout=15m cluster.postgresql.cnpg.io/a-db',
      'kubectl -n a get job/a-migrate-1 job/a-seed-2 -o json',
      'kubectl -n c get job/c-install-3 -o json',
      APPLY,
      PRUNE,
      // Rollouts once everything is applied (the StatefulSet that stays in 04 too): one read per poll.
      ROLLOUTS,
    ]);
    expect(buildPlan({ files }).find((s) => s.kind === 'rollout')!.objects!.map((o) => o.key)).toEqual([objectKey({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'c-cache', namespace: 'c' } }), objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'c', namespace: 'c' } })]);
    // --skip-rollouts (k3d, no app images): no Job would ever finish either.
    expect(buildPlan({ files, rollouts: false }).filter((s) => s.kind === 'jobs' || s.kind === 'rollout' || s.argv.includes('--for=condition=Ready'))).toEqual([]);
  });

  it('on a whole rendered dist/: phases in order, custom resources only after their CRDs are Established', () => {
    const steps = buildPlan({ files: renderedDist });
    const phaseIndex = (s: Step) => (s.phase === "setup" ? -2 : s.phase === "check" ? -1 : s.phase === 'end' ? PHASES.length : PHASES.indexOf(s.phase));
    steps.forEach((s, i) => i && expect(phaseIndex(s)).toBeGreaterThanOrEqual(phaseIndex(steps[i - 1]!)));
    assertCrdOrder(steps);
    // Every CRD that 03/04 objects use is waited for in phase 02, after the helm-install Jobs.
    const objects = [...collectObjects(renderedDist).values()];
    const needed = new Set(objects.filter((o) => o.phase! >= '03' && !isBuiltInGroup(o.manifest.apiVersion)).map((o) => crdNameOf(o.manifest.kind, o.manifest.apiVersion.split('/')[0]!)));
    expect(needed.size).toBeGreaterThan(0);
    const established = steps.findIndex((s) => s.waitsForCrds?.some((c) => needed.has(c)));
    expect(steps[established]!.phase).toBe('02-helm-charts');
    expect(steps.findIndex((s) => s.kind === 'helm')).toBeGreaterThanOrEqual(0);
    expect(steps.findIndex((s) => s.kind === 'helm')).toBeLessThan(established);
    expect(new Set(steps.flatMap((s) => s.waitsForCrds ?? []))).toEqual(new Set([...needed, 'helmcharts.helm.cattle.io']));
    // The Universal Auth secret comes right after the namespaces, in every namespace with a SecretStore.
    const secret = steps.find((s) => s.kind === 'secret')!;
    expect(secret.phase).toBe('01-prerequisites');
    expect(secret.stdin!.describe).toContain(infisicalStores(objects).map((s) => s.namespace).join(', '));
    // Webhook waits name the Deployments the charts declare (CloudNativePG's operator serves its own);
    // Traefik (a DaemonSet, no webhook) gets none.
    expect(steps.filter((s) => s.title.includes('webhook Available')).map((s) => s.argv.at(-1))).toEqual([
      'deployment/cert-manager-webhook',
      'deployment/cloudnative-pg',
      'deployment/external-secrets-webhook',
    ]);
    // One rollout step for every app workload, after the apps are applied (the runner keeps those it sent).
    const workloads = objects.filter((o) => (o.phase === '04-apps' || o.phase === '05-rollouts') && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.manifest.kind));
    const rollouts = steps.filter((s) => s.kind === 'rollout');
    expect(rollouts.map((s) => s.phase)).toEqual(['05-rollouts']);
    expect(rollouts[0]!.objects!.map((o) => o.key).sort()).toEqual(workloads.map((o) => o.key).sort());
    // Every Job of phase 04 is polled, after phase 04's apply and before phase 05's.
    const jobs = objects.filter((o) => o.phase === '04-apps' && o.manifest.kind === 'Job').map((o) => `job/${o.manifest.metadata.name}`);
    expect(steps.filter((s) => s.kind === 'jobs').flatMap((s) => s.argv.filter((a) => a.startsWith('job/'))).sort()).toEqual(jobs.sort());
  });

  it('`npm run apply -- --plan` prints the same order and no secret value', () => {
    const env = { ...process.env, INFISICAL_IDENTITIES: JSON.stringify({ 'fx-shop': { clientId: 'sentinel-client-id-4711', clientSecret: 'sentinel-client-secret-4711' } }) };
    const out = execFileSync(process.execPath, ['scripts/run.mjs', 'scripts/apply.ts', '--plan', '--dist', renderedDistDir], { cwd: root, encoding: 'utf8', env });
    expect(out).not.toContain('sentinel');
    expect(out).toContain('<redacted $INFISICAL_IDENTITIES>');
    expect(out).toBe(formatPlan(buildPlan({ files: renderedDist, distDir: renderedDistDir })));
    const lines = out.replaceAll(renderedDistDir, 'dist').split('\n');
    const at = (pred: (l: string) => boolean) => lines.findIndex(pred);
    const established = at((l) => l.startsWith('kubectl get crd/') && l.includes('cert-manager.io'));
    const jobs = at((l) => l.includes(' get job/helm-install-'));
    const phase2 = at((l) => l === '# apply what the cluster does not hold as dist/02-helm-charts/ has it');
    expect(phase2).toBeGreaterThan(0);
    expect(jobs).toBeGreaterThan(phase2);
    expect(established).toBeGreaterThan(jobs);
    for (const phase of ['03-custom-resources', '04-apps']) {
      const first = at((l) => l.includes(`dist/${phase}/`) && l.startsWith('# apply'));
      expect(first, phase).toBeGreaterThan(established);
    }
  });

  it('--dry-run: every write with --dry-run=server, no waits; drift: kubectl diff per phase, no writes', () => {
    const dry = buildPlan({ files: fixture, mode: 'dry-run' });
    expect(dry.filter((s) => ['wait', 'jobs', 'rollout'].includes(s.kind))).toEqual([]);
    expect(dry.filter((s) => s.kind === 'apply').map((s) => s.phase)).toEqual([...PHASES]);
    for (const s of dry) expect(s.argv.includes('--dry-run=server') || s.argv[1] === 'get').toBe(true);
    const drift = buildPlan({ files: fixture, mode: 'drift' });
    expect(drift.filter((s) => s.kind === 'diff').map((s) => s.phase)).toEqual([...PHASES]);
    expect(drift.filter((s) => !['diff', 'inventory', 'policy'].includes(s.kind))).toEqual([]);
    const labelled = JSON.parse(drift.find((s) => s.kind === 'diff')!.stdin!.render({}));
    expect(labelled.items[0].metadata.labels['applyset.kubernetes.io/part-of']).toBe(applySetId('01-prerequisites'));
  });
});

describe('the prune guard', () => {
  const ordinary = [
    { resource: 'service', name: 'old' },
    { resource: 'networkpolicy.networking.k8s.io', name: 'default-deny' },
  ];

  it('lets a few ordinary objects go', () => {
    expect(checkPrune(ordinary)).toMatchObject({ ok: true, reasons: [] });
    expect(checkPrune([])).toMatchObject({ ok: true });
  });

  it.each(['namespace', 'persistentvolumeclaim', 'persistentvolume', 'helmchart.helm.cattle.io', 'customresourcedefinition.apiextensions.k8s.io', 'cluster.postgresql.cnpg.io'])(
    'refuses a %s without --allow-destructive',
    (resource) => {
      const verdict = checkPrune([...ordinary, { resource, name: 'x' }]);
      expect(verdict.ok).toBe(false);
      expect(verdict.reasons.join()).toContain(`${resource}/x`);
      expect(checkPrune([{ resource, name: 'x' }], { allowDestructive: true }).ok).toBe(true);
    },
  );

  it('refuses more than --max-prune objects', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ resource: 'configmap', name: `c${i}` }));
    expect(checkPrune(many)).toMatchObject({ ok: false, reasons: ['would delete 11 objects, more than --max-prune 10'] });
    expect(checkPrune(many, { maxPrune: 11 }).ok).toBe(true);
    expect(checkPrune(many, { maxPrune: 3, allowDestructive: true }).ok).toBe(true);
  });
});

describe('kubectl diff output', () => {
  it('names the objects it reports as people read them', () => {
    const objects = collectObjects(fixture).values();
    const out = [
      'diff -u -N /tmp/LIVE-1/apps.v1.Deployment.blog.blog /tmp/MERGED-2/apps.v1.Deployment.blog.blog',
      '--- /tmp/LIVE-1/apps.v1.Deployment.blog.blog',
      '+    image: x',
      'diff -u -N /tmp/LIVE-1/cert-manager.io.v1.ClusterIssuer..letsencrypt /tmp/MERGED-2/cert-manager.io.v1.ClusterIssuer..letsencrypt',
      'diff -u -N /tmp/LIVE-1/v1.Service.blog.unknown /tmp/MERGED-2/v1.Service.blog.unknown',
    ].join('\n');
    expect(parseDiffObjects(out, objects)).toEqual(['Deployment blog/blog', 'ClusterIssuer.cert-manager.io letsencrypt', 'v1.Service.blog.unknown']);
    expect(diffFileName({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'blog' } })).toBe('v1.Namespace..blog');
  });
});

describe('secret zero: one Infisical identity per namespace', () => {
  const stores = [
    { namespace: 'blog', secretsPaths: ['/apps/blog'] },
    { namespace: 'shop', secretsPaths: ['/apps/shop', '/backups/shop'] },
  ];
  const env = (value: unknown) => ({ INFISICAL_IDENTITIES: typeof value === 'string' ? value : JSON.stringify(value) });
  const blog = { clientId: 'blog-id', clientSecret: 'blog-secret-value' };
  const shop = { clientId: 'shop-id', clientSecret: 'shop-secret-value' };

  it('writes each namespace\'s Secret from its own entry', () => {
    const list = JSON.parse(universalAuthSecrets(stores, env({ blog, shop, extra: blog }), 'hobby-infra'));
    expect(list.items.map((s: any) => [s.metadata.namespace, s.stringData.clientId, s.stringData.clientSecret])).toEqual([
      ['blog', 'blog-id', 'blog-secret-value'],
      ['shop', 'shop-id', 'shop-secret-value'],
    ]);
  });

  it.each([
    ['missing', undefined, 'INFISICAL_IDENTITIES: got nothing'],
    ['not JSON', '{oops', 'got text that is not JSON'],
    ['an array', [blog], 'got an array, expected a JSON object keyed by namespace'],
    ['a namespace left out', { blog }, 'shop: got no entry, expected the identity that reads /apps/shop and /backups/shop'],
    ['a wrong shape', { blog, shop: { id: 'x' } }, 'shop: got keys id, expected {"clientId": "…", "clientSecret": "…"}'],
    ['one identity shared', { blog, shop: blog }, 'blog, shop: got one identity for 2 namespaces, expected one of its own for each'],
  ])('refuses %s, naming namespaces and folders but never a value', (_what, value, message) => {
    const e = value === undefined ? {} : env(value);
    expect(() => identitiesFor(stores, e)).toThrow(message);
    try {
      identitiesFor(stores, e);
    } catch (err) {
      expect(String(err)).not.toMatch(/secret-value/);
    }
  });

  it('every SecretStore of a render reads the Secret of its own namespace (a namespaced store cannot name another)', () => {
    const stores = [...collectObjects(renderedDist).values()].filter((o) => o.manifest.kind === 'SecretStore');
    expect(stores.length).toBeGreaterThan(2);
    for (const { manifest } of stores) {
      const refs = (manifest.spec as any).provider.infisical.auth.universalAuthCredentials;
      for (const ref of Object.values(refs) as { name: string; namespace?: string }[]) {
        expect(ref.namespace, `${manifest.metadata.namespace}`).toBeUndefined();
        expect(ref.name).toBe('infisical-universal-auth');
      }
    }
    // No folder is read from two namespaces, so one namespace's identity is useless for another's stores.
    const paths = infisicalStores(collectObjects(renderedDist).values()).flatMap((s) => s.secretsPaths);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
