import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { groupOf, type Manifest } from '../render';
import { collectObjects, displayName, isDistManifestPath, type DistObject } from './manifests';

/*
 * `npm run diff`: dist/ at a git ref against the working tree (or another ref), per Kubernetes
 * object. The rendered YAML is parsed, so header comments, document order and file moves make no
 * noise; a HelmChart's `spec.valuesContent` is parsed too, so a values change reads as a path
 * (`spec.valuesContent.ports.web.exposedPort`) instead of one changed string. The report (Markdown
 * for the PR comment, text for a terminal) is lib/delivery/diff-report.ts.
 */

// ---------------------------------------------------------------------------------------------
// Reading dist/ from git and from the working tree

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function gitOk(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args).trim();
  } catch {
    return undefined;
  }
}

export function repoRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).trim();
}

/** A commit id for `ref`, or an error naming the ref. */
export function resolveCommit(cwd: string, ref: string): string {
  const sha = gitOk(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!sha) throw new Error(`not a commit: ${ref}`);
  return sha;
}

/**
 * The default base: the merge-base of HEAD with `main` (or `origin/main` in a CI checkout that has
 * no local main), else HEAD itself, else nothing (a repository without commits: everything is added).
 */
export function defaultBase(cwd: string): string | undefined {
  if (!gitOk(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) return undefined;
  for (const candidate of ['main', 'origin/main']) {
    if (!gitOk(cwd, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`])) continue;
    const mergeBase = gitOk(cwd, ['merge-base', 'HEAD', candidate]);
    if (mergeBase) return mergeBase;
  }
  return resolveCommit(cwd, 'HEAD');
}

/** `{ '04-apps/app-site.yaml': text }` of dist/ at a commit; empty when the commit has no dist/. */
export function readDistAtRef(root: string, ref: string, distDir = 'dist'): Map<string, string> {
  const files = new Map<string, string>();
  const listing = git(root, ['ls-tree', '-r', '-z', '--full-name', '--name-only', ref, '--', `${distDir}/`]);
  const paths = listing.split('\0').filter((path) => path && isDistManifestPath(path.slice(distDir.length + 1)));
  if (!paths.length) return files;
  // One `git cat-file --batch` for every file (a process per file was most of a diff's time).
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: root, input: paths.map((path) => `${ref}:${path}\n`).join(''), maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  let at = 0;
  for (const path of paths) {
    // Each answer is `<oid> blob <size>\n<content>\n`.
    const headerEnd = out.indexOf(0x0a, at);
    const [, type, size] = out.subarray(at, headerEnd).toString('utf8').split(' ');
    if (type !== 'blob') throw new Error(`git cat-file: ${ref}:${path}: got ${type ?? 'nothing'}, expected a file`);
    const start = headerEnd + 1;
    files.set(path.slice(distDir.length + 1), out.subarray(start, start + Number(size)).toString('utf8'));
    at = start + Number(size) + 1;
  }
  return files;
}

/** The same from the file system (tracked or not: the working tree as `npm run synth` left it); `phases` only, when given. */
export function readDistDir(dir: string, phases?: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const phase of readdirSync(dir, { withFileTypes: true })) {
    if (!phase.isDirectory() || (phases && !phases.includes(phase.name))) continue;
    for (const file of readdirSync(join(dir, phase.name), { withFileTypes: true })) {
      const rel = `${phase.name}/${file.name}`;
      if (file.isFile() && isDistManifestPath(rel)) files.set(rel, readFileSync(join(dir, rel), 'utf8'));
    }
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// Object and field comparison

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  readonly op: 'changed' | 'added' | 'removed';
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ChangedObject {
  readonly key: string;
  readonly name: string;
  readonly before: DistObject;
  readonly after: DistObject;
  readonly fields: FieldChange[];
}

export interface DiffResult {
  readonly added: DistObject[];
  readonly removed: DistObject[];
  readonly changed: ChangedObject[];
  readonly unchanged: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isHelmChart(m: Manifest): boolean {
  return m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io';
}

/**
 * The object as it is compared and shown: a HelmChart's `spec.valuesContent` string becomes the
 * values it holds (when it parses as a YAML mapping), everything else stays as rendered.
 */
export function normalize(m: Manifest): Manifest {
  if (!isHelmChart(m) || !isObject(m.spec) || typeof m.spec.valuesContent !== 'string') return m;
  let values: unknown;
  try {
    values = parse(m.spec.valuesContent);
  } catch {
    return m;
  }
  if (!isObject(values) && values !== null) return m;
  return { ...m, spec: { ...m.spec, valuesContent: values ?? {} } };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function pathKey(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** The changed leaves between two values; a subtree present on one side only is one change. */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (deepEqual(a, b)) return;
    if (a === undefined) return void out.push({ path: p, op: 'added', after: b });
    if (b === undefined) return void out.push({ path: p, op: 'removed', before: a });
    if (isObject(a) && isObject(b)) {
      const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
      for (const k of keys) walk(a[k], b[k], pathKey(p, k));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
      return;
    }
    out.push({ path: p, op: 'changed', before: a, after: b });
  };
  walk(before, after, path);
  return out;
}

export function diffObjects(base: ReadonlyMap<string, DistObject>, head: ReadonlyMap<string, DistObject>): DiffResult {
  const order = (a: DistObject, b: DistObject) => a.file.localeCompare(b.file) || a.key.localeCompare(b.key);
  const added = [...head.values()].filter((o) => !base.has(o.key)).sort(order);
  const removed = [...base.values()].filter((o) => !head.has(o.key)).sort(order);
  const changed: ChangedObject[] = [];
  let unchanged = 0;
  for (const after of [...head.values()].sort(order)) {
    const before = base.get(after.key);
    if (!before) continue;
    const fields = fieldChanges(normalize(before.manifest), normalize(after.manifest));
    if (fields.length) changed.push({ key: after.key, name: displayName(after.manifest), before, after, fields });
    else unchanged++;
  }
  return { added, removed, changed, unchanged };
}

/** The whole comparison from file maps (`{ '04-apps/app-site.yaml': text }`). */
export function diffDist(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): DiffResult {
  return diffObjects(collectObjects(base), collectObjects(head));
}
