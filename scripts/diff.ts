import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBase, diffDist, readDistAtRef, readDistDir, renderMarkdown, renderText, repoRoot, resolveCommit } from '../lib/delivery/diff';

/*
 * npm run diff [-- --base <ref>] [--head <ref>] [--out <file>] [--format markdown|text]
 * Compares dist/ at the base (default: merge-base of HEAD with main) with the working tree (or
 * --head) per Kubernetes object and prints Markdown for a PR comment.
 */

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    head: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string', default: 'markdown' },
    dist: { type: 'string', default: 'dist' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: false,
});

if (values.help) {
  console.log('usage: npm run diff -- [--base <git-ref>] [--head <git-ref>] [--out <file>] [--format markdown|text]');
  process.exit(0);
}

try {
  const root = repoRoot(process.cwd());
  const base = values.base ? resolveCommit(root, values.base) : defaultBase(root);
  const baseFiles = base ? readDistAtRef(root, base, values.dist) : new Map<string, string>();
  const head = values.head ? resolveCommit(root, values.head) : undefined;
  const headFiles = head ? readDistAtRef(root, head, values.dist) : readDistDir(join(root, values.dist));
  const result = diffDist(baseFiles, headFiles);
  const label = (ref: string | undefined, sha: string | undefined) => (sha ? `${ref ?? 'merge-base'}@${sha.slice(0, 7)}` : 'empty');
  const comparing = `${label(values.base, base)} → ${head ? label(values.head, head) : 'working tree'}`;
  const output = values.format === 'text' ? renderText(result) : renderMarkdown(result, { comparing });
  if (values.out) {
    writeFileSync(values.out, output);
    console.error(`wrote ${values.out}: ${result.added.length} added, ${result.removed.length} removed, ${result.changed.length} changed`);
  } else {
    process.stdout.write(output);
  }
} catch (err) {
  console.error(`diff: ${(err as Error).message}`);
  process.exit(2);
}
