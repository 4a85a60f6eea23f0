import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applySetId,
  buildPlan,
  checkPrune,
  commandLine,
  computeApplySetId,
  formatPlan,
  parsePruned,
  runPlan,
  secretStoreNamespaces,
  universalAuthSecrets,
  type Spawner,
  type Step,
} from '../lib/delivery/apply';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects } from '../lib/delivery/manifests';
import { crdNameOf, pluralOf } from '../lib/delivery/plural';
import { isBuiltInGroup, PHASES } from '../lib/render';

const root = resolve(import.meta.dirname, '..');
const realDist = readDistDir(resolve(root, 'dist'));

const HEADER = '# Generated\n';
const fixture = new Map<string, string>([
  ['01-prerequisites/app-blog.yaml', `${HEADER}apiVersion: v1\nkind: Namespace\nmetadata:\n  name: blog\n`],
  ['01-prerequisites/cert-manager.yaml', `${HEADER}apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n`],
  [
    '02-helm-charts/cert-manager.yaml',
    `${HEADER}apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: cert-manager\n  namespace: kube-system\nspec:\n  chart: cert-manager\n  targetNamespace: cert-manager\n  valuesContent: |\n    crds:\n      enabled: true\n`,
  ],
  ['03-custom-resources/cert-manager.yaml', `${HEADER}apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\nspec:\n  acme: {}\n`],
  [
    '04-apps/app-blog.yaml',
    `${HEADER}apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: blog\n  namespace: blog\nspec: {}\n---\napiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata:\n  name: infisical\n  namespace: blog\nspec: {}\n`,
  ],
]);

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

describe('the apply plan', () => {
  it('pins the order of the commands', () => {
    expect(buildPlan({ files: fixture }).map(commandLine)).toEqual([
      'kubectl apply --server-side --field-manager=hobby-infra --force-conflicts -f -',
      'kubectl wait --for=condition=Established --timeout=60s crd/applysets.hobby-infra.dev',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-01-prerequisites --prune --dry-run=server -f dist/01-prerequisites/',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-01-prerequisites --prune -f dist/01-prerequisites/',
      'kubectl apply --server-side --field-manager=hobby-infra --force-conflicts -f -',
      'kubectl wait --for=create --timeout=5m crd/helmcharts.helm.cattle.io',
      'kubectl wait --for=condition=Established --timeout=5m crd/helmcharts.helm.cattle.io',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-02-helm-charts --prune --dry-run=server -f dist/02-helm-charts/',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-02-helm-charts --prune -f dist/02-helm-charts/',
      'kubectl -n kube-system wait --for=create --timeout=5m job/helm-install-cert-manager',
      'kubectl -n kube-system wait --for=condition=complete --timeout=15m job/helm-install-cert-manager',
      'kubectl wait --for=create --timeout=5m crd/clusterissuers.cert-manager.io crd/secretstores.external-secrets.io',
      'kubectl wait --for=condition=Established --timeout=5m crd/clusterissuers.cert-manager.io crd/secretstores.external-secrets.io',
      'kubectl -n cert-manager wait --for=condition=Available --timeout=5m deployment --all',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-03-custom-resources --prune --dry-run=server -f dist/03-custom-resources/',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-03-custom-resources --prune -f dist/03-custom-resources/',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-04-apps --prune --dry-run=server -f dist/04-apps/',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hobby-infra --force-conflicts --applyset=applysets.hobby-infra.dev/hobby-infra-04-apps --prune -f dist/04-apps/',
      'kubectl -n blog rollout status deployment/blog --timeout=5m',
    ]);
  });

  it('on the real dist/: phases in order, custom resources only after their CRDs are Established', () => {
    const steps = buildPlan({ files: realDist });
    const phaseIndex = (s: Step) => (s.phase === 'setup' ? -1 : PHASES.indexOf(s.phase));
    steps.forEach((s, i) => i && expect(phaseIndex(s)).toBeGreaterThanOrEqual(phaseIndex(steps[i - 1]!)));
    assertCrdOrder(steps);
    // Every CRD that 03/04 objects use is waited for in phase 02, after the helm-install Jobs.
    const objects = [...collectObjects(realDist).values()];
    const needed = new Set(objects.filter((o) => o.phase! >= '03' && !isBuiltInGroup(o.manifest.apiVersion)).map((o) => crdNameOf(o.manifest.kind, o.manifest.apiVersion.split('/')[0]!)));
    expect(needed.size).toBeGreaterThan(0);
    const established = steps.findIndex((s) => s.waitsForCrds?.some((c) => needed.has(c)));
    expect(steps[established]!.phase).toBe('02-helm-charts');
    expect(steps.findIndex((s) => s.title === 'helm-install Jobs complete')).toBeLessThan(established);
    expect(new Set(steps.flatMap((s) => s.waitsForCrds ?? []))).toEqual(new Set([...needed, 'helmcharts.helm.cattle.io']));
    // The Universal Auth secret comes right after the namespaces, in every namespace with a SecretStore.
    const secret = steps.find((s) => s.kind === 'secret')!;
    expect(secret.phase).toBe('01-prerequisites');
    expect(secret.stdin!.describe).toContain(secretStoreNamespaces(objects).join(', '));
    // A rollout wait for every app Deployment, after the apps are applied.
    const deployments = objects.filter((o) => o.phase === '04-apps' && o.manifest.kind === 'Deployment');
    expect(steps.filter((s) => s.kind === 'rollout')).toHaveLength(deployments.length);
  });

  it('`npm run apply -- --plan` prints the same order and no secret value', () => {
    const env = { ...process.env, INFISICAL_CLIENT_ID: 'sentinel-client-id-4711', INFISICAL_CLIENT_SECRET: 'sentinel-client-secret-4711' };
    const out = execFileSync(process.execPath, ['scripts/run.mjs', 'scripts/apply.ts', '--plan'], { cwd: root, encoding: 'utf8', env });
    expect(out).not.toContain('sentinel');
    expect(out).toContain('<redacted $INFISICAL_CLIENT_SECRET>');
    expect(out).toBe(formatPlan(buildPlan({ files: realDist })));
    const lines = out.split('\n');
    const at = (pred: (l: string) => boolean) => lines.findIndex(pred);
    const established = at((l) => l.startsWith('kubectl wait --for=condition=Established') && l.includes('cert-manager.io'));
    const jobs = at((l) => l.includes('--for=condition=complete') && l.includes('job/helm-install-'));
    const phase2 = at((l) => l.includes('--prune -f dist/02-helm-charts/'));
    expect(phase2).toBeGreaterThan(0);
    expect(jobs).toBeGreaterThan(phase2);
    expect(established).toBeGreaterThan(jobs);
    for (const phase of ['03-custom-resources', '04-apps']) {
      const first = at((l) => l.includes(`dist/${phase}/`));
      expect(first, phase).toBeGreaterThan(established);
    }
  });

  it('--dry-run: everything with --dry-run=server, no waits; drift: kubectl diff per phase', () => {
    const dry = buildPlan({ files: fixture, mode: 'dry-run' });
    expect(dry.filter((s) => s.kind === 'wait' || s.kind === 'rollout')).toEqual([]);
    expect(dry.filter((s) => s.kind === 'apply')).toEqual([]);
    for (const s of dry) expect(s.argv).toContain('--dry-run=server');
    const drift = buildPlan({ files: fixture, mode: 'drift' });
    expect(drift.filter((s) => s.kind === 'diff').map((s) => s.phase)).toEqual([...PHASES]);
    for (const s of drift) expect(s.argv.includes('--dry-run=server') || s.argv[1] === 'diff').toBe(true);
    const labelled = JSON.parse(drift.find((s) => s.kind === 'diff')!.stdin!.render({}));
    expect(labelled.items[0].metadata.labels['applyset.kubernetes.io/part-of']).toBe(applySetId('01-prerequisites'));
  });
});

