import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSource } from '../../lib/app-spec';
import { AppChart } from '../../lib/constructs/app-chart';
import { HttpsIngress } from '../../lib/constructs/ingress';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { collectManifests, PlatformChart, tidyManifest, type Manifest } from '../../lib/render';
import { parseApp } from '../../lib/spec/app';
import type { AppSpec } from '../../lib/spec/types';
import { toYaml } from '../../lib/yaml';
import { buildPlatform, renderPlatform } from '../../platform';
import { fixtureCluster } from '../fixtures/cluster';
import { appFile } from '../helpers';
import { removeDir, startPinnedControlPlane } from './harness';

/*
 * Issue 23, classes 1 and 9, against the real kube-apiserver. CloudNativePG is not running here: the
 * objects it would create for the Cluster `x-db` (its primary Service, its PodDisruptionBudget, the
 * first instance's volume) are created as the operator creates them, a plain create under its own
 * field manager (`cloudnative-pg`), from its derivations (lib/spec/derived-names.ts cites them).
 * Then the objects synth would have rendered before this check are sent as the apply sends them
 * (server-side apply, field manager hobby-infra, --force-conflicts): each lands on the operator's
 * object. And synth now refuses every one of these apps.
 */

let cp: ControlPlane;
let scratch: string;
const ns = 'x';
const image = 'ghcr.io/me/x:1.0.0';

beforeAll(async () => {
  cp = await startPinnedControlPlane();
  console.log(`control plane: kube-apiserver ${cp.version} at ${cp.server}`);
  scratch = mkdtempSync(join(tmpdir(), 'hobby-infra-derived-names-'));
  cp.kubectl(['create', 'namespace', ns]);
  // What CloudNativePG creates for Cluster x-db with 2 instances (pkg/specs/services.go,
  // poddisruptionbudget.go; the PVC of instance 1 as the reconciler makes it), minus owner references.
  const cluster = { 'cnpg.io/cluster': 'x-db' };
  const operator: object[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x-db-rw', namespace: ns, labels: cluster }, spec: { ports: [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }], selector: { ...cluster, 'cnpg.io/instanceRole': 'primary' } } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'x-db', namespace: ns, labels: cluster }, spec: { minAvailable: 1, selector: { matchLabels: { ...cluster, 'cnpg.io/instanceRole': 'replica' } } } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'x-db-1', namespace: ns, labels: { ...cluster, 'cnpg.io/instanceName': 'x-db-1', 'cnpg.io/pvcRole': 'PG_DATA' } }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'civo-volume', resources: { requests: { storage: '1Gi' } } } },
  ];
  cp.kubectl(['create', '--field-manager=cloudnative-pg', '-f', write('operator', operator)]);
});
afterAll(async () => {
  await cp?.stop();
  if (scratch) removeDir(scratch);
});

function write(name: string, objects: readonly object[]): string {
  const path = join(scratch, `${name}.yaml`);
  writeFileSync(path, objects.map((o) => toYaml(o)).join('---\n'));
  return path;
}

/** The objects of app charts as rendered, with no derived-name check (what synth wrote before it). */
function rendered(app: App): Manifest[] {
  return collectManifests(app).filter((c) => c.chart.role === 'app').flatMap((c) => c.manifests.map(tidyManifest));
}

/** An app validated, then one process renamed past the spec's checks: the names synth would have given before them. */
function renamed(spec: unknown, from: string, to: string): Manifest[] {
  const parsed = parseApp(appFile(ns, spec), fixtureCluster);
  const app: AppSpec = { ...parsed, components: parsed.components.map((c) => (c.name === `${ns}-${from}` ? { ...c, name: `${ns}-${to}`, field: `components.${to}` } : c)) };
  const cdk = new App();
  new AppChart(cdk, app, fixtureCluster);
  return rendered(cdk);
}

/** The apply's server-side apply of these objects (the deploy identity's flags, as the admin here). */
const apply = (name: string, objects: readonly Manifest[], force = true) =>
  cp.kubectl(['apply', '--server-side', '--field-manager=hobby-infra', ...(force ? ['--force-conflicts'] : []), '-f', write(name, objects)]);
