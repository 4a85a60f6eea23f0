import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cluster } from '../config/cluster';
import { exitWith, parseCommandLine } from '../lib/cli';
import { checkChartData, describeLoss, type ChartDataLoss } from '../lib/delivery/chart-data';
import { defaultBase, diffDist, readDistAtRef, readDistDir, repoRoot, resolveCommit } from '../lib/delivery/diff';
import { renderMarkdown, renderText } from '../lib/delivery/diff-report';
import { diffRenderedCharts, resolveHelm, type ChartDiff } from '../lib/delivery/helm';
import { collectObjects } from '../lib/delivery/manifests';

/*
 * npm run diff [-- --base <ref>] [--head <ref>] [--out <file>] [--format markdown|text]
 *              [--charts <dir> [--pull] [--helm <path>] [--kube-version <v>] [--allow-destructive]] [--full-out <file>]
 * Compares dist/ at the base (default: merge-base of HEAD with main) with the working tree (or
 * --head) per Kubernetes object and prints Markdown for a PR comment. With --charts, every
 * HelmChart whose version or values changed is rendered on both sides with `helm template`, and
 * the objects it renders differently are added, one folded section per chart; a chart change that
 * would make helm delete a PVC, a CRD or another protected kind (lib/delivery/chart-data.ts) leads
 * the report and exits 3, after the report is written, unless --allow-destructive is given.
 * Exit codes: 0 done, 2 error, 3 a chart change would delete data.
 */

const usage =
  'npm run diff -- [--base <git-ref>] [--head <git-ref>] [--out <file>] [--format markdown|text] [--charts <dir> [--pull] [--helm <path>] [--kube-version <v>] [--allow-destructive]] [--full-out <file>] [--full-report <text>]';
const about = [
  'Compares dist/ at --base (default: the merge-base of HEAD with main) with the working tree (or --head) per',
  'Kubernetes object and prints Markdown for a PR comment. Exit codes: 0 done, 2 error, 3 a chart change would delete data.',
  '  --charts <dir>     render changed HelmCharts from <chart>-<version>.tgz files (helm pull) in <dir>',
  '  --pull             helm pull charts missing from <dir> (needs network)',
  '  --helm <path>      the helm binary (default: $HELM, else helm on PATH; scripts/build-helm.sh builds one)',
  '  --kube-version <v> .Capabilities.KubeVersion (default: config/cluster.ts)',
  '  --allow-destructive  a chart change that makes helm delete a PVC, CRD or other protected kind',
  '                     is reported, not refused (without it: exit 3)',
  '  --full-out <file>  also write the report without the comment size limit',
  '  --full-report <t>  where the full report is, named in the comment when it has to be cut',
].join('\n');
const { values } = parseCommandLine('diff', { usage, about }, {
    base: { type: 'string' },
    head: { type: 'string' },
    out: { type: 'string' },
    'full-out': { type: 'string' },
    format: { type: 'string', default: 'markdown' },
    dist: { type: 'string', default: 'dist' },
    charts: { type: 'string' },
    pull: { type: 'boolean', default: false },
    helm: { type: 'string' },
    'kube-version': { type: 'string' },
    'full-report': { type: 'string' },
    'allow-destructive': { type: 'boolean', default: false },
});
if (!['markdown', 'text'].includes(values.format!)) exitWith('diff', `--format: got ${JSON.stringify(values.format)}, expected markdown or text`, 2, usage);

try {
  const root = repoRoot(process.cwd());
  const base = values.base ? resolveCommit(root, values.base) : defaultBase(root);
  const baseFiles = base ? readDistAtRef(root, base, values.dist) : new Map<string, string>();
  const head = values.head ? resolveCommit(root, values.head) : undefined;
  const headFiles = head ? readDistAtRef(root, head, values.dist) : readDistDir(join(root, values.dist!));
  const result = diffDist(baseFiles, headFiles);
  let charts: ChartDiff[] = [];
  let losses: ChartDataLoss[] = [];
  let refused = false;
  const allowDestructive = values['allow-destructive']!;
  if (values.charts) {
    const kubeVersion = values['kube-version'] ?? cluster.kubernetes.version.replace(/-k3s[0-9]+$/, '');
    charts = diffRenderedCharts(baseFiles, headFiles, { helm: resolveHelm(values.helm), charts: resolve(values.charts), kubeVersion, pull: values.pull });
    const verdict = checkChartData(charts, collectObjects(headFiles), { allowDestructive });
    (losses = verdict.losses), (refused = !verdict.ok);
  }
  const label = (ref: string | undefined, sha: string | undefined) => (sha ? `${ref ?? 'merge-base'}@${sha.slice(0, 7)}` : 'empty');
  const comparing = `${label(values.base, base)} → ${head ? label(values.head, head) : 'working tree'}`;
  const chartsNote = 'Charts not rendered: run `npm run diff -- --charts <dir>` to see the objects a chart change renders differently.';
  const markdown = (maxChars?: number) => renderMarkdown(result, { comparing, charts, chartsNote, fullReport: values['full-report'], maxChars, dataLosses: losses, allowDestructive });
  const output = values.format === 'text' ? renderText(result, charts, losses, allowDestructive) : markdown();
  if (values['full-out']) writeFileSync(values['full-out'], values.format === 'text' ? output : markdown(Number.MAX_SAFE_INTEGER));
  if (values.out) {
    writeFileSync(values.out, output);
    const rendered = charts.length ? `; ${charts.length} charts rendered` : '';
    console.error(`wrote ${values.out}: ${result.added.length} added, ${result.removed.length} removed, ${result.changed.length} changed${rendered}`);
  } else {
    process.stdout.write(output);
  }
  // After the report is written, so the PR comment still shows what the change does.
  if (refused) exitWith('diff', `refused: ${losses.map(describeLoss).join('; ')}. Re-run with --allow-destructive if this is intended.`, 3);
} catch (err) {
  exitWith('diff', (err as Error).message, 2);
}
