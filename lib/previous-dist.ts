import { existsSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { readDistDir } from './delivery/diff';
import type { DistObject } from './spec/restore-sources';

/*
 * The dist/ synth is about to replace: the committed one, which is the state the cluster was last
 * given. The checks that compare a change with it (storage never shrinks, lib/spec/storage-shrink.ts;
 * a restore names a Cluster the cluster had, lib/spec/restore-sources.ts) read its apps' database
 * Clusters and claims through here, and stay pure functions of those objects.
 */

/** A document of a database Cluster or a claim; nothing else is read. */
const STORAGE_KIND = /^kind: (?:Cluster|PersistentVolumeClaim)$/m;

/** The database Clusters and claims of rendered files (`{ path: yaml }`), with the fields DistObject names. */
export function storageObjects(files: ReadonlyMap<string, string>): DistObject[] {
  const objects: DistObject[] = [];
  for (const text of files.values()) {
    if (!STORAGE_KIND.test(text)) continue;
    for (const doc of text.split(/^---$/m)) {
      if (STORAGE_KIND.test(doc)) objects.push(storageFields(doc) ?? distObjectOf(parse(doc)));
    }
  }
  return objects;
}

/** The apps' Clusters and claims (04-apps/) of the dist/ in `dir`, or undefined when there is no dist/ there yet. */
export function readPreviousStorage(dir: string): DistObject[] | undefined {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return undefined;
  return storageObjects(readDistDir(dir, ['04-apps']));
}

/** The fields DistObject names, by their path in a document (`[]`: any item of a list). */
const SERVER_NAME = 'spec.externalClusters.[].plugin.parameters.serverName';
const WANTED = new Set(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace', 'spec.storage.size', 'spec.resources.requests.storage', SERVER_NAME]);

/** Only the fields DistObject names, from a parsed object: what storageFields gives for the same document. */
export function distObjectOf(o: any): DistObject {
  const serverNames = (o?.spec?.externalClusters ?? []).map((c: any) => c?.plugin?.parameters?.serverName).filter((s: unknown) => s !== undefined);
  const value = (path: string) => path.split('.').reduce((v: any, k) => v?.[k], o);
  const fields = new Map([...WANTED].filter((p) => p !== SERVER_NAME).map((p) => [p, value(p)] as const).filter(([, v]) => v !== undefined && v !== null));
  return build(fields, serverNames);
}

function build(fields: ReadonlyMap<string, unknown>, serverNames: readonly unknown[]): DistObject {
  const o: any = {};
  for (const [path, v] of fields) {
    const keys = path.split('.');
    let at = o;
    for (const k of keys.slice(0, -1)) at = at[k] ??= {};
    at[keys.at(-1)!] = typeof v === 'string' ? v : String(v);
  }
  if (serverNames.length) ((o.spec ??= {}).externalClusters = serverNames.map((s) => ({ plugin: { parameters: { serverName: String(s) } } })));
  return o as DistObject;
}

/** A simple block-mapping key and what follows it on the line. */
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_./-]*):(?: (.*))?$/;
/** A value that is nothing (the key opens a block), or what the writer writes for an empty map or list. */
const OPENS_BLOCK = /^(?:|\{\}|\[\])$/;

/**
 * DistObject's fields of one document, read line by line as the project's writer lays YAML out
 * (block style, no folding: lib/yaml.ts): parsing 2000 documents with the yaml library cost synth
 * ~140 ms at 1000 apps. Whatever it is not sure of (a flow collection, an anchor, a tag, a block
 * scalar or comment where a wanted field is, a key it cannot read) gives undefined, and the caller
 * parses the document fully. test/restore-sources.test.ts holds it to the yaml library's reading.
 */
export function storageFields(doc: string): DistObject | undefined {
  const stack: { indent: number; key: string; item: boolean }[] = [];
  const fields = new Map<string, unknown>();
  const serverNames: unknown[] = [];
  let skipDeeperThan = -1;
  for (const raw of doc.split('\n')) {
    const trimmed = raw.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    let indent = raw.length - trimmed.length;
    if (skipDeeperThan >= 0 && indent > skipDeeperThan) continue;
    skipDeeperThan = -1;
    let body = trimmed;
    if (raw.includes('\t')) return undefined;
    // `- ` opens a list item; what follows on the line is read as if it stood two columns in.
    let item = false;
    while (body === '-' || body.startsWith('- ')) {
      while (stack.length && (stack.at(-1)!.indent > indent || (stack.at(-1)!.indent === indent && stack.at(-1)!.item))) stack.pop();
      stack.push({ indent, key: '[]', item: true });
      body = body.slice(2);
      indent += 2;
      item = true;
    }
    if (body === '') continue;
    const m = KEY_LINE.exec(body);
    if (!m) {
      // A plain scalar item of a list holds no field; any other line (a quoted or complex key) might.
      if (item && !/^["'{[&*!|>?]/.test(body) && !/: |:$/.test(body)) continue;
      return undefined;
    }
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), m[1]].join('.');
    const value = m[2] ?? '';
    if (OPENS_BLOCK.test(value)) {
      stack.push({ indent, key: m[1]!, item: false });
      continue;
    }
    if (/^[{[&*!]/.test(value) || (/^[|>]/.test(value) && WANTED.has(path))) return undefined;
    if (/^[|>]/.test(value)) {
      skipDeeperThan = indent;
      continue;
    }
    if (!WANTED.has(path)) continue;
    // A comment, a quoted scalar or a null: left to the yaml library.
    if (/ #/.test(value) || /^['"]/.test(value) || /^(?:~|null|Null|NULL)$/.test(value)) return undefined;
    if (path === SERVER_NAME) serverNames.push(value);
    else fields.set(path, value);
  }
  return build(fields, serverNames);
}
