// `npm run report [-- --dir dist] [--base <git-ref>] [--json]`: what dist/ requests from the node
// pool, and what that costs; with --base, first how this change moves the totals (for the PR
// comment). Both sides are sized against the node pool of the current config/cluster.ts.
import { parseArgs } from 'node:util';
import { cluster } from '../config/cluster';
import { readDistAtRef, readDistDir, repoRoot } from '../lib/delivery/diff';
import { parseManifests } from '../lib/delivery/manifests';
import { capacityReport } from '../lib/report/capacity';
import { renderCapacityChange, renderCapacityMarkdown } from '../lib/report/markdown';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'dist' }, base: { type: 'string' }, json: { type: 'boolean', default: false } } });
const manifestsOf = (files: ReadonlyMap<string, string>) => [...files].flatMap(([file, text]) => parseManifests(text, file));
const files = readDistDir(values.dir!);
if (files.size === 0) {
  console.error(`report: no manifests in ${values.dir}/ (run \`npm run synth\` first)`);
  process.exit(1);
}
const report = capacityReport(manifestsOf(files), cluster);
if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  if (values.base) {
    const before = capacityReport(manifestsOf(readDistAtRef(repoRoot(process.cwd()), values.base)), cluster);
    process.stdout.write(`${renderCapacityChange(before, report)}\n`);
  }
  process.stdout.write(renderCapacityMarkdown(report));
}