describe('the prune guard', () => {
  const output = [
    'namespace/blog serverside-applied (server dry run)',
    'deployment.apps/blog serverside-applied (server dry run)',
    'service/old pruned (server dry run)',
    'networkpolicy.networking.k8s.io/default-deny pruned (server dry run)',
  ].join('\n');

  it('parses the pruned lines of kubectl apply', () => {
    expect(parsePruned(output)).toEqual([
      { resource: 'service', name: 'old' },
      { resource: 'networkpolicy.networking.k8s.io', name: 'default-deny' },
    ]);
    expect(parsePruned('helmchart.helm.cattle.io/traefik pruned')).toEqual([{ resource: 'helmchart.helm.cattle.io', name: 'traefik' }]);
  });

  it('lets a few ordinary objects go', () => {
    expect(checkPrune(parsePruned(output))).toMatchObject({ ok: true, reasons: [] });
    expect(checkPrune([])).toMatchObject({ ok: true });
  });

  it.each([
    ['namespace/blog pruned (server dry run)', 'namespace/blog'],
    ['persistentvolumeclaim/data pruned (server dry run)', 'persistentvolumeclaim/data'],
    ['helmchart.helm.cattle.io/traefik pruned (server dry run)', 'helmchart.helm.cattle.io/traefik'],
    ['customresourcedefinition.apiextensions.k8s.io/x.example.io pruned', 'customresourcedefinition.apiextensions.k8s.io/x.example.io'],
  ])('refuses %s without --allow-destructive', (line, name) => {
    const verdict = checkPrune(parsePruned(`${output}\n${line}`));
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons.join()).toContain(name);
    expect(checkPrune(parsePruned(line), { allowDestructive: true }).ok).toBe(true);
  });

  it('refuses more than --max-prune objects', () => {
    const many = Array.from({ length: 11 }, (_, i) => `configmap/c${i} pruned (server dry run)`).join('\n');
    expect(checkPrune(parsePruned(many))).toMatchObject({ ok: false, reasons: ['would delete 11 objects, more than --max-prune 10'] });
    expect(checkPrune(parsePruned(many), { maxPrune: 11 }).ok).toBe(true);
    expect(checkPrune(parsePruned(many), { maxPrune: 3, allowDestructive: true }).ok).toBe(true);
  });
});

