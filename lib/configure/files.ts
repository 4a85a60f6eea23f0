import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateSchema } from '../../bootstrap/state-schema';
import { clusterConfigSchema } from '../config';
import { describeIssues } from '../validation';
import { CLUSTER_FILE, CONFIG_FIELDS, fieldName, STATE_FILE, type ConfigField } from './fields';
import { findObject, readObject, setValues, type Literal, type ObjectSite } from './source';

/*
 * The two files configure writes, read as literals, changed, validated with the schemas synth and
 * the bootstrap use, and written only when every value of both files is valid: each through a
 * temporary file and a rename, so a reader never sees half a file.
 */

export interface ConfigFiles {
  readonly root: string;
  readonly cluster: ObjectSite;
  readonly state: ObjectSite;
}

export function readConfigFiles(root: string): ConfigFiles {
  const read = (file: string) => readFileSync(join(root, file), 'utf8');
  return {
    root,
    cluster: findObject(CLUSTER_FILE, read(CLUSTER_FILE), { call: 'defineCluster' }),
    state: findObject(STATE_FILE, read(STATE_FILE), { variable: 'STATE_BACKEND' }),
  };
}

const at = (obj: Literal, path: readonly string[]): Literal => path.reduce<Literal>((cur, key) => (cur && typeof cur === 'object' && !Array.isArray(cur) ? cur[key] : undefined), obj);

/** The current value of each field (undefined when unset or not a literal). */
export function currentValues(files: ConfigFiles): Map<ConfigField, Literal> {
  const cluster = readObject(files.cluster);
  const state = readObject(files.state);
  return new Map(CONFIG_FIELDS.map((f) => [f, at(f.file === CLUSTER_FILE ? cluster : state, f.path)]));
}

export interface Change {
  readonly field: ConfigField;
  readonly value: Literal;
}

/** Problems as `file: field: got X, expected Y`, one line each; empty when both files validate. */
function problemsOf(file: string, schema: typeof clusterConfigSchema | typeof stateSchema, input: Record<string, Literal>): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : describeIssues(input, result.error.issues).map((line) => `${file}: ${line}`);
}

/** The new texts of the files, or the problems that stop configure before anything is written. */
export function planChanges(files: ConfigFiles, changes: readonly Change[]): { texts: Map<string, string>; problems: string[] } {
  const edits = (file: string) => changes.filter((c) => c.field.file === file).map((c) => ({ path: c.field.path, value: c.value }));
  const problems: string[] = [];
  const texts = new Map<string, string>();
  for (const site of [files.cluster, files.state]) {
    try {
      texts.set(site.file, setValues(site, edits(site.file)));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length) return { texts, problems };
  const cluster = readObject(findObject(CLUSTER_FILE, texts.get(CLUSTER_FILE)!, { call: 'defineCluster' }));
  const state = readObject(findObject(STATE_FILE, texts.get(STATE_FILE)!, { variable: 'STATE_BACKEND' }));
  problems.push(...problemsOf(CLUSTER_FILE, clusterConfigSchema, cluster));
  // The state's account id is the config's (bootstrap/state.ts reads it from there).
  const stateProblems = problemsOf(STATE_FILE, stateSchema, { ...state, accountId: at(cluster, ['backups', 'r2', 'accountId']) });
  problems.push(...stateProblems.filter((p) => !p.startsWith(`${STATE_FILE}: accountId:`)));
  return { texts, problems };
}

/** Writes the changed files (temp file + rename); returns the files that changed. */
export function writeFiles(files: ConfigFiles, texts: ReadonlyMap<string, string>): string[] {
  const written: string[] = [];
  for (const site of [files.cluster, files.state]) {
    const text = texts.get(site.file);
    if (text === undefined || text === site.text) continue;
    const path = join(files.root, site.file);
    const temp = `${path}.configure-${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, path);
    written.push(site.file);
  }
  return written;
}

export { fieldName };
