// `npm run report [-- --dir dist] [--base <git-ref>]`: what dist/ requests from the node pool, and
// what that costs; with --base, first how this change moves the totals (for the PR comment).
import { parseArgs } from 'node:util';
import { cluster } from '../config/cluster';
import { readDistAtRef, readDistDir, repoRoot } from '../lib/delivery/diff';
import { parseManifests } from '../lib/delivery/manifests';
import { capacityReport, renderCapacityChange, renderCapacityMarkdown } from '../lib/report/capacity';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'dist' }, base: { type: 'string' } } });
const manifestsOf = (files: ReadonlyMap<string, string>) => [...files].flatMap(([file, text]) => parseManifests(text, file));
const report = capacityReport(manifestsOf(readDistDir(values.dir!)), cluster);
if (values.base) {
  const before = capacityReport(manifestsOf(readDistAtRef(repoRoot(process.cwd()), values.base)), cluster);
  process.stdout.write(`${renderCapacityChange(before, report)}\n`);
}
process.stdout.write(renderCapacityMarkdown(report));
