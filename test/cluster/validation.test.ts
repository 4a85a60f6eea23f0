import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSource } from '../../lib/app-spec';
import type { Manifest } from '../../lib/render';
import { toYaml } from '../../lib/yaml';
import { unusualAppSources } from '../fixtures/app-corpus';
import { appVariantSources } from '../fixtures/app-variants';
import { fixtureApps } from '../fixtures/apps';
import { exampleSources } from '../fixtures/examples';
import { render } from '../helpers';
import { podAdmissionProblems, podsOf } from '../../lib/delivery/admission';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { REPO, removeDir, startPinnedControlPlane } from './harness';

/*
 * 1. Whatever synth accepts, the API server accepts: every object of a dist/ rendered from the tests'
 * own config and apps (test/fixtures/cluster.ts, test/fixtures/apps/: never the user's; that the
 * committed dist/ matches its sources is test/synth.test.ts's check), of 20+ app variants
 * that turn on every option of the app spec, and of the unusual-but-valid corpus, through
 * server-side apply in dry-run mode with every CRD installed; and every pod their workloads would
 * start, through the real pod admission (Pod Security at the namespace's level, LimitRange
 * defaults, ResourceQuota). Namespaces, LimitRanges and ResourceQuotas are applied for real first:
 * admission reads them.
 */

let cp: ControlPlane;
let scratch: string;

beforeAll(async () => {
  cp = await startPinnedControlPlane();
  console.log(`control plane: kube-apiserver ${cp.version} at ${cp.server}`);
  const crds = readdirSync(join(REPO, 'imports/crds')).filter((f) => f.endsWith('.yaml'));
  cp.kubectl(['apply', '--server-side', ...crds.flatMap((f) => ['-f', join(REPO, 'imports/crds', f)])]);
  cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  scratch = mkdtempSync(join(tmpdir(), 'hobby-infra-validate-'));
});
afterAll(async () => {
  await cp?.stop();
  if (scratch) removeDir(scratch);
});

const ADMISSION_INPUTS = new Set(['Namespace', 'LimitRange', 'ResourceQuota']);

function writeDir(name: string, objects: readonly Manifest[]): { dir: string; inputs: string } {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const inputs = join(scratch, `${name}.admission.yaml`);
  writeFileSync(inputs, objects.filter((o) => ADMISSION_INPUTS.has(o.kind)).map(toYaml).join('---\n'));
  writeFileSync(join(dir, 'objects.yaml'), objects.filter((o) => !ADMISSION_INPUTS.has(o.kind)).map(toYaml).join('---\n'));
  return { dir, inputs };
}

