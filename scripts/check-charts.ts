import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cluster } from '../config/cluster';
import { readDistDir, repoRoot } from '../lib/delivery/diff';
import { containerResourceProblems, renderChartObjects, resolveHelm } from '../lib/delivery/helm';

/*
 * npm run check-charts -- --charts <dir> [--pull] [--helm <path>] [--kube-version <v>]
 * Renders every HelmChart of dist/ with `helm template` and checks what the charts really deploy:
 * every container has CPU and memory requests and a memory limit. Prints Markdown (for the PR
 * comment) and exits 1 on a violation, 2 when a chart cannot be rendered.
 */

const { values } = parseArgs({
  options: {
    charts: { type: 'string' },
    pull: { type: 'boolean', default: false },
    helm: { type: 'string' },
    'kube-version': { type: 'string' },
    dist: { type: 'string', default: 'dist' },
  },
  allowPositionals: false,
});

try {
  if (!values.charts) throw new Error('--charts <dir> is required: the folder with the pulled charts (<chart>-<version>.tgz); add --pull to fetch missing ones');
  const root = repoRoot(process.cwd());
  const kubeVersion = values['kube-version'] ?? cluster.kubernetes.version.replace(/-k3s[0-9]+$/, '');
  const rendered = renderChartObjects(readDistDir(join(root, values.dist)), { helm: resolveHelm(values.helm), charts: resolve(values.charts), kubeVersion, pull: values.pull });
  const lines = ['### Rendered charts: container resources', ''];
  let problems = 0;
  for (const { release, objects } of rendered) {
    const found = containerResourceProblems(objects.map((o) => o.manifest));
    problems += found.length;
    lines.push(found.length ? `- ❌ ${release.chart} ${release.version}:` : `- ✅ ${release.chart} ${release.version}: every container has requests and a memory limit`);
    lines.push(...found.map((p) => `  - \`${p}\``));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (problems) {
    console.error(`check-charts: ${problems} containers without requests or a memory limit`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`check-charts: ${(err as Error).message}`);
  process.exit(2);
}