describe('running the plan (fake kubectl)', () => {
  const env = { INFISICAL_CLIENT_ID: 'id-4711', INFISICAL_CLIENT_SECRET: 'secret-4711' };

  function fake(prunedIn: Record<string, string> = {}, exit: (argv: readonly string[]) => number = () => 0) {
    const calls: { argv: readonly string[]; input?: string; env: NodeJS.ProcessEnv }[] = [];
    const spawn: Spawner = (argv, o) => {
      calls.push({ argv, input: o.input, env: o.env });
      const dir = argv.find((a) => a.startsWith('dist/'));
      return { status: exit(argv), stdout: o.capture && dir ? (prunedIn[dir] ?? '') : '' };
    };
    return { calls, spawn };
  }

  it('runs every step, pipes the secret on stdin only, and sets KUBECTL_APPLYSET', () => {
    const { calls, spawn } = fake();
    const logs: string[] = [];
    const steps = buildPlan({ files: fixture });
    const result = runPlan(steps, { mode: 'apply', env, spawn, log: (l) => logs.push(l) });
    expect(result.code).toBe(0);
    expect(calls).toHaveLength(steps.length);
    const secretCall = calls.find((c) => c.input?.includes('secret-4711'))!;
    expect(JSON.parse(secretCall.input!).items.map((s: { metadata: { namespace: string } }) => s.metadata.namespace)).toEqual(['blog']);
    expect(secretCall.argv.join(' ')).not.toContain('4711');
    expect(logs.join('\n')).not.toContain('4711');
    for (const c of calls.filter((x) => x.argv.some((a) => a.startsWith('--applyset=')))) expect(c.env.KUBECTL_APPLYSET).toBe('true');
  });

  it('stops before the apply of a phase whose prune the guard refuses', () => {
    const { calls, spawn } = fake({ 'dist/04-apps/': 'persistentvolumeclaim/data pruned (server dry run)\n' });
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {} });
    expect(result.code).toBe(3);
    expect(result.message).toContain('persistentvolumeclaim/data');
    const applies04 = calls.filter((c) => c.argv.includes('dist/04-apps/'));
    expect(applies04).toHaveLength(1);
    expect(applies04[0]!.argv).toContain('--dry-run=server');

    const allowed = fake({ 'dist/04-apps/': 'persistentvolumeclaim/data pruned (server dry run)\n' });
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: allowed.spawn, log: () => {}, allowDestructive: true }).code).toBe(0);
  });

  it('touches nothing when the Infisical variables are missing, and stops at the first failing command', () => {
    const { calls, spawn } = fake();
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env: {}, spawn, log: () => {} });
    expect(result).toMatchObject({ code: 2, ran: [] });
    expect(result.message).toContain('INFISICAL_CLIENT_ID and INFISICAL_CLIENT_SECRET');
    expect(calls).toEqual([]);
    expect(() => universalAuthSecrets(['a'], { INFISICAL_CLIENT_ID: 'x' })).toThrow(/INFISICAL_CLIENT_SECRET/);

    const failing = fake({}, (argv) => (argv.includes('rollout') ? 1 : 0));
    expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: failing.spawn, log: () => {} }).code).toBe(2);
  });

  it('drift mode: exit 1 when kubectl diff differs or the ApplySet has objects no longer in dist/', () => {
    const steps = buildPlan({ files: fixture, mode: 'drift' });
    expect(runPlan(steps, { mode: 'drift', env: {}, spawn: fake().spawn, log: () => {} }).code).toBe(0);
    expect(runPlan(steps, { mode: 'drift', env: {}, spawn: fake({}, (a) => (a[1] === 'diff' && a.length > 0 ? 1 : 0)).spawn, log: () => {} }).code).toBe(1);
    expect(runPlan(steps, { mode: 'drift', env: {}, spawn: fake({ 'dist/03-custom-resources/': 'clusterissuer.cert-manager.io/old pruned (server dry run)' }).spawn, log: () => {} }).code).toBe(1);
    expect(runPlan(steps, { mode: 'drift', env: {}, spawn: fake({}, (a) => (a[1] === 'diff' ? 2 : 0)).spawn, log: () => {} }).code).toBe(2);
  });

  it('the CLI refuses conflicting modes', () => {
    const r = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/apply.ts', '--plan', '--drift'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('exclude each other');
  });
});