const get = (what: string) => JSON.parse(cp.kubectl(['-n', ns, 'get', what, '-o', 'json', '--show-managed-fields']));
const managers = (o: any) => (o.metadata.managedFields as { manager: string }[]).map((f) => f.manager).sort();
const refusal = (source: AppSource) => {
  try {
    renderPlatform({ cluster: fixtureCluster, appSources: [source] });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('synth accepted it');
};

const dbApp = (extra: object) => ({ hosts: ['x'], database: { size: '1Gi', instances: 2 }, components: { web: { image, port: 8080, databaseEnv: { DATABASE_URL: 'uri' } }, ...extra } });

describe('derived names: what synth rendered lands on what the operators created', () => {
  it('a component db-rw: its Service is the database\'s primary Service, which the apply turns to the app\'s pods', () => {
    const objects = renamed(dbApp({ dbrw: { image, port: 80, internal: true } }), 'dbrw', 'db-rw');
    const service = objects.filter((o) => o.kind === 'Service' && o.metadata.name === 'x-db-rw');
    expect(service).toHaveLength(1);
    // A plain create (what a first apply of an object does) is refused: the name is taken.
    expect(() => cp.kubectl(['create', '-f', write('service-create', service)])).toThrow(/AlreadyExists|already exists/);
    apply('service', service);
    const live = get('service/x-db-rw');
    expect(managers(live)).toEqual(['cloudnative-pg', 'hobby-infra']);
    // The selector is one atomic field: forced, the app's replaces the operator's, and the host in
    // DATABASE_URL now leads to the app's own pods (until the operator takes it back, and so on).
    expect(live.spec.selector).toEqual({ 'app.kubernetes.io/name': 'x-db-rw', 'app.kubernetes.io/part-of': 'x' });
    expect(live.spec.ports.map((p: any) => p.port)).toContain(80);
    expect(refusal(appFile(ns, dbApp({ 'db-rw': { image, port: 80, internal: true } })))).toMatch(/components\.db-rw: got "x-db-rw" as a Service name, expected a name CloudNativePG does not give the database's own Services \(x-db-rw is its primary\)/);
  });

  it('a component db with two replicas: its PodDisruptionBudget is the database\'s; the apply conflicts with the operator, and forced, is refused', () => {
    const objects = renamed(dbApp({ dbpdb: { image, replicas: 2 } }), 'dbpdb', 'db');
    const pdb = objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'x-db');
    expect(pdb).toHaveLength(1);
    // Without --force-conflicts the API server names the other owner; with it (as the apply runs),
    // the merged budget has the operator's minAvailable and the app's maxUnavailable: invalid.
    expect(() => apply('pdb', pdb, false)).toThrow(/conflict.*cloudnative-pg/is);
    expect(() => apply('pdb', pdb)).toThrow(/minAvailable and maxUnavailable cannot be both set/);
    expect(get('poddisruptionbudget/x-db').spec.selector.matchLabels).toEqual({ 'cnpg.io/cluster': 'x-db', 'cnpg.io/instanceRole': 'replica' });
    expect(refusal(appFile(ns, dbApp({ db: { image, replicas: 2 } })))).toMatch(/components\.db: got "x-db" as a PodDisruptionBudget name, expected a name CloudNativePG does not give/);
  });

  it('a volume db-1: its claim is the first instance\'s data volume; the apply conflicts with the operator on it', () => {
    const spec = { image, port: 8080, hosts: ['x'], databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi', instances: 2 }, volumes: { 'db-1': { mountPath: '/d', size: '2Gi' } } };
    const { app } = buildPlatform({ cluster: fixtureCluster, appSources: [appFile(ns, spec)] });
    const claim = rendered(app).filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'x-db-1');
    expect(claim).toHaveLength(1);
    expect(() => apply('claim', claim, false)).toThrow(/conflict.*cloudnative-pg|immutable/is);
    expect(refusal(appFile(ns, spec))).toMatch(/volumes\.db-1: got "x-db-1" as a PersistentVolumeClaim name, expected a name CloudNativePG does not give the database's own volumes/);
  });

  it('a volume cache-data: two claims of one name in one dist/; the apply creates the cache\'s and is refused on the second', () => {
    const spec = { image, port: 8080, hosts: ['x'], cacheEnv: { REDIS_URL: 'url' }, cache: { persistence: { size: '3Gi' } }, volumes: { 'cache-data': { mountPath: '/d', size: '2Gi' } } };
    const { app } = buildPlatform({ cluster: fixtureCluster, appSources: [appFile(ns, spec)] });
    const claims = rendered(app).filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'x-cache-data');
    expect(claims).toHaveLength(2);
    expect(() => apply('claims', claims)).toThrow(/spec is immutable after creation/);
    // One claim for the cache and the app's volume: the cache's, which the app's pod would then mount.
    const live = get('persistentvolumeclaim/x-cache-data');
    expect(live.spec.resources.requests.storage).toBe('3Gi');
    expect(live.metadata.labels['app.kubernetes.io/name']).toBe('x-cache');
    expect(refusal(appFile(ns, spec))).toMatch(/volumes\.cache-data: got "x-cache-data" as a PersistentVolumeClaim name, expected a name of its own \(cache renders/);
  });
});

describe('an app with no components (class 9)', () => {
  it('its Ingress would have had no paths, which the API server refuses; synth refuses the app', () => {
    const cdk = new App();
    const chart = new PlatformChart(cdk, 'app-x', 'app');
    new HttpsIngress(chart, 'ingress', { name: ns, namespace: ns, hosts: ['x.hobby-fixture.dev'], routes: [] });
    const ingress = rendered(cdk);
    expect(ingress.map((o) => o.kind)).toEqual(['Ingress']);
    expect(() => cp.kubectl(['apply', '--server-side', '--dry-run=server', '-f', write('ingress', ingress)])).toThrow(/spec\.rules\[0\]\.http\.paths: Required value/);
    expect(refusal(appFile(ns, { hosts: ['x'], components: {} }))).toMatch(/components: got no components, jobs or cron jobs, expected at least one process/);
  });
});
