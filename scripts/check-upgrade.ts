import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cluster } from '../config/cluster';
import { exitWith, parseCommandLine } from '../lib/cli';
import { podsOf } from '../lib/delivery/admission';
import { kubernetesVersionOf, startControlPlane } from '../lib/delivery/control-plane';
import { readDistDir, repoRoot } from '../lib/delivery/diff';
import { renderChartObjects, resolveHelm } from '../lib/delivery/helm';
import { collectObjects, displayName, parseManifests } from '../lib/delivery/manifests';
import { applyAndListen, upgradeReport, waitForCrds, type ObjectVerdict } from '../lib/delivery/upgrade-check';
import { upgradeTarget } from '../lib/delivery/upgrade-target';
import type { Manifest } from '../lib/render';

const usage = 'npm run check-upgrade -- --to <next|cluster|1.33|1.33.13> [--dist <dir>] [--crds <dir>] [--charts <dir> [--pull] [--helm <path>]] [--out <file>]';
const about = `Runs every object of dist/ (and with --charts, every object the pinned charts render) through
a real kube-apiserver of the target version, built from k8s.io/kubernetes by the harness
(scripts/build-control-plane.sh; Go and several minutes the first time, cached per version):
the CRDs (imports/crds/ and the charts' own) and dist/'s namespaces, LimitRanges and
ResourceQuotas are created, every other
object goes through a server-side dry-run apply, and so does every pod their workloads would start
(Pod Security at its namespace's level). Prints, per object, what that API server refuses and the
warnings it returns (deprecated API versions, Pod Security of workload templates), as Markdown.
--to next is the minor after config/cluster.ts's; a minor other than the cluster's builds the
patch pinned in config/kubernetes-releases.ts.
Exit codes: 0 nothing refused (warnings are reported), 1 an object is refused, 2 bad usage or the
API server cannot be built or started.`;
const { values } = parseCommandLine('check-upgrade', { usage, about }, {
  to: { type: 'string' },
  dist: { type: 'string', default: 'dist' },
  crds: { type: 'string', default: 'imports/crds' },
  charts: { type: 'string' },
  pull: { type: 'boolean', default: false },
  helm: { type: 'string' },
  out: { type: 'string' },
});
if (!values.to) exitWith('check-upgrade', '--to: got nothing, expected next, cluster, a minor such as 1.33 or a version such as 1.33.13', 2, usage);

const isCrd = (m: Manifest) => m.kind === 'CustomResourceDefinition';
/** Created for real before the dry runs: pod admission reads them (Pod Security labels, LimitRange defaults, quotas). */
const NAMESPACE_SETUP = ['Namespace', 'LimitRange', 'ResourceQuota'];
const isSetup = (m: Manifest) => NAMESPACE_SETUP.includes(m.kind) && !m.apiVersion.includes('/');

async function main() {
  const root = repoRoot(process.cwd());
  let version: string;
  try {
    version = upgradeTarget(values.to!, kubernetesVersionOf(cluster));
  } catch (err) {
    return exitWith('check-upgrade', (err as Error).message, 2, usage);
  }
  const files = readDistDir(resolve(root, values.dist!));
  if (!files.size) return exitWith('check-upgrade', `--dist: got ${values.dist}, expected a folder with rendered manifests (npm run synth)`, 2);
  const dist = [...collectObjects(files).values()].map((o) => o.manifest);
  const crdDir = resolve(root, values.crds!);
  const crds = readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).sort().flatMap((f) => parseManifests(readFileSync(join(crdDir, f), 'utf8'), f)).filter(isCrd);
  // The charts render as for the target version (their templates may branch on .Capabilities).
  const charts = values.charts ? renderChartObjects(files, { helm: resolveHelm(values.helm), charts: resolve(values.charts), kubeVersion: version, pull: values.pull }) : [];

  console.error(`check-upgrade: kube-apiserver v${version} (built once per machine if missing; several minutes)`);
  const cp = await startControlPlane({ version, root });
  const verdicts: ObjectVerdict[] = [];
  try {
    // Created for real: what the other objects need to exist (and these are checked on the way).
    // dist/'s own CRDs last: where one is also in imports/ or a chart, dist/'s is what the cluster gets.
    const chartCrds = charts.flatMap((c) => c.objects.map((o) => o.manifest).filter(isCrd));
    const allCrds = [...crds, ...chartCrds, ...dist.filter(isCrd)];
    const created = allCrds.map((m) => applyAndListen(cp, m, { dryRun: false }));
    verdicts.push(...created);
    const served = allCrds.filter((_, i) => !created[i]!.refused).map((m) => m.metadata.name);
    const notServed = waitForCrds(cp, [...new Set(served)]);
    if (notServed) throw new Error(`the CRDs were created but are not served: ${notServed}`);
    for (const m of dist.filter(isSetup)) verdicts.push(applyAndListen(cp, m, { dryRun: false }));
    // Dry runs: everything else of dist/, then the charts' objects, then the pods of both.
    for (const m of dist.filter((o) => !isSetup(o) && !isCrd(o))) verdicts.push(applyAndListen(cp, m, { dryRun: true }));
    for (const { release, objects } of charts) {
      for (const { manifest } of objects.filter((o) => !isCrd(o.manifest))) {
        verdicts.push(applyAndListen(cp, manifest, { dryRun: true, namespace: release.namespace, name: `${displayName(manifest)} (chart ${release.chart} ${release.version})` }));
      }
    }
    const chartPods = charts.flatMap(({ release, objects }) => podsOf(objects.map((o) => o.manifest), release.namespace).map((p) => ({ ...p, from: `${p.from} (chart ${release.chart} ${release.version})` })));
    const pods = [...podsOf(dist), ...chartPods];
    for (const { from, pod } of pods) verdicts.push(applyAndListen(cp, pod, { dryRun: true, name: `the pods of ${from}` }));
  } finally {
    await cp.stop();
  }
  const report = upgradeReport(cp.version, verdicts);
  process.stdout.write(report);
  if (values.out) writeFileSync(values.out, report);
  const refused = verdicts.filter((v) => v.refused).length;
  if (refused) {
    console.error(`check-upgrade: kube-apiserver ${cp.version} refuses ${refused} object(s)`);
    process.exitCode = 1;
  }
}

main().catch((err) => exitWith('check-upgrade', (err as Error).message, 2));
