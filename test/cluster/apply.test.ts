import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applySetId, applySetName } from '../../lib/delivery/applyset';
import { PHASES } from '../../lib/render';
import { fixtureApps } from '../fixtures/apps';
import { render } from '../helpers';
import { applyAsDeployer, applyIdentities, copyDist, editDistFile, output, removeDir, renderDist, runApply, runKubectl, startWithDist, stopWithDist, testIdentities, type TestCluster } from './harness';

/*
 * `npm run apply` against a real API server, in the order a repository lives through it: the first
 * apply on an empty cluster, a no-op re-apply, drift, moving objects between phases, removing an
 * app, removing a chart. One control plane for the file; each test starts from what the last left.
 * The dist/ is the test's own: the platform and the fixture apps (test/fixtures/apps/: fx-notes-api,
 * fx-shop, fx-site) rendered with the fixture cluster, never the user's apps/ or committed dist/.
 */

let cluster: TestCluster;
let dist: string;
beforeAll(async () => ({ cluster, dist } = await startWithDist(renderDist(fixtureApps))));
afterAll(() => stopWithDist(cluster, dist));
const apply = (...args: string[]) => applyAsDeployer(cluster, dist, args);

interface Live {
  kind: string;
  metadata: { namespace?: string; name: string; resourceVersion: string; uid: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Every object dist/ renders and the ApplySet parents, as the cluster has them, by object. */
function versions(): Map<string, Live> {
  const list = JSON.parse(cluster.kubectl(['get', '-R', '-f', dist, '-o', 'json', '--show-managed-fields'])) as { items: Live[] };
  const parents = JSON.parse(cluster.kubectl(['get', 'applysets.hobby-infra.dev', '-o', 'json', '--show-managed-fields'])) as typeof list;
  return new Map([...list.items, ...parents.items].map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
}

const parentAnnotations = () =>
  Object.fromEntries(
    PHASES.map((p) => {
      const parent = JSON.parse(cluster.kubectl(['get', `applysets.hobby-infra.dev/${applySetName(p)}`, '-o', 'json']));
      return [p, parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds'] as string];
    }),
  );

const uid = (...target: string[]) => cluster.kubectl(['get', ...target, '-o', 'jsonpath={.metadata.uid}']);
const exists = (...target: string[]) => cluster.kubectl(['get', ...target, '--ignore-not-found', '-o', 'name']).trim() !== '';

describe('npm run apply against a real API server', () => {
  it('9. refuses to run without an explicit target, and names the API server it writes to', async () => {
    const { KUBECONFIG: _, ...noTarget } = cluster.deployEnv;
    const r = await runApply({ env: noTarget }, ['--dist', dist]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no target cluster: set KUBECONFIG');
    expect(r.stdout).not.toContain('kubectl apply');

    const byContext = await runApply({ env: noTarget }, ['--dist', dist, '--dry-run', '--context', 'test'], { KUBECONFIG: undefined, HOME: cluster.dir });
    expect(output(byContext)).toContain('cannot resolve the target API server'); // no ~/.kube/config with that context
  });

  it('2. the first apply on an empty cluster completes, creating the ApplySet parents', async () => {
    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toContain(`apply: apply against ${cluster.server}`);
    console.log(`first apply: ${(r.ms / 1000).toFixed(1)} s`);
    for (const phase of PHASES) {
      const parent = JSON.parse(cluster.kubectl(['get', `applysets.hobby-infra.dev/${applySetName(phase)}`, '-o', 'json']));
      expect(parent.metadata.labels['applyset.kubernetes.io/id']).toBe(applySetId(phase));
      // kubectl's tooling: kubectl itself applies and prunes with these parents (test 3).
      expect(parent.metadata.annotations['applyset.kubernetes.io/tooling']).toMatch(/^kubectl\//);
    }
    const kinds = parentAnnotations();
    expect(kinds['01-prerequisites']).toContain('Namespace');
    expect(kinds['02-helm-charts']).toBe('HelmChart.helm.cattle.io');
    expect(`${kinds['04-apps']},${kinds['05-rollouts']}`).toContain('Deployment.apps'); // 05 since it exists, 04 in a dist/ rendered before
    // Secret zero: each namespace's Secret holds that namespace's own identity, nobody else's.
    const identities = JSON.parse(testIdentities(dist)) as Record<string, { clientId: string }>;
    expect(Object.keys(identities).length).toBeGreaterThan(3);
    for (const [namespace, { clientId }] of Object.entries(identities)) {
      const data = cluster.kubectl(['-n', namespace, 'get', 'secret/infisical-universal-auth', '-o', 'jsonpath={.data.clientId}']);
      expect(Buffer.from(data, 'base64').toString(), namespace).toBe(clientId);
    }
    // The app workloads really rolled out: the real deployment controller saw (stand-in) ready pods.
    const site = JSON.parse(cluster.kubectl(['-n', 'fx-site', 'get', 'deployment/fx-site', '-o', 'json']));
    expect(site.status.availableReplicas).toBeGreaterThan(0);
  });

  it('3. a second apply changes nothing, keeps the parents\' group-kinds, and drift mode reports clean', async () => {
    const before = versions();
    const kinds = parentAnnotations();
    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    console.log(`no-op re-apply: ${(r.ms / 1000).toFixed(1)} s`);
    expect(parentAnnotations()).toEqual(kinds);
    const after = versions();
    expect([...after.keys()]).toEqual([...before.keys()]);
    // A ResourceQuota's status is the quota controller's recount (every resync), never the apply's.
    const quota = (o: Live) => o.kind === 'ResourceQuota';
    const content = (o: Live) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, ...(quota(o) ? { managedFields: undefined } : {}) }, ...(quota(o) ? { status: undefined } : {}) });
    const changed = [...after].filter(([k, o]) => content(o) !== content(before.get(k)!)).map(([k]) => k);
    expect(changed).toEqual([]);
    // The API server writes a no-op server-side apply of a PersistentVolumeClaim anyway (a new
    // resourceVersion, the object unchanged: kubernetes/kubernetes#124605 and kin); every other
    // object keeps its resourceVersion (but a ResourceQuota, whose status the quota controller rewrites).
    const rewritten = [...after].filter(([k, o]) => !quota(o) && o.metadata.resourceVersion !== before.get(k)!.metadata.resourceVersion).map(([k]) => k);
    expect(rewritten.filter((k) => !k.startsWith('PersistentVolumeClaim '))).toEqual([]);

    // Nothing was sent: the inventory's read showed every object as dist/ has it.
    expect(r.stdout).not.toMatch(/sending \d+ of/);
    expect(r.stdout.match(/nothing sent/g)?.length).toBe(PHASES.filter((p) => existsSync(join(dist, p))).length);

    const drift = await runApply({ env: cluster.driftEnv }, ['--dist', dist, '--drift']); // as the drift check runs it
    expect(drift.status, output(drift)).toBe(0);
    expect(drift.stdout).toContain('apply: no drift');

    // The ApplySets stay kubectl's: kubectl's own applyset apply and prune accept these parents and
    // members, and find nothing to prune (a server dry run, so the cluster is left as it is).
    for (const phase of PHASES.filter((p) => existsSync(join(dist, p)))) {
      const byKubectl = spawnSync(join(cluster.binDir, 'kubectl'), ['apply', '--server-side', '--field-manager=hobby-infra', '--force-conflicts', '--dry-run=server', `--applyset=applysets.hobby-infra.dev/${applySetName(phase)}`, '--prune', '-f', join(dist, phase)], {
        env: { ...cluster.env, KUBECTL_APPLYSET: 'true' },
        encoding: 'utf8',
      });
      expect(byKubectl.status, `${phase}: ${byKubectl.stderr}`).toBe(0);
      expect(byKubectl.stdout, phase).not.toContain('pruned');
    }
  });

  it('6. drift: a hand-edited Deployment, a deleted Service and an added label are reported by name; the next apply restores them', async () => {
    const container = JSON.parse(cluster.kubectl(['-n', 'fx-site', 'get', 'deployment/fx-site', '-o', 'json'])).spec.template.spec.containers[0];
    cluster.kubectl(['-n', 'fx-site', 'set', 'image', 'deployment/fx-site', `${container.name}=registry.invalid/hand-edited:1`]);
    cluster.kubectl(['-n', 'fx-site', 'delete', 'service/fx-site']);
    cluster.kubectl(['-n', 'fx-shop', 'label', 'deployment/fx-shop-web', 'edited-by=hand']);

    const drift = await apply('--drift');
    expect(drift.status, output(drift)).toBe(1);
    const report = drift.stderr.slice(drift.stderr.indexOf('apply: drift'));
    expect(report).toMatch(/differs from dist\/0[45]-[a-z]+: .*Deployment fx-site\/fx-site/);
    expect(report).toMatch(/missing from the cluster: .*Service fx-site\/fx-site/);
    expect(report).toMatch(/labels added by hand: Deployment fx-shop\/fx-shop-web \(edited-by\)/);

    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    expect(cluster.kubectl(['-n', 'fx-site', 'get', 'deployment/fx-site', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe(container.image);
    expect(exists('-n', 'fx-site', 'service/fx-site')).toBe(true);
    expect(cluster.kubectl(['-n', 'fx-shop', 'get', 'deployment/fx-shop-web', '-o', 'jsonpath={.metadata.labels}'])).not.toContain('edited-by');
    const clean = await apply('--drift');
    expect(clean.status, output(clean)).toBe(0);
  });

  it('5. moving objects between phases never deletes and recreates them', async () => {
    const ingress = uid('-n', 'uptime-kuma', 'ingress/uptime-kuma');
    const policy = uid('-n', 'fx-site', 'networkpolicy/default-deny');
    // The Ingress moves to a later phase (01 -> 04), the NetworkPolicy to an earlier one (04 -> 01).
    let moved: Record<string, any>[] = [];
    editDistFile(dist, '01-prerequisites/uptime-kuma.yaml', (docs) => docs.filter((d) => (d.kind === 'Ingress' ? (moved.push(d), false) : true)));
    writeFileSync(join(dist, '04-apps/uptime-kuma.yaml'), moved.map((d) => stringify(d)).join('---\n'));
    moved = [];
    editDistFile(dist, '04-apps/app-fx-site.yaml', (docs) => docs.filter((d) => (d.kind === 'NetworkPolicy' && d.metadata.name === 'default-deny' ? (moved.push(d), false) : true)));
    editDistFile(dist, '01-prerequisites/app-fx-site.yaml', (docs) => [...docs, ...moved]);

    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).not.toMatch(/ pruned/);
    expect(uid('-n', 'uptime-kuma', 'ingress/uptime-kuma')).toBe(ingress);
    expect(uid('-n', 'fx-site', 'networkpolicy/default-deny')).toBe(policy);
    const partOf = (...t: string[]) => cluster.kubectl(['get', ...t, '-o', 'jsonpath={.metadata.labels.applyset\\.kubernetes\\.io/part-of}']);
    expect(partOf('-n', 'uptime-kuma', 'ingress/uptime-kuma')).toBe(applySetId('04-apps'));
    expect(partOf('-n', 'fx-site', 'networkpolicy/default-deny')).toBe(applySetId('01-prerequisites'));
    const again = await apply('--drift');
    expect(again.status, output(again)).toBe(0);
  });

  it('8. the prune guard\'s limit counts the whole run, not each phase', async () => {
    const backup = copyDist(dist);
    // One object from phase 01, one from 03 and two from 04: each phase under the limit, the run over it.
    editDistFile(dist, '01-prerequisites/app-fx-site.yaml', (docs) => docs.filter((d) => d.kind === 'Namespace'));
    editDistFile(dist, '03-custom-resources/cert-manager.yaml', (docs) => docs.filter((d) => d.metadata.name !== 'letsencrypt-staging'));
    // (in 05-rollouts since that phase exists; a dist/ rendered before it has them in 04-apps)
    for (const file of ['04-apps/app-fx-notes-api.yaml', '05-rollouts/app-fx-notes-api.yaml'].filter((f) => existsSync(join(dist, f)))) {
      editDistFile(dist, file, (docs) => docs.filter((d) => !['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(d.kind)));
    }
    const r = await apply('--max-prune', '3');
    expect(r.status, output(r)).toBe(3);
    expect(r.stderr).toContain('would delete 4 objects, more than --max-prune 3');
    expect(r.stdout).not.toMatch(/# \[0[1-5]-/); // no phase ran
    expect(exists('-n', 'fx-notes-api', 'horizontalpodautoscaler/fx-notes-api')).toBe(true);
    expect(exists('-n', 'fx-site', 'networkpolicy/default-deny')).toBe(true);
    expect(exists('clusterissuer/letsencrypt-staging')).toBe(true);
    restore(backup);
  });

  it('7. removing a chart whose CRDs dist/ still uses is refused before anything is deleted', async () => {
    const backup = copyDist(dist);
    rmSync(join(dist, '02-helm-charts/cert-manager.yaml'));
    const stale = await apply('--allow-destructive');
    expect(stale.status, output(stale)).toBe(2); // the policy names every chart: the admin reviews a removal too
    expect(stale.stderr).toContain('the admission policy that guards the deploy identity is not the one this dist/ needs');
    applyIdentities(cluster, dist);
    const r = await apply('--allow-destructive');
    expect(r.status, output(r)).toBe(3);
    expect(r.stderr).toMatch(/HelmChart\.helm\.cattle\.io kube-system\/cert-manager is no longer in dist\/, but dist\/ still has \d+ object\(s\) of acme\.cert-manager\.io, cert-manager\.io/);
    expect(r.stderr).toContain('ClusterIssuer.cert-manager.io letsencrypt-prod');
    expect(r.stderr).toContain('Remove those from dist/ first');
    expect(exists('-n', 'kube-system', 'helmchart/cert-manager')).toBe(true);
    restore(backup);
    applyIdentities(cluster, dist);
  });

  it('4. removing an app: its Namespace and PVC only go with --allow-destructive; hand-made and helm-controller objects stay', async () => {
    cluster.kubectl(['-n', 'fx-shop', 'create', 'configmap', 'made-by-hand', '--from-literal=k=v']);
    const helmJobs = cluster.kubectl(['-n', 'kube-system', 'get', 'jobs', '-o', 'name']).trim().split('\n');
    expect(helmJobs.length).toBeGreaterThan(5);

    // A PVC leaving dist/ is refused...
    const backup = copyDist(dist);
    editDistFile(dist, '04-apps/app-fx-shop.yaml', (docs) => docs.filter((d) => d.kind !== 'PersistentVolumeClaim'));
    const pvc = await apply();
    expect(pvc.status, output(pvc)).toBe(3);
    expect(pvc.stderr).toContain('would delete protected objects: persistentvolumeclaim/fx-shop-api-data');
    expect(exists('-n', 'fx-shop', 'pvc/fx-shop-api-data')).toBe(true);
    restore(backup);

    // ...and so is an app's Namespace, until the flag says so.
    for (const file of ['01-prerequisites/app-fx-site.yaml', '04-apps/app-fx-site.yaml', '05-rollouts/app-fx-site.yaml']) rmSync(join(dist, file), { force: true });
    const refused = await apply();
    expect(refused.status, output(refused)).toBe(3);
    expect(refused.stderr).toContain('namespace/fx-site');
    expect(exists('namespace/fx-site')).toBe(true);
    expect(exists('-n', 'fx-site', 'deployment/fx-site')).toBe(true);

    const allowed = await apply('--allow-destructive');
    expect(allowed.status, output(allowed)).toBe(0);
    expect(allowed.stdout).toMatch(/namespace\/fx-site pruned/);
    // The real namespace controller finishes the deletion.
    await until(() => !exists('namespace/fx-site'), 60_000);
    expect(exists('-n', 'fx-shop', 'configmap/made-by-hand')).toBe(true);
    expect(cluster.kubectl(['-n', 'kube-system', 'get', 'jobs', '-o', 'name']).trim().split('\n')).toEqual(helmJobs);
    expect(exists('-n', 'cert-manager', 'deployment/cert-manager-webhook')).toBe(true); // the chart's (stand-in) workload
    const clean = await apply('--drift');
    expect(clean.status, output(clean)).toBe(0);
  });

  it('10. a database restore (README "Restore") replaces the Cluster only with --allow-destructive; the app follows the new one', async () => {
    const notes = fixtureApps.find((s) => s.file === 'apps/fx-notes-api.ts')!;
    const spec = { ...(notes.exports.default as object), database: { size: '5Gi', restore: { from: 'backup', targetTime: '2026-08-01T10:00:00Z' } } };
    const { files } = render({ apps: fixtureApps.map((s) => (s === notes ? { ...s, exports: { default: spec } } : s)) });
    for (const file of ['04-apps/app-fx-notes-api.yaml', '05-rollouts/app-fx-notes-api.yaml'].filter((f) => files.has(f))) {
      mkdirSync(join(dist, file, '..'), { recursive: true });
      writeFileSync(join(dist, file), files.get(file)!);
    }
    const cnpg = (name: string) => ['-n', 'fx-notes-api', `clusters.postgresql.cnpg.io/${name}`];
    expect(exists(...cnpg('fx-notes-api-db'))).toBe(true);

    const refused = await apply();
    expect(refused.status, output(refused)).toBe(3);
    expect(refused.stderr).toContain('would delete protected objects: cluster.postgresql.cnpg.io/fx-notes-api-db');
    expect(exists(...cnpg('fx-notes-api-db-r2608011000'))).toBe(false);

    const allowed = await apply('--allow-destructive');
    expect(allowed.status, output(allowed)).toBe(0);
    expect(exists(...cnpg('fx-notes-api-db'))).toBe(false);
    const restored = JSON.parse(cluster.kubectl(['get', ...cnpg('fx-notes-api-db-r2608011000'), '-o', 'json']));
    expect(restored.spec.bootstrap.recovery).toMatchObject({ source: 'origin', recoveryTarget: { targetTime: '2026-08-01T10:00:00Z' } });
    const env = JSON.parse(cluster.kubectl(['-n', 'fx-notes-api', 'get', 'deployment/fx-notes-api', '-o', 'json'])).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'fx-notes-api-db-r2608011000-app', key: 'uri' } } });
    expect(cluster.kubectl(['-n', 'fx-notes-api', 'get', 'scheduledbackups.postgresql.cnpg.io', '-o', 'name']).trim()).toBe('scheduledbackup.postgresql.cnpg.io/fx-notes-api-db-r2608011000');
  });
});

describe('the deploy identity', () => {
  const canI = (...args: string[]) => {
    try {
      return runKubectl(cluster.deployEnv, ['auth', 'can-i', ...args]).trim();
    } catch (err) {
      return String((err as Error).message).includes('no') ? 'no' : String(err);
    }
  };

  it('ran every apply above; it has no more than the apply needs', () => {
    expect(canI('patch', 'deployments', '-n', 'fx-shop')).toBe('yes');
    expect(canI('delete', 'namespaces')).toBe('yes');
    expect(canI('create', 'secrets/infisical-universal-auth', '-n', 'fx-shop')).toBe('yes');
    for (const denied of [
      ['get', 'secrets', '-n', 'fx-shop'],
      ['patch', 'secrets/fx-notes-api-db-app', '-n', 'fx-notes-api'], // a patch answers with the whole Secret
      ['create', 'validatingadmissionpolicies'],
      ['patch', 'validatingadmissionpolicies/hobby-infra-deploy'],
      ['list', 'secrets', '--all-namespaces'],
      ['create', 'clusterrolebindings'],
      ['escalate', 'clusterroles'],
      ['impersonate', 'users'],
      ['create', 'pods/exec', '-n', 'fx-shop'],
      ['delete', 'customresourcedefinitions/certificates.cert-manager.io'],
      ['patch', 'customresourcedefinitions/certificates.cert-manager.io'],
      ['delete', 'nodes'],
    ]) {
      expect(canI(...denied), denied.join(' ')).toBe('no');
    }
  });
});

/** Puts a saved copy of dist/ back, as `git checkout dist/` would. */
function restore(backup: string) {
  for (const entry of readdirSync(dist)) rmSync(join(dist, entry), { recursive: true, force: true });
  cpSync(backup, dist, { recursive: true });
  removeDir(backup);
}

async function until(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not done after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
