// `npm run report [-- --dir dist] [--base <git-ref>] [--json]`: what dist/ requests from the node
// pool, and what that costs; with --base, first how this change moves the totals (for the PR
// comment). Both sides are sized against the node pool of the current config/cluster.ts.
import { cluster } from '../config/cluster';
import { exitWith, parseCommandLine } from '../lib/cli';
import { readDistAtRef, readDistDir, repoRoot, resolveCommit } from '../lib/delivery/diff';
import { parseManifests } from '../lib/delivery/manifests';
import { capacityReport } from '../lib/report/capacity';
import { renderCapacityChange, renderCapacityMarkdown } from '../lib/report/markdown';

const usage = 'npm run report -- [--dir dist] [--base <git-ref>] [--json]';
const { values } = parseCommandLine('report', { usage, about: 'What dist/ requests from the node pool and what that costs; with --base, first how this change moves the totals.' }, { dir: { type: 'string', default: 'dist' }, base: { type: 'string' }, json: { type: 'boolean', default: false } });
const resolveCommitOrUndefined = (root: string, ref: string) => {
  try {
    return resolveCommit(root, ref);
  } catch {
    return undefined;
  }
};
const manifestsOf = (files: ReadonlyMap<string, string>) => [...files].flatMap(([file, text]) => parseManifests(text, file));
const files = readDistDir(values.dir!);
if (files.size === 0) exitWith('report', `--dir: got ${values.dir}/ with no manifests, expected the rendered dist/ (run \`npm run synth\` first)`);
const report = capacityReport(manifestsOf(files), cluster);
if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  if (values.base) {
    const root = repoRoot(process.cwd());
    if (!resolveCommitOrUndefined(root, values.base)) exitWith('report', `--base: got ${JSON.stringify(values.base)}, expected a commit (branch, tag or sha)`, 2, usage);
    const before = capacityReport(manifestsOf(readDistAtRef(root, values.base)), cluster);
    process.stdout.write(`${renderCapacityChange(before, report)}\n`);
  }
  process.stdout.write(renderCapacityMarkdown(report));
}
