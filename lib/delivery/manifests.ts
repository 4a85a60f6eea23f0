import { parseAllDocuments } from 'yaml';
import { groupOf, isBuiltInGroup, PHASES, type Manifest, type Phase } from '../render';

/*
 * Reading dist/ back: the rendered files as Kubernetes objects, keyed the same way on both sides
 * of a diff and for the apply plan. Pure functions over `{ path: text }`, no file system here.
 */

/** A rendered object with where it came from. */
export interface DistObject {
  /** `group/kind/namespace/name`, the identity of the object (the version is not part of it). */
  readonly key: string;
  /** Path relative to dist/, e.g. `04-apps/app-site.yaml`. */
  readonly file: string;
  readonly phase: Phase | undefined;
  readonly manifest: Manifest;
}

/** The identity of an object across dist/ versions: group, kind, namespace and name. */
export function objectKey(m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${groupOf(m.apiVersion)}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

/** `Deployment site/site`, `Namespace site`, `HelmChart.helm.cattle.io kube-system/traefik`: what a human reads. */
export function displayName(m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = groupOf(m.apiVersion);
  const kind = group && !isBuiltInGroup(m.apiVersion) ? `${m.kind}.${group}` : m.kind;
  const ns = m.metadata.namespace;
  return `${kind} ${ns ? `${ns}/` : ''}${m.metadata.name}`;
}

export function phaseOfPath(file: string): Phase | undefined {
  const dir = file.split('/')[0];
  return (PHASES as readonly string[]).includes(dir) ? (dir as Phase) : undefined;
}

/** Parses one dist file (comment header, `---`-separated documents). Throws on YAML errors. */
export function parseManifests(text: string, file = '<input>'): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: a document is not a mapping`);
    const m = value as Manifest;
    if (typeof m.apiVersion !== 'string' || typeof m.kind !== 'string' || typeof m.metadata?.name !== 'string') {
      throw new Error(`${file}: a document has no apiVersion, kind or metadata.name`);
    }
    out.push(m);
  }
  return out;
}

/** Every object of a set of dist files (`{ '04-apps/app-site.yaml': text }`), in file order. */
export function collectObjects(files: ReadonlyMap<string, string>): Map<string, DistObject> {
  const objects = new Map<string, DistObject>();
  for (const file of [...files.keys()].sort()) {
    for (const manifest of parseManifests(files.get(file)!, file)) {
      const key = objectKey(manifest);
      const previous = objects.get(key);
      if (previous) throw new Error(`${key} is rendered twice: ${previous.file} and ${file}`);
      objects.set(key, { key, file, phase: phaseOfPath(file), manifest });
    }
  }
  return objects;
}

/** Only the rendered manifests: `<phase>/<file>.yaml` one level under dist/. */
export function isDistManifestPath(relPath: string): boolean {
  return /^[^/]+\/[^/]+\.ya?ml$/.test(relPath);
}

/** How `kubectl diff` names an object's file: `<group>.<version>.<Kind>.<namespace>.<name>`. */
export const diffFileName = (m: Manifest) => `${m.apiVersion.replace('/', '.')}.${m.kind}.${m.metadata.namespace ?? ''}.${m.metadata.name}`;

/** The objects `kubectl diff` reports (its `diff -u -N .../LIVE-n/<file> ...` lines), named as people read them. */
export function parseDiffObjects(output: string, objects: Iterable<DistObject> = []): string[] {
  const byFile = new Map([...objects].map((o) => [diffFileName(o.manifest), displayName(o.manifest)]));
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^diff -u -N \S*\/LIVE-[^/]+\/(\S+)\s/.exec(line);
    if (m) out.push(byFile.get(m[1]!) ?? m[1]!);
  }
  return out;
}
