import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { AppSource } from '../../lib/app-spec';
import type { Manifest } from '../../lib/render';
import { toYaml } from '../../lib/yaml';
import { unusualAppSources } from '../fixtures/app-corpus';
import { appVariantSources } from '../fixtures/app-variants';
import { render } from '../helpers';
import { REPO, startControlPlane, type ControlPlane } from './control-plane';
import { removeDir } from './harness';

/*
 * 1. Whatever synth accepts, the API server accepts: every object of dist/, of 20+ app variants
 * that turn on every option of the app spec, and of the unusual-but-valid corpus, through
 * server-side apply in dry-run mode with every CRD installed; and every pod their workloads would
 * start, through the real pod admission (Pod Security at the namespace's level, LimitRange
 * defaults, ResourceQuota). Namespaces, LimitRanges and ResourceQuotas are applied for real first:
 * admission reads them.
 */

let cp: ControlPlane;
let scratch: string;

beforeAll(async () => {
  cp = await startControlPlane();
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
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function writeDir(name: string, objects: readonly Manifest[]): { dir: string; inputs: string } {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const inputs = join(scratch, `${name}.admission.yaml`);
  writeFileSync(inputs, objects.filter((o) => ADMISSION_INPUTS.has(o.kind)).map(toYaml).join('---\n'));
  writeFileSync(join(dir, 'objects.yaml'), objects.filter((o) => !ADMISSION_INPUTS.has(o.kind)).map(toYaml).join('---\n'));
  return { dir, inputs };
}

/** The pods a workload would create, as its controller would: the template in the workload's namespace. */
function podsOf(objects: readonly Manifest[]): Manifest[] {
  return objects
    .filter((o) => WORKLOADS.has(o.kind) || o.kind === 'CronJob')
    .map((o) => {
      const spec = o.spec as any;
      const template = o.kind === 'CronJob' ? spec.jobTemplate.spec.template : spec.template;
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${o.metadata.name}-pod`, namespace: o.metadata.namespace, labels: template.metadata?.labels }, spec: template.spec };
    });
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
  if (pods.length) {
    const podFile = join(scratch, `${name}.pods.yaml`);
    writeFileSync(podFile, pods.map(toYaml).join('---\n'));
    cp.kubectl(['create', '--dry-run=server', '-f', podFile]);
  }
  return { objects: objects.length, pods: pods.length };
}

const distObjects = () =>
  readdirSync(join(REPO, 'dist'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(REPO, 'dist', f), 'utf8')).map((d) => d.toJS() as Manifest));

/** An app's own objects as synth renders them (the platform around it is validated with dist/). */
const appObjects = (source: AppSource): Manifest[] =>
  render({ apps: [source] })
    .objects.filter((o) => o.file.includes('/app-'))
    .map(({ file: _, ...manifest }) => manifest);

describe('1. whatever synth accepts, the API server accepts', () => {
  it('every object in dist/, and the pods its workloads start', async () => {
    const counted = await validate('dist', distObjects());
    expect(counted.pods).toBeGreaterThan(2);
  });

  it('covers at least 20 app variants', () => expect(appVariantSources.length).toBeGreaterThanOrEqual(20));

  it.each(appVariantSources.map((s) => [s.file, s] as const))('app variant %s', async (_file, source) => {
    const counted = await validate(source.file.replace(/\W/g, '_'), appObjects(source));
    expect(counted.pods).toBeGreaterThan(0);
  });

  it.each(unusualAppSources.map((s) => [s.file, s] as const))('valid-but-unusual app %s', async (_file, source) => {
    await validate(source.file.replace(/\W/g, '_'), appObjects(source));
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
