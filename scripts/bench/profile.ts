// Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) for `npm run bench -- --profile`:
// self time per package and the hottest functions, so a regression points at its cause.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The source module at each line of a bundle: esbuild starts each module with a `// <path>` comment
 * (`// node_modules/yaml/dist/...`, `// lib/render.ts`), so a profile of the bundles scripts/run.mjs
 * runs can still be told apart by package.
 */
const bundleIndexes = new Map<string, { line: number; path: string }[]>();
function sourceAt(url: string, line: number): string | undefined {
  if (!/\.cjs$/.test(url)) return undefined;
  let index = bundleIndexes.get(url);
  if (!index) {
    index = [];
    try {
      readFileSync(fileURLToPath(url.startsWith('file:') ? url : pathToFileURL(url)), 'utf8')
        .split('\n')
        .forEach((text, i) => /^\/\/ [\w@./-]+\.[cm]?[jt]sx?$/.test(text) && index!.push({ line: i, path: text.slice(3) }));
    } catch {
      /* not a readable file */
    }
    bundleIndexes.set(url, index);
  }
  let found: string | undefined;
  for (const entry of index) {
    if (entry.line > line) break;
    found = entry.path;
  }
  return found;
}

/** `yaml`, `cdk8s-plus-32`, `node:fs`, `(project)`, `(gc)`, ... for a call frame's URL. */
export function ownerOf(node: ProfileNode): string {
  const { functionName } = node.callFrame;
  let { url } = node.callFrame;
  if (!url) return functionName === '(garbage collector)' ? '(gc)' : functionName.startsWith('write') || functionName === 'unlink' ? '(fs)' : '(native)';
  const source = sourceAt(url, node.callFrame.lineNumber);
  if (source) url = source.startsWith('node_modules/') ? `/${source}` : `/(project)/${source}`;
  // The innermost package: cdk8s ships its own copy of yaml (cdk8s/node_modules/yaml) for instance.
  const pkg = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return '(node internals)';
  return '(project)';
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byOwner: { owner: string; ms: number }[];
  readonly topFunctions: { name: string; owner: string; ms: number }[];
}

export function summarizeProfile(path: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const owners = new Map<string, number>();
  const functions = new Map<string, { name: string; owner: string; ms: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') continue;
    const owner = ownerOf(node);
    const ms = us / 1000;
    total += ms;
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const file = (sourceAt(node.callFrame.url, node.callFrame.lineNumber) ?? node.callFrame.url).replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\//, '');
    const name = `${node.callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${node.callFrame.lineNumber + 1}` : ''}`;
    const f = functions.get(name) ?? { name, owner, ms: 0 };
    f.ms += ms;
    functions.set(name, f);
  }
  return {
    totalMs: Math.round(total),
    byOwner: [...owners].map(([owner, ms]) => ({ owner, ms: Math.round(ms) })).sort((a, b) => b.ms - a.ms),
    topFunctions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((f) => ({ ...f, ms: Math.round(f.ms) })),
  };
}

export function renderProfile(apps: number, s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(0)}%`;
  return [
    `CPU profile of the synth with ${apps} apps: ${s.totalMs} ms sampled (self time)`,
    '',
    '| owner | self time | share |',
    '| --- | ---: | ---: |',
    ...s.byOwner.map((o) => `| ${o.owner} | ${o.ms} ms | ${pct(o.ms)} |`),
    '',
    '| hottest functions | owner | self time |',
    '| --- | --- | ---: |',
    ...s.topFunctions.map((f) => `| \`${f.name}\` | ${f.owner} | ${f.ms} ms |`),
    '',
  ].join('\n');
}
