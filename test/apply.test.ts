import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySetId, computeApplySetId } from '../lib/delivery/applyset';
import { checkPrune } from '../lib/delivery/guard';
import { asApplied, differingFields, sameQuantity, whySend } from '../lib/delivery/live-diff';
import { buildPlan, commandLine, formatPlan, type Step } from '../lib/delivery/plan';
import { diffFileName, parseDiffObjects, runPlan, type Spawner } from '../lib/delivery/run';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects, objectKey } from '../lib/delivery/manifests';
import { crdNameOf, pluralOf } from '../lib/delivery/plural';
import { identitiesFor, infisicalStores, universalAuthSecrets } from '../lib/delivery/secret-zero';
import { isBuiltInGroup, phaseOf, PHASES } from '../lib/render';
import { applied, env, fake, fixture, isPhaseApply, writesToObjects } from './fixtures/fake-kubectl';
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
    expect(buildPlan({ files: fixture }).map(commandLine)).toEqual([
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
      // One read of everything awaited per poll: the install Jobs, then the CRDs (each must exist and be Established).
      'kubectl -n kube-system get job/helm-install-cert-manager --ignore-not-found -o json',
      'kubectl get crd/clusterissuers.cert-manager.io crd/clusters.postgresql.cnpg.io crd/secretstores.external-secrets.io --ignore-not-found -o json',
      // cert-manager serves cert-manager.io with its webhook (its HelmChart says so); nothing in the fixture serves external-secrets.io.
      'kubectl -n cert-manager wait --for=condition=Available --timeout=5m deployment/cert-manager-webhook',
      APPLY,
      PRUNE,
      APPLY,
      PRUNE,
      // The app's one-off Jobs, and first the database they may need; only then what rolls out.
      'kubectl -n blog wait --for=condition=Ready --timeout=15m cluster.postgresql.cnpg.io/blog-db',
      'kubectl -n blog get job/blog-migrate-0a1b2c3d -o json',
      APPLY,
      PRUNE,
      ROLLOUTS,
    ]);
    const steps = buildPlan({ files: fixture });
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
    const phaseIndex = (s: Step) => (s.phase === "setup" ? -2 : s.phase === "check" ? -1 : PHASES.indexOf(s.phase));
    steps.forEach((s, i) => i && expect(phaseIndex(s)).toBeGreaterThanOrEqual(phaseIndex(steps[i - 1]!)));
    assertCrdOrder(steps);
    // Every CRD that 03/04 objects use is waited for in phase 02, after the helm-install Jobs.
    const objects = [...collectObjects(renderedDist).values()];
    const needed = new Set(objects.filter((o) => o.phase! >= '03' && !isBuiltInGroup(o.manifest.apiVersion)).map((o) => crdNameOf(o.manifest.kind, o.manifest.apiVersion.split('/')[0]!)));
    expect(needed.size).toBeGreaterThan(0);
    const established = steps.findIndex((s) => s.waitsForCrds?.some((c) => needed.has(c)));
    expect(steps[established]!.phase).toBe('02-helm-charts');
    expect(steps.findIndex((s) => s.title === 'helm-install Jobs complete')).toBeLessThan(established);
    expect(new Set(steps.flatMap((s) => s.waitsForCrds ?? []))).toEqual(new Set([...needed, 'helmcharts.helm.cattle.io']));
    // The Universal Auth secret comes right after the namespaces, in every namespace with a SecretStore.
    const secret = steps.find((s) => s.kind === 'secret')!;
    expect(secret.phase).toBe('01-prerequisites');
    expect(secret.stdin!.describe).toContain(infisicalStores(objects).map((s) => s.namespace).join(', '));
    // Webhook waits name the Deployments the charts declare; Traefik (a DaemonSet, no webhook) gets none.
    expect(steps.filter((s) => s.title.includes('webhook Available')).map((s) => s.argv.at(-1))).toEqual(['deployment/cert-manager-webhook', 'deployment/external-secrets-webhook']);
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

