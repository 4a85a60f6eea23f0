import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseAllDocuments, type Node } from 'yaml';
import { credentialsRule } from './secret-rules';
import { processesOf, type AppSpec } from './spec/types';
import { SpecError } from './validation';

/*
 * Synth runs the repository's own secret scanner (secretlint, with .secretlintrc.json) over what it
 * is about to write, so a token or a credential-bearing URL typed into an app's env never reaches
 * dist/ or git. A finding names the app file and the field (the env var), never the value.
 */

interface Finding {
  readonly file: string;
  readonly ruleId: string;
  readonly messageId?: string;
  readonly offset: number;
}

/** The key path to the deepest node of `text` that contains `offset`, and that document's object. */
function locate(text: string, offset: number): { path: (string | number)[]; doc: unknown } | undefined {
  for (const doc of parseAllDocuments(text)) {
    if (!doc.contents || offset < doc.range[0] || offset >= doc.range[2]) continue;
    const path: (string | number)[] = [];
    let node: Node | null = doc.contents as Node;
    const inside = (n: unknown): n is Node => !!n && !!(n as Node).range && (n as Node).range![0] <= offset && offset < (n as Node).range![2];
    while (node && (isMap(node) || isSeq(node))) {
      let next: Node | null = null;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (inside(pair.value) || inside(pair.key)) {
            path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
            next = inside(pair.value) ? (pair.value as Node) : null;
            break;
          }
        }
      } else {
        const index = node.items.findIndex(inside);
        if (index >= 0) {
          path.push(index);
          next = node.items[index] as Node;
        }
      }
      node = next;
    }
    return { path, doc: doc.toJS() };
  }
  return undefined;
}

function valueAt(root: unknown, path: readonly (string | number)[]): any {
  return path.reduce<any>((v, k) => (v == null ? undefined : v[k]), root);
}

/** `apps/x.ts` for an app's rendered file (`04-apps/app-x.yaml`), else the dist/ file itself. */
function sourceOf(distFile: string, apps: readonly AppSpec[]): { file: string; app?: AppSpec } {
  const name = /(?:^|\/)app-([^/]+)\.yaml$/.exec(distFile)?.[1];
  const app = apps.find((a) => a.name === name);
  return app ? { file: app.file, app } : { file: `dist/${distFile} (rendered from charts/ and config/)` };
}

/** A config file's field (`components.web.files./etc/app.yml`) from its ConfigMap `<process>-files` and key `<n>-<file name>`. */
function configFileField(app: AppSpec, configMap: string, key: string): string | undefined {
  const process = processesOf(app).find((p) => `${p.name}-files` === configMap);
  const path = process && Object.keys(process.files).sort()[Number.parseInt(key, 10) - 1];
  return path ? `${process.field ? `${process.field}.` : ''}files.${path}` : undefined;
}

/** Where a finding sits, as the app's own field when it is an env var, else as the rendered field. */
function fieldOf(finding: Finding, text: string, app: AppSpec | undefined): string {
  const located = locate(text, finding.offset);
  if (!located) return '(somewhere in the file)';
  const { path, doc } = located;
  const envAt = path.findIndex((k, i) => k === 'env' && path[i - 2] === 'containers');
  if (envAt >= 0 && typeof path[envAt + 1] === 'number') {
    const envName = valueAt(doc, [...path.slice(0, envAt + 2), 'name']);
    const workload = valueAt(doc, ['metadata', 'name']);
    const process = app ? processesOf(app).find((p) => p.name === workload || (p.kind === 'job' && String(workload).startsWith(`${p.name}-`))) : undefined;
    return `${process?.field ? `${process.field}.` : ''}env.${envName}`;
  }
  const kind = valueAt(doc, ['kind']);
  const name = valueAt(doc, ['metadata', 'name']);
  const file = kind === 'ConfigMap' && path[0] === 'data' && app ? configFileField(app, String(name), String(path[1])) : undefined;
  return file ?? `${kind} ${name}: ${path.join('.')}`;
}

/** Whether `field` (`components.web.env.X`) is an env var its process declares `notSecret`, with a reason. */
function declaredNotSecret(app: AppSpec, field: string): boolean {
  const m = /^(?:(.*)\.)?env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(field);
  if (!m) return false;
  const process = processesOf(app).find((p) => p.field === (m[1] ?? ''));
  return process?.notSecret?.[m[2]!] !== undefined;
}

type SecretlintConfig = Parameters<typeof import('@secretlint/core').lintSource>[0]['options']['config'];

/**
 * `.secretlintrc.json` as secretlint's config loader would load it. A config that only lists rules
 * this repository installs, by their full package name (ours does), is built directly with those
 * rule modules: the loader's JSON-schema compile and module resolution cost synth ~70 ms per run.
 * Anything else goes through the loader.
 */
