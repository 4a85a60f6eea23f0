import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cluster } from '../config/cluster';
import { exitWith, parseCommandLine } from '../lib/cli';
import { kubernetesVersionOf } from '../lib/delivery/control-plane';
import { readDistAtRef, readDistDir, repoRoot } from '../lib/delivery/diff';
import { renderChartObjects, resolveHelm } from '../lib/delivery/helm';
import { collectObjects } from '../lib/delivery/manifests';
import { imagesOf } from '../lib/images/collect';
import { resolveImage, type Resolution } from '../lib/images/registry';
import { toYaml } from '../lib/yaml';

const usage = 'npm run check-images -- [--dist <dir>] [--charts <dir> [--pull] [--helm <path>]] [--rendered-out <dir>] [--base <ref>] [--list] [--out <file>]';
const about = `Resolves every image of dist/ (and with --charts, of every object the pinned charts render) against
its registry: the tag (or digest) must exist; the digest it points to goes into the report (Markdown,
for the PR comment). Anonymous pulls only (public images; a private one is reported as such).
--rendered-out <dir>: also write what each chart renders to <dir>/<release>.yaml (for a manifest scanner).
--base <ref>: only the images that dist/ at <ref> does not have (what a PR changes).
--list: print the images, one a line, and resolve nothing (for a scanner to loop over).
Exit codes: 0 every image resolved, 1 an image does not exist or cannot be resolved, 2 bad usage.`;
const { values } = parseCommandLine('check-images', { usage, about }, {
  dist: { type: 'string', default: 'dist' },
  charts: { type: 'string' },
  pull: { type: 'boolean', default: false },
  helm: { type: 'string' },
  base: { type: 'string' },
  list: { type: 'boolean', default: false },
  out: { type: 'string' },
  'rendered-out': { type: 'string' },
});

/** Runs `work` over `items`, `limit` at a time. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  }));
  return out;
}

async function main() {
  const root = repoRoot(process.cwd());
  const files = readDistDir(resolve(root, values.dist!));
  if (!files.size) return exitWith('check-images', `--dist: got ${values.dist}, expected a folder with rendered manifests (npm run synth)`, 2);
  const imagesIn = (dist: ReadonlyMap<string, string>) => {
    const images = imagesOf([...collectObjects(dist).values()].map((o) => o.manifest));
    if (values.charts) {
      const opts = { helm: resolveHelm(values.helm), charts: resolve(values.charts), kubeVersion: kubernetesVersionOf(cluster), pull: values.pull };
      for (const { release, objects } of renderChartObjects(dist, opts)) {
        imagesOf(objects.map((o) => o.manifest), ` (chart ${release.chart} ${release.version})`, images);
        if (values['rendered-out'] && dist === files) {
          mkdirSync(values['rendered-out'], { recursive: true });
          writeFileSync(join(values['rendered-out'], `${release.release}.yaml`), objects.map((o) => toYaml(o.manifest)).join('---\n'));
        }
      }
    }
    return images;
  };
  const images = imagesIn(files);
  if (values.base) {
    const before = imagesIn(readDistAtRef(root, values.base, values.dist));
    for (const ref of before.keys()) images.delete(ref);
  }
  const refs = [...images.keys()].sort();
  if (values.list) {
    process.stdout.write(refs.map((r) => `${r}\n`).join(''));
    return;
  }
  const results = await pooled(refs, 6, (ref) => resolveImage(ref).catch((err): Resolution => ({ found: false, reason: `the registry could not be reached: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}` })));
  const missing = refs.filter((_, i) => !results[i]!.found);
  const scope = values.base ? ` that dist/ at ${values.base} does not have` : '';
  const lines = [`### Images${scope}: ${refs.length - missing.length} of ${refs.length} resolved against their registries`, ''];
  if (refs.length) lines.push('| | image | digest | used by |', '| --- | --- | --- | --- |');
  refs.forEach((ref, i) => {
    const r = results[i]!;
    const users = images.get(ref)!.join(', ');
    lines.push(r.found ? `| ✅ | \`${ref}\` | \`${r.digest}\` | ${users} |` : `| ❌ | \`${ref}\` | ${r.reason} | ${users} |`);
  });
  const report = `${lines.join('\n')}\n`;
  process.stdout.write(report);
  if (values.out) writeFileSync(values.out, report);
  for (const ref of missing) console.error(`check-images: ${ref}: ${(results[refs.indexOf(ref)] as { reason: string }).reason} (used by ${images.get(ref)!.join(', ')})`);
  if (missing.length) process.exitCode = 1;
}

main().catch((err) => exitWith('check-images', (err as Error).message, 2));