describe('running the plan (fake kubectl)', () => {
  it('on an empty cluster: sends every object of each phase as one List, runs every wait, pipes the secret on stdin only', () => {
    const { calls, spawn } = fake();
    const logs: string[] = [];
    const steps = buildPlan({ files: fixture });
    const result = runPlan(steps, { mode: 'apply', env, spawn, log: (l) => logs.push(l) });
    expect(result.code).toBe(0);
    for (const phase of PHASES) {
      const sent = calls.filter((c) => isPhaseApply(c, phase)).flatMap((c) => JSON.parse(c.input!).items.map((i: any) => `${i.kind} ${i.metadata.name}`));
      expect(sent, phase).toEqual([...collectObjects(fixture).values()].filter((o) => o.phase === phase).map((o) => `${o.manifest.kind} ${o.manifest.metadata.name}`));
    }
    // Every wait of the plan ran, in order; nothing was pruned (nothing was there).
    const waits = steps.filter((s) => ['wait', 'jobs', 'rollout'].includes(s.kind)).map((s) => s.argv.join(' '));
    expect(calls.map((c) => c.argv.join(' ')).filter((a) => waits.includes(a))).toEqual(waits);
    expect(calls.filter((c) => c.argv[1] === 'delete')).toEqual([]);
    const secretCall = calls.find((c) => c.input?.includes('secret-4711'))!;
    expect(JSON.parse(secretCall.input!).items.map((s: { metadata: { namespace: string } }) => s.metadata.namespace)).toEqual(['blog']);
    expect(secretCall.argv.join(' ')).not.toContain('4711');
    expect(logs.join('\n')).not.toContain('4711');
  });

  it('a no-op re-apply writes nothing and waits for nothing; a change sends that object only and waits only for what it concerns', () => {
    const steps = buildPlan({ files: fixture });
    const idle = fake(applied());
    expect(runPlan(steps, { mode: 'apply', env, spawn: idle.spawn, log: () => {} }).code).toBe(0);
    expect(writesToObjects(idle.calls)).toEqual([]);
    expect(idle.calls.filter((c) => c.argv.includes('wait') && c.argv.some((a) => a.startsWith('job/') || a.startsWith('deployment/')))).toEqual([]);
    expect(idle.calls.filter((c) => c.argv[2] === 'deployments.apps,statefulsets.apps,daemonsets.apps')).toEqual([]);

    // The app's Deployment as an older dist/ had it: only it is sent, then its rollout read; no chart waits.
    const live = applied();
    const deployment = live['05-rollouts'].find((m) => m.kind === 'Deployment')!;
    deployment.metadata.annotations['hobby-infra.dev/applied-digest'] = 'an-older-render';
    const edited = fake(live);
    const logs: string[] = [];
    expect(runPlan(steps, { mode: 'apply', env, spawn: edited.spawn, log: (l) => logs.push(l) }).code).toBe(0);
    expect(writesToObjects(edited.calls).map((c) => JSON.parse(c.input!).items.map((i: any) => `${i.kind} ${i.metadata.name}`))).toEqual([[`Deployment ${deployment.metadata.name}`]]);
    expect(logs.join('\n')).toContain(`Deployment blog/${deployment.metadata.name}: changed in dist/`);
    expect(edited.calls.filter((c) => c.argv.some((a) => a.startsWith('job/helm-install-')))).toEqual([]);
    expect(edited.calls.filter((c) => c.argv[2] === 'deployments.apps,statefulsets.apps,daemonsets.apps')).toHaveLength(1);
  });

  it('judges the whole run before anything is written: the guard refuses, nothing is applied', () => {
    const live = applied();
    live['04-apps'].push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'blog' } });
    const { calls, spawn } = fake(live);
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {} });
    expect(result.code).toBe(3);
    expect(result.message).toContain('persistentvolumeclaim/data');
    expect(writesToObjects(calls)).toEqual([]);
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: fake(live).spawn, log: () => {}, allowDestructive: true }).code).toBe(0);

    // The limit counts every phase together: one object from each of two phases, limit 1.
    const two = applied();
    two['01-prerequisites'].push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'blog' } });
    two['04-apps'].push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'blog' } });
    const counted = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: fake(two).spawn, log: () => {}, maxPrune: 1 });
    expect(counted).toMatchObject({ code: 3 });
    expect(counted.message).toContain('would delete 2 objects, more than --max-prune 1');
  });

  it('refuses to remove a chart whose CRDs dist/ still uses, whatever the flags', () => {
    const files = new Map(fixture);
    files.delete('02-helm-charts/cert-manager.yaml');
    const { calls, spawn } = fake(applied(), undefined, files);
    const result = runPlan(buildPlan({ files }), { mode: 'apply', env, spawn, log: () => {}, allowDestructive: true });
    expect(result.code).toBe(3);
    expect(result.message).toContain('HelmChart.helm.cattle.io kube-system/cert-manager is no longer in dist/');
    expect(result.message).toContain('ClusterIssuer.cert-manager.io letsencrypt');
    expect(writesToObjects(calls)).toEqual([]);
  });

  it('moves an object to a later phase\'s ApplySet (parent first, then the label) instead of pruning it', () => {
    const live = applied();
    const deployment = live['05-rollouts'].find((m) => m.kind === 'Deployment')!;
    live['05-rollouts'] = live['05-rollouts'].filter((m) => m !== deployment);
    live['01-prerequisites'].push(deployment); // dist/ has it in 05 now
    const { calls, spawn } = fake(live);
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {} }).code).toBe(0);
    const widen = calls.findIndex((c) => c.argv.includes('--field-manager=kubectl-applyset') && c.input?.includes('hobby-infra-05-rollouts') && c.input.includes('Deployment'));
    const label = calls.findIndex((c) => c.argv[1] === 'label' && c.argv.includes(`applyset.kubernetes.io/part-of=${applySetId('05-rollouts')}`));
    const firstApply = calls.findIndex((c) => isPhaseApply(c));
    expect(widen).toBeGreaterThan(-1);
    expect(widen).toBeLessThan(label);
    expect(label).toBeLessThan(firstApply);
    expect(JSON.parse(calls[widen]!.input!).metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('Deployment.apps');
  });

  it('removes a hand-added label once, after the apply of the phase the object is rendered in now', () => {
    const live = applied();
    const deployment = live['05-rollouts'].find((m) => m.kind === 'Deployment')!;
    live['05-rollouts'] = live['05-rollouts'].filter((m) => m !== deployment);
    live['01-prerequisites'].push({ ...deployment, metadata: { ...deployment.metadata, labels: { ...deployment.metadata.labels, 'edited-by': 'hand' } } });
    const { calls, spawn } = fake(live);
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {} }).code).toBe(0);
    const removals = calls.map((c, i) => [c.argv, i] as const).filter(([argv]) => argv[1] === 'label' && argv.includes('edited-by-'));
    expect(removals).toHaveLength(1);
    const apply05 = calls.findIndex((c) => isPhaseApply(c, '05-rollouts'));
    expect(removals[0]![1]).toBeGreaterThan(apply05);
  });

  it('creates only the ApplySet parents that do not exist', () => {
    const { calls, spawn } = fake(applied());
    runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {} });
    expect(calls.filter((c) => c.argv.includes('--field-manager=kubectl-applyset'))).toEqual([]);
    const empty = fake({}, () => 0);
    const original = empty.spawn;
    const none: Spawner = (argv, o) => (argv[2] === 'applysets.hobby-infra.dev' ? { status: 0, stdout: '{"items":[]}' } : original(argv, o));
    runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: none, log: () => {} });
    const created = empty.calls.find((c) => c.argv.includes('--field-manager=kubectl-applyset'))!;
    expect(JSON.parse(created.input!).items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(PHASES.map((p) => `hobby-infra-${p}`));
  });

  it('touches nothing when the Infisical variables are missing, and stops at the first failing command', () => {
    const { calls, spawn } = fake();
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env: {}, spawn, log: () => {} });
    expect(result).toMatchObject({ code: 2, ran: [] });
    expect(result.message).toContain('INFISICAL_IDENTITIES: got nothing');
    expect(calls).toEqual([]);

    const failing = fake({}, (argv) => (argv.includes('--for=condition=Available') ? 1 : 0));
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: failing.spawn, log: () => {} }).code).toBe(2);
  });

  it('drift mode: exit 1 on a kubectl diff, an object no longer in dist/, a missing object or a hand-added label', () => {
    const steps = buildPlan({ files: fixture, mode: 'drift' });
    const drift = (live: ReturnType<typeof applied>, exit?: (argv: readonly string[]) => number) => runPlan(steps, { mode: 'drift', env: {}, spawn: fake(live, exit).spawn, log: () => {} });
    expect(drift(applied())).toMatchObject({ code: 0, message: 'no drift' });
    // Nothing differs in the inventory's read: no kubectl diff runs at all.
    const idle = fake(applied(), (a) => (a[1] === 'diff' ? 1 : 0));
    expect(runPlan(steps, { mode: 'drift', env: {}, spawn: idle.spawn, log: () => {} }).code).toBe(0);
    expect(idle.calls.filter((c) => c.argv[1] === 'diff')).toEqual([]);
    // A field changed by hand: kubectl diff runs for that object only, and decides.
    const edited = applied();
    edited['04-apps'].find((m) => m.kind === 'Cluster')!.spec = { instances: 3 };
    edited['04-apps'].find((m) => m.kind === 'Cluster')!.metadata.annotations['hobby-infra.dev/applied-digest'] = 'an-older-render';
    const seen = fake(edited, (a) => (a[1] === 'diff' ? 1 : 0));
    expect(runPlan(steps, { mode: 'drift', env: {}, spawn: seen.spawn, log: () => {} }).code).toBe(1);
    expect(seen.calls.filter((c) => c.argv[1] === 'diff').map((c) => JSON.parse(c.input!).items.map((i: any) => i.metadata.name))).toEqual([['blog-db']]);
    expect(drift(edited, (a) => (a[1] === 'diff' ? 2 : 0)).code).toBe(2);
    expect(drift(edited, (a) => (a[1] === 'diff' ? 0 : 0)).code).toBe(0);

    const extra = applied();
    extra['03-custom-resources'].push({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'old' } });
    expect(drift(extra).message).toContain('not in dist/: ClusterIssuer.cert-manager.io old');
    const missing = applied();
    missing['05-rollouts'] = missing['05-rollouts'].filter((m) => m.kind !== 'Deployment');
    expect(drift(missing).message).toContain('missing from the cluster: Deployment blog/blog');
    const labelled = applied();
    labelled['01-prerequisites'][0]!.metadata.labels = { 'edited-by': 'hand', 'kubernetes.io/metadata.name': 'blog' };
    expect(drift(labelled).message).toContain('labels added by hand: Namespace blog (edited-by)');
  });

  it('an existing cluster: what the new layout renders in 05-rollouts is relabelled into its ApplySet, never pruned', () => {
    // As an apply before phase 05 existed left it: the Deployment in 04-apps' ApplySet.
    const live = applied();
    live['04-apps'].push(...live['05-rollouts']);
    live['05-rollouts'] = [];
    const { calls, spawn } = fake(live);
    const logs: string[] = [];
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: (l) => logs.push(l) })).toMatchObject({ code: 0 });
    expect(logs).toContain('prune guard: 0 object(s) to prune in this run');
    expect(logs.join('\n')).toContain('moved to another phase: Deployment blog/blog (04-apps -> 05-rollouts)');
    const label = calls.findIndex((c) => c.argv.join(' ') === `kubectl label --overwrite -n blog deployment.apps/blog applyset.kubernetes.io/part-of=${applySetId('05-rollouts')}`);
    expect(label).toBeGreaterThan(-1);
    expect(label).toBeLessThan(calls.findIndex((c) => isPhaseApply(c)));
  });


  it('the CLI refuses conflicting modes', () => {
    const r = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/apply.ts', '--plan', '--drift'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('exclude each other');
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

describe('what the apply sends (lib/delivery/live-diff.ts)', () => {
  const manifest = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'a' }, spec: { hard: { pods: 3, 'requests.storage': '0Mi', 'limits.cpu': '1500m' } } } as any;
  const sent = asApplied(manifest, '04-apps');
  const live = (edit: (o: any) => void = () => {}) => {
    const o = structuredClone(sent) as any;
    o.spec.hard = { pods: '3', 'requests.storage': '0', 'limits.cpu': '1500m', extra: '1' };
    o.metadata.uid = 'defaulted';
    edit(o);
    return o;
  };
  it('leaves an object the cluster holds as sent, quantities in canonical form and defaults added', () => {
    expect((sent.metadata.labels as Record<string, string>)['applyset.kubernetes.io/part-of']).toBe(applySetId('04-apps'));
    expect(whySend(sent, live())).toBeUndefined();
  });
  it('sends what is new, what dist/ changed and what someone changed by hand', () => {
    expect(whySend(sent, undefined)).toBe('not in the cluster');
    expect(whySend(asApplied({ ...manifest, spec: { hard: { pods: 4 } } }, '04-apps'), live())).toBe('changed in dist/');
    expect(whySend(sent, live((o) => (o.spec.hard.pods = '5')))).toBe('changed in the cluster: spec.hard.pods');
    expect(whySend(asApplied(manifest, '05-rollouts'), live())).toBe('changed in dist/'); // moved to another phase's ApplySet
  });
  it('compares quantities by amount', () => {
    expect([sameQuantity('1000m', '1'), sameQuantity('1Gi', '1024Mi'), sameQuantity('0Mi', '0'), sameQuantity('0.5', '500m')]).toEqual([true, true, true, true]);
    expect([sameQuantity('1Gi', '1G'), sameQuantity('1', '2'), sameQuantity('x', 'x1')]).toEqual([false, false, false]);
    expect(differingFields({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y', c: 1 }] })).toEqual(['a[1].b']);
  });
});

describe('a CRD that leaves dist/', () => {
  it('is refused before anything is written, whatever the flags, naming the admin step', () => {
    const live = applied();
    live['01-prerequisites'].push({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'middlewares.traefik.io' } });
    const { calls, spawn } = fake(live);
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {}, allowDestructive: true });
    expect(result.code).toBe(3);
    expect(result.message).toContain('kubectl delete crd/middlewares.traefik.io');
    expect(writesToObjects(calls)).toEqual([]);
  });
});