export async function loadSecretlintConfig(root: string): Promise<SecretlintConfig> {
  const path = `${root}/.secretlintrc.json`;
  let raw: { rules?: { id?: unknown; [key: string]: unknown }[]; [key: string]: unknown } | undefined;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    raw = undefined; // missing or not JSON: the loader reports it in its own words
  }
  const known: Record<string, () => Promise<{ creator: unknown }>> = {
    '@secretlint/secretlint-rule-preset-recommend': () => import('@secretlint/secretlint-rule-preset-recommend'),
  };
  const simple =
    raw &&
    Object.keys(raw).every((k) => k === 'rules') &&
    Array.isArray(raw.rules) &&
    raw.rules.every((r) => typeof r?.id === 'string' && Object.hasOwn(known, r.id) && Object.keys(r).every((k) => k === 'id'));
  if (simple) {
    // What the loader returns for `{ "id": <preset> }`: the rule module's creator under the same id.
    const rules = await Promise.all(raw!.rules!.map(async ({ id }) => ({ id: id as string, rule: (await known[id as string]!()).creator })));
    return { rules } as unknown as SecretlintConfig;
  }
  const { loadConfig } = await import('@secretlint/config-loader');
  return (await loadConfig({ cwd: root, configFilePath: path })).config;
}

/** The config plus this repository's own rule (lib/secret-rules.ts): what the preset does not catch. */
async function withCredentialsRule(config: SecretlintConfig): Promise<SecretlintConfig> {
  const rule = { id: 'hobby-infra/credentials', rule: await credentialsRule() };
  return { ...config, rules: [...config.rules, rule] } as unknown as SecretlintConfig;
}

/**
 * Lints `files` (dist/-relative path -> text) with secretlint, configured by `.secretlintrc.json`
 * in `root`. Throws a SpecError per source file with one line per finding; values are never shown.
 */
export async function refuseSecrets(files: ReadonlyMap<string, string>, apps: readonly AppSpec[], root: string): Promise<void> {
  // Loaded lazily: secretlint's rules are only needed when synth is about to write.
  const [{ lintSource }, { secretLintProfiler }] = await Promise.all([import('@secretlint/core'), import('@secretlint/profiler')]);
  // Its profiler marks every rule on every file and searches all earlier marks each time (quadratic:
  // most of synth's time at 1000 apps); nobody reads it here. secretlint 12 has no switch for it.
  (secretLintProfiler as unknown as { mark: (marker: unknown) => void }).mark = () => {};
  const config = await withCredentialsRule(await loadSecretlintConfig(root));
  // One source of every file, a line apart, and each finding mapped back to its file: a call per file
  // cost three times as much at 1000 apps (secretlint sets every rule up again for each source).
  const names = [...files.keys()];
  const starts: number[] = [];
  let at = 0;
  for (const name of names) {
    starts.push(at);
    at += files.get(name)!.length + 1;
  }
  const result = await lintSource({
    source: { filePath: `${root}/dist/all.yaml`, content: names.map((name) => files.get(name)!).join('\n'), ext: '.yaml', contentType: 'text' },
    options: { config, maskSecrets: true },
  });
  const findings: Finding[] = result.messages.map((m) => {
    const offset = m.range[0];
    let i = starts.length - 1;
    while (starts[i]! > offset) i--;
    return { file: names[i]!, ruleId: m.ruleId, messageId: m.messageId, offset: offset - starts[i]! };
  });
  if (!findings.length) return;
  // Each flagged field once, with every format it was flagged for; an env var the app declares notSecret is left out.
  const flagged = new Map<string, { file: string; app?: AppSpec; field: string; ids: string[] }>();
  for (const f of findings) {
    const { file, app } = sourceOf(f.file, apps);
    const field = fieldOf(f, files.get(f.file)!, app);
    if (app && declaredNotSecret(app, field)) continue;
    const key = `${file}\0${field}`;
    const entry = flagged.get(key) ?? { file, app, field, ids: [] };
    const id = f.messageId ?? f.ruleId;
    if (!entry.ids.includes(id)) entry.ids.push(id);
    flagged.set(key, entry);
  }
  if (!flagged.size) return;
  const problems = new Map<string, string[]>();
  for (const { file, app, field, ids: all } of flagged.values()) {
    // A named format says more than randomness: the entropy finding only stands alone.
    const named = all.filter((id) => !id.startsWith('HIGH_ENTROPY'));
    const ids = named.length ? named : all;
    const where = app ? `Infisical under /apps/${app.name} with \`secrets: true\`` : 'Infisical, referenced through an ExternalSecret';
    const env = /(?:^|\.)env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(field);
    const override = env ? ` (if it is not a secret, say why beside env: \`notSecret: { ${env[1]}: '...' }\`)` : '';
    const line = `${field}: got a value secretlint flags as a secret (${ids.join(', ')}), expected no secret in git or dist/: keep it in ${where}${override}`;
    problems.set(file, [...(problems.get(file) ?? []), line]);
  }
  const [[file, lines], ...others] = [...problems] as [[string, string[]], ...[string, string[]][]];
  throw new SpecError(file, [...lines, ...others.flatMap(([other, more]) => more.map((l) => `${other}: ${l}`))]);
}
