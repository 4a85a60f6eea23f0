import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySetId } from '../lib/delivery/applyset';
import { asApplied, differingFields, whySend } from '../lib/delivery/live-diff';
import { sameQuantity } from '../lib/quantity';
import { buildPlan } from '../lib/delivery/plan';
import { runPlan, type Spawner } from '../lib/delivery/run';
import { collectObjects } from '../lib/delivery/manifests';
import { PHASES } from '../lib/render';
import { applied, env, fake, fixture, isPhaseApply, writesToObjects } from './fixtures/fake-kubectl';

/*
 * Running the apply plan against a fake kubectl (test/fixtures/fake-kubectl.ts): what is sent,
 * what is pruned and waited for, the guard's refusals, ApplySet moves, drift; and what the apply
 * judges to differ (lib/delivery/live-diff.ts). The plan itself: test/apply.test.ts; against the
 * real API server: test/cluster/apply.test.ts.
 */

const root = resolve(import.meta.dirname, '..');

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

  it('waits for a pruned Namespace to be gone, as long as --timeout namespace= says', () => {
    const live = applied();
    live['01-prerequisites'].push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old-app' } });
    const wait = (timeouts?: { namespace: string }) => {
      const { calls, spawn } = fake(live);
      expect(runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {}, allowDestructive: true, ...(timeouts ? { timeouts } : {}) }).code).toBe(0);
      return calls.map((c) => c.argv.join(' ')).filter((a) => a.includes('--for=delete'));
    };
    expect(wait()).toEqual(['kubectl wait --for=delete --timeout=5m namespace/old-app']);
    expect(wait({ namespace: '12m' })).toEqual(['kubectl wait --for=delete --timeout=12m namespace/old-app']);
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
