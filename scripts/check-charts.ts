import { resolve } from 'node:path';
import { cluster } from '../config/cluster';
import { exitWith, parseCommandLine } from '../lib/cli';
import { podAdmissionProblems, podsOf } from '../lib/delivery/admission';
import { kubernetesVersionOf, startControlPlane } from '../lib/delivery/control-plane';
import { readDistDir, repoRoot } from '../lib/delivery/diff';
import { networkCoverage, renderedPods } from '../lib/delivery/chart-network';
import { checkChartWorkloads } from '../lib/delivery/chart-workloads';
import { containerResourceProblems, renderChartObjects, resolveHelm } from '../lib/delivery/helm';
import { collectObjects } from '../lib/delivery/manifests';
import { toYaml } from '../lib/yaml';

/*
 * npm run check-charts -- --charts <dir> [--pull] [--helm <path>] [--kube-version <v>] [--admission]
 * Renders every HelmChart of dist/ with `helm template` and checks what the charts really deploy:
 * every container has CPU and memory requests and a memory limit; the workloads a chart file
 * declares (which the apply waits for) are exactly the Deployments, DaemonSets and StatefulSets the
 * chart renders, and its webhook Deployments exactly those behind the admission webhooks it renders
 * (lib/delivery/chart-workloads.ts); in a namespace dist/ isolates with
 * NetworkPolicies, every pod is selected by exactly its own component's policy (the labels a chart
 * file declares are the ones the chart renders; lib/delivery/chart-network.ts); with --admission, every pod their
 * workloads would start passes the real kube-apiserver's admission (Pod Security at the level of
 * the namespace dist/ gives it) on a local control plane (scripts/build-control-plane.sh; needs Go
 * the first time). Prints Markdown (for the PR comment); exits 1 on a finding, 2 when a chart
 * cannot be rendered.
 */

const usage = 'npm run check-charts -- --charts <dir> [--pull] [--helm <path>] [--kube-version <v>] [--admission] [--dist <dir>]';
const { values } = parseCommandLine('check-charts', { usage, about: 'Renders every HelmChart of dist/ with helm template and checks what the charts deploy: resource requests and limits,\nthe declared workloads and webhook Deployments, NetworkPolicy coverage, and with --admission the real kube-apiserver\'s Pod Security admission.\nExit codes: 0 clean, 1 a finding, 2 a chart cannot be rendered.' }, {
  charts: { type: 'string' },
  pull: { type: 'boolean', default: false },
  helm: { type: 'string' },
  'kube-version': { type: 'string' },
  admission: { type: 'boolean', default: false },
  dist: { type: 'string', default: 'dist' },
});
if (!values.charts) exitWith('check-charts', '--charts: got nothing, expected the folder with the pulled charts (<chart>-<version>.tgz); add --pull to fetch missing ones', 2, usage);

async function main() {
  const root = repoRoot(process.cwd());
  const kubeVersion = values['kube-version'] ?? kubernetesVersionOf(cluster);
  const files = readDistDir(resolve(root, values.dist!));
  const rendered = renderChartObjects(files, { helm: resolveHelm(values.helm), charts: resolve(values.charts!), kubeVersion, pull: values.pull });
  const lines = ['### Rendered charts: container resources', ''];
  let problems = 0;
  for (const { release, objects } of rendered) {
    const found = containerResourceProblems(objects.map((o) => o.manifest));
    problems += found.length;
    lines.push(found.length ? `- ❌ ${release.chart} ${release.version}:` : `- ✅ ${release.chart} ${release.version}: every container has requests and a memory limit`);
    lines.push(...found.map((p) => `  - \`${p}\``));
  }
  lines.push('', '### Rendered charts: workloads and webhook Deployments (the ones the chart file declares, which the apply waits for)', '');
  const distByKey = collectObjects(files);
  for (const { release, objects } of rendered) {
    const { problem, summary } = checkChartWorkloads(distByKey.get(release.key)!.manifest, objects.map((o) => o.manifest), release.namespace);
    if (problem) problems++;
    lines.push(`- ${problem ? '❌' : '✅'} ${release.chart} ${release.version}: ${problem ?? summary}`);
  }
  lines.push('', '### Rendered charts: NetworkPolicies (each pod selected by its own component\'s policy in dist/)', '');
  const distObjects = [...distByKey.values()].map((o) => o.manifest);
  for (const { release, objects } of rendered) {
    const coverage = networkCoverage(renderedPods(objects.map((o) => o.manifest), release.namespace), distObjects);
    problems += coverage.problems.length;
    const host = coverage.hostNetwork ? ` (${coverage.hostNetwork} on the host network, where policies do not apply)` : '';
    if (coverage.problems.length) lines.push(`- ❌ ${release.chart} ${release.version}:`, ...coverage.problems.map((p) => `  - \`${p}\``));
    else if (coverage.covered || coverage.hostNetwork) lines.push(`- ✅ ${release.chart} ${release.version}: each of its ${coverage.covered} pods in ${release.namespace} has its own allow policy${host}`);
    if (coverage.outside.length) lines.push(`- ➖ ${release.chart} ${release.version}: no policies in ${release.namespace} (not a namespace dist/ isolates): ${coverage.outside.length} pods`);
  }
  if (values.admission) {
    const cp = await startControlPlane({ version: kubeVersion, root });
    try {
      // The namespaces as dist/ makes them (their Pod Security labels are what is checked).
      const namespaces = [...collectObjects(files).values()].filter((o) => o.manifest.kind === 'Namespace').map((o) => toYaml(o.manifest));
      cp.kubectl(['apply', '--server-side', '-f', '-'], namespaces.join('---\n'));
      lines.push('', `### Rendered charts: pod admission (kube-apiserver ${cp.version}, Pod Security of each namespace)`, '');
      for (const { release, objects } of rendered) {
        const pods = podsOf(objects.map((o) => o.manifest), release.namespace);
        const found = podAdmissionProblems(cp, pods);
        problems += found.length;
        lines.push(found.length ? `- ❌ ${release.chart} ${release.version}:` : `- ✅ ${release.chart} ${release.version}: the API server admits all ${pods.length} pods in ${release.namespace}`);
        lines.push(...found.map((p) => `  - \`${p}\``));
      }
    } finally {
      await cp.stop();
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (problems) {
    console.error(`check-charts: ${problems} finding(s)`);
    process.exitCode = 1;
  }
}

main().catch((err) => exitWith('check-charts', (err as Error).message, 2));