async function waitForQuotaStatus(objects: readonly Manifest[]) {
  for (const q of objects.filter((o) => o.kind === 'ResourceQuota')) {
    for (let i = 0; i < 100; i++) {
      const hard = cp.kubectl(['-n', q.metadata.namespace!, 'get', `resourcequota/${q.metadata.name}`, '-o', 'jsonpath={.status.hard}']);
      if (hard.trim()) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Everything the API server says about these objects; throws with its words when it refuses one. */
async function validate(name: string, objects: readonly Manifest[]) {
  expect(objects.length).toBeGreaterThan(0);
  const { dir, inputs } = writeDir(name, objects);
  // What admission reads, for real (idempotent: several corpora share the platform's namespaces).
  if (objects.some((o) => ADMISSION_INPUTS.has(o.kind))) cp.kubectl(['apply', '--server-side', '--field-manager=validation', '--force-conflicts', '-f', inputs]);
  await waitForQuotaStatus(objects);
  cp.kubectl(['apply', '--server-side', '--field-manager=validation', '--dry-run=server', '-R', '-f', dir]);
  const pods = podsOf(objects);
  const refused = podAdmissionProblems(cp, pods);
  if (refused.length) throw new Error(refused.join('\n'));
  return { objects: objects.length, pods: pods.length };
}

/** Every object of the platform with the fixture apps, as `npm run synth` renders it with the fixture cluster. */
const distObjects = (): Manifest[] => render({ apps: fixtureApps }).objects.map(({ file: _, ...manifest }) => manifest);

/** An app's own objects as synth renders them (the platform around it is validated with the fixture dist/). */
const appObjects = (source: AppSource): Manifest[] =>
  render({ apps: [source] })
    .objects.filter((o) => o.file.includes('/app-'))
    .map(({ file: _, ...manifest }) => manifest);

describe('1. whatever synth accepts, the API server accepts', () => {
  it('every object of a dist/ rendered from the fixture cluster and apps, and the pods its workloads start', async () => {
    const objects = distObjects();
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['fx-notes-api', 'fx-shop', 'fx-site']));
    const counted = await validate('dist', objects);
    expect(counted.pods).toBeGreaterThan(2);
  });

  it('covers at least 20 app variants', () => expect(appVariantSources.length).toBeGreaterThanOrEqual(20));

  it.each(appVariantSources.map((s) => [s.file, s] as const))('app variant %s', async (_file, source) => {
    const counted = await validate(source.file.replace(/\W/g, '_'), appObjects(source));
    expect(counted.pods).toBeGreaterThan(0);
  });

  it.each(exampleSources.map((s) => [s.file, s] as const))('real app %s (examples/), as its upstream documents it', async (_file, source) => {
    const counted = await validate(source.file.replace(/\W/g, '_'), appObjects(source));
    expect(counted.pods).toBeGreaterThan(0);
  });

  it.each(unusualAppSources.map((s) => [s.file, s] as const))('valid-but-unusual app %s', async (_file, source) => {
    await validate(source.file.replace(/\W/g, '_'), appObjects(source));
  });

  it('the API server checks the CloudNativePG Cluster schema and its CEL rules (the check can fail)', async () => {
    const source = appVariantSources.find((v) => v.file === 'apps/v-database-restore.ts')!;
    const [ns] = appObjects(source).filter((o) => o.kind === 'Namespace');
    const [db] = appObjects(source).filter((o) => o.kind === 'Cluster') as any[];
    await validate('cnpg-ok', [ns!, db]);
    const both = structuredClone(db);
    both.spec.imageCatalogRef = { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'postgresql', major: 17 };
    await expect(validate('cnpg-cel', [ns!, both])).rejects.toThrow(/imageName and imageCatalogRef are mutually exclusive/);
    const typo = structuredClone(db);
    typo.spec.bootstrap.recovery.recoveryTarget.targetTime = 42;
    await expect(validate('cnpg-type', [ns!, typo])).rejects.toThrow(/targetTime/);
  });

  /**
   * What the operators start is not in dist/: CloudNativePG's instance and Job pods (PostgreSQL,
   * the Barman Cloud sidecar), VolSync's movers. Created for real, as they would create them, next
   * to the app's own pods at their maximum: all of them must pass Pod Security and fit the quota.
   */
  it.each(['apps/v-database-ha.ts', 'apps/v-database-components.ts', 'apps/v-volume-restore.ts'])('%s: the database and backup pods the operators start fit the quota and pass admission', async (file) => {
    const source = appVariantSources.find((v) => v.file === file)!;
    const objects = appObjects(source);
    await validate(`operands-${file.replace(/\W/g, '_')}`, objects);
    const namespace = objects.find((o) => o.kind === 'Namespace')!.metadata.name;
    const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true };
    const pod = (name: string, labels: Record<string, string>, spec: object): Manifest => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: spec as any });
    const pods: Manifest[] = [];
    // The app's pods at their maximum, plus one rollout surge (what the quota is sized for).
    for (const d of objects.filter((o) => o.kind === 'Deployment') as any[]) {
      const max = (objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === d.metadata.name) as any)?.spec.maxReplicas ?? d.spec.replicas;
      for (let i = 0; i <= max; i++) pods.push(pod(`${d.metadata.name}-${i}`, d.spec.template.metadata.labels, d.spec.template.spec));
    }
    const stores = new Map(objects.filter((o) => o.kind === 'ObjectStore').map((o: any) => [o.metadata.name, o]));
    for (const db of objects.filter((o) => o.kind === 'Cluster') as any[]) {
      const sidecar = (stores.get(db.spec.plugins[0].parameters.barmanObjectName) as any).spec.instanceSidecarConfiguration.resources;
      // Each instance, and the Job that creates (initdb, recovery) or joins one.
      for (let i = 0; i <= db.spec.instances; i++) {
        pods.push(
          pod(`${db.metadata.name}-${i + 1}`, { 'cnpg.io/cluster': db.metadata.name }, {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, fsGroup: 26 },
            initContainers: [
              { name: 'bootstrap-controller', image: db.spec.imageName, resources: db.spec.resources, securityContext: restricted },
              { name: 'plugin-barman-cloud', image: 'ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.14.0', restartPolicy: 'Always', resources: sidecar, securityContext: restricted },
            ],
            containers: [{ name: 'postgres', image: db.spec.imageName, resources: db.spec.resources, securityContext: restricted }],
          }),
        );
      }
    }
    const movers = objects.filter((o) => o.kind === 'ReplicationSource' || o.kind === 'ReplicationDestination') as any[];
    for (const m of movers) {
      pods.push(
        pod(`volsync-${m.kind === 'ReplicationSource' ? 'src' : 'dst'}-${m.metadata.name}`, m.spec.restic.moverPodLabels, {
          restartPolicy: 'Never',
          securityContext: m.spec.restic.moverSecurityContext,
          containers: [{ name: 'restic', image: 'quay.io/backube/volsync:0.16.0', resources: m.spec.restic.moverResources, securityContext: { ...restricted, runAsNonRoot: m.spec.restic.moverSecurityContext.runAsNonRoot } }],
        }),
      );
    }
    expect(pods.length).toBeGreaterThan(2);
    const podFile = join(scratch, `operands-${namespace}.yaml`);
    writeFileSync(podFile, pods.map(toYaml).join('---\n'));
    try {
      cp.kubectl(['create', '-f', podFile]);
      // And the quota is not infinite: one more database pod is refused.
      const labelled = (key: string) => pods.find((p) => (p.metadata.labels as Record<string, string> | undefined)?.[key]);
      const extra = structuredClone(labelled('cnpg.io/cluster') ?? labelled('hobby-infra.dev/volsync-mover')!);
      extra.metadata.name = 'one-too-many';
      const extraFile = join(scratch, `operands-${namespace}-extra.yaml`);
      writeFileSync(extraFile, toYaml(extra));
      expect(() => cp.kubectl(['create', '--dry-run=server', '-f', extraFile])).toThrow(/exceeded quota/);
    } finally {
      cp.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', podFile]);
    }
  });

  it('the API server does refuse what it should (the check can fail)', async () => {
    const [deployment] = appObjects(appVariantSources[0]!).filter((o) => o.kind === 'Deployment') as any[];
    deployment.spec.template.spec.containers[0].resources.requests.cpu = '2'; // above its 500m limit
    await expect(validate('refused', [deployment])).rejects.toThrow(/must be less than or equal to cpu limit/);
    const [ns] = appObjects(appVariantSources[0]!).filter((o) => o.kind === 'Namespace') as any[];
    const root = structuredClone(deployment);
    root.spec.template.spec.containers[0].resources.requests.cpu = '100m';
    root.spec.template.spec.securityContext.runAsNonRoot = false;
    await expect(validate('refused-psa', [ns, root])).rejects.toThrow(/violates PodSecurity "restricted/);
  });
});
