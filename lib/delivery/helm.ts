import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { groupOf, podSpecOf, type Manifest } from '../render';
import { diffObjects, type DiffResult } from './diff';
import { collectObjects, displayName, objectKey, type DistObject } from './manifests';

/*
 * The charts as they really render: each HelmChart of dist/ through a real `helm template`, with
 * the values helm-controller would give it, so a PR shows what a chart bump or a values change does
 * to the objects in the cluster, and checks can look at every container the charts deploy.
 * Charts come from a local folder (`helm pull` output, or a chart directory per version); nothing
 * here reaches the network unless `pull` is asked for.
 */

export interface HelmOptions {
  /** The helm binary: `--helm`, else $HELM, else `helm` on PATH. */
  readonly helm: string;
  /** Folder holding `<chart>-<version>.tgz` (what `helm pull` writes) or a `<chart>-<version>/` chart directory. */
  readonly charts: string;
  /** `.Capabilities.KubeVersion` for the templates: the cluster's version, e.g. `1.32.5`. */
  readonly kubeVersion: string;
  /** `helm pull` a chart that is not in `charts` yet (CI); otherwise a missing chart is an error. */
  readonly pull?: boolean;
}

/** What helm-controller installs for one HelmChart object. */
export interface ChartRelease {
  /** The HelmChart's identity in dist/ (`helm.cattle.io/HelmChart/kube-system/traefik`). */
  readonly key: string;
  /** Release name: helm-controller uses the HelmChart's name. */
  readonly release: string;
  readonly namespace: string;
  readonly chart: string;
  readonly repo?: string;
  readonly version: string;
  readonly values: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isHelmChart(m: Manifest): boolean {
  return m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io';
}

/** Deep merge as helm merges values files: maps merge, everything else is replaced. */
function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(out[k]) && isObject(v) ? mergeValues(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** The release a HelmChart object describes; its values are `spec.values` overlaid by `spec.valuesContent`. */
export function chartRelease(m: Manifest): ChartRelease {
  const spec = (m.spec ?? {}) as Record<string, unknown>;
  const content = typeof spec.valuesContent === 'string' ? (parse(spec.valuesContent) as unknown) : undefined;
  const values = mergeValues(isObject(spec.values) ? spec.values : {}, isObject(content) ? content : {});
  return {
    key: objectKey(m),
    release: m.metadata.name,
    namespace: String(spec.targetNamespace ?? m.metadata.namespace ?? 'default'),
    chart: String(spec.chart),
    repo: typeof spec.repo === 'string' ? spec.repo : undefined,
    version: String(spec.version ?? ''),
    values,
  };
}

/** `helm`, found or explained in one line. */
export function resolveHelm(explicit?: string): string {
  const helm = explicit ?? process.env.HELM ?? 'helm';
  try {
    execFileSync(helm, ['version', '--short'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new Error(`helm not found (${helm}): pass --helm <path> or set HELM; scripts/build-helm.sh <version> builds one from the official Go module (needs Go)`);
  }
  return helm;
}

/** The local chart for a release: `<chart>-<version>.tgz` or `<chart>-<version>/`, pulled first when asked. */
export function chartPath(release: Pick<ChartRelease, 'chart' | 'version' | 'repo'>, opts: Pick<HelmOptions, 'helm' | 'charts' | 'pull'>): string {
  const base = join(opts.charts, `${release.chart}-${release.version}`);
  for (const candidate of [`${base}.tgz`, base]) if (existsSync(candidate)) return candidate;
  if (opts.pull && release.repo) {
    mkdirSync(opts.charts, { recursive: true });
    const ref = release.repo.startsWith('oci://') ? [`${release.repo.replace(/\/$/, '')}/${release.chart}`] : [release.chart, '--repo', release.repo];
    execFileSync(opts.helm, ['pull', ...ref, '--version', release.version, '--destination', opts.charts], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (existsSync(`${base}.tgz`)) return `${base}.tgz`;
  }
  throw new Error(`chart ${release.chart} ${release.version} is not in ${opts.charts} (expected ${release.chart}-${release.version}.tgz from \`helm pull\`, or pass --pull)`);
}

/** A rendered object with the template it came from (`traefik/templates/daemonset.yaml`). */
export interface RenderedChartObject {
  readonly source: string;
  readonly manifest: Manifest;
}

/** Parses `helm template` output; helm's `# Source:` comment names each object's template. */
export function parseHelmOutput(text: string): RenderedChartObject[] {
  const out: RenderedChartObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`helm template output: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (!isObject(value) || typeof value.kind !== 'string') continue;
    const comment = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    const source = /Source: (\S+)/.exec(comment)?.[1] ?? '';
    out.push({ source, manifest: value as unknown as Manifest });
  }
  return out;
}

/**
 * `helm template` of one release, as helm-controller would install it (with CRDs and hooks; helm's
 * test hooks left out, helm-controller never runs them).
 */
export function renderRelease(release: ChartRelease, opts: HelmOptions): RenderedChartObject[] {
  const path = chartPath(release, opts);
  const dir = mkdtempSync(join(tmpdir(), 'helm-values-'));
  try {
    const valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, stringify(release.values, { lineWidth: 0 }));
    const args = ['template', release.release, path, '--namespace', release.namespace, '--kube-version', opts.kubeVersion, '--include-crds', '--values', valuesFile];
    let text: string;
    try {
      text = execFileSync(opts.helm, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      throw new Error(`helm template ${release.release} (${release.chart} ${release.version}): ${stderr.split('\n').pop() || (error as Error).message}`);
    }
    return parseHelmOutput(text).filter((o) => !/\btest(-success|-failure)?\b/.test(String(o.manifest.metadata?.annotations?.['helm.sh/hook' as never] ?? '')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every HelmChart of a set of dist files, rendered: for the checks below and for cluster tests. */
export function renderChartObjects(files: ReadonlyMap<string, string>, opts: HelmOptions): { release: ChartRelease; objects: RenderedChartObject[] }[] {
  return [...collectObjects(files).values()]
    .filter((o) => isHelmChart(o.manifest))
    .map((o) => {
      const release = chartRelease(o.manifest);
      return { release, objects: renderRelease(release, opts) };
    });
}

// ---------------------------------------------------------------------------------------------
// Diff of rendered charts

/** One HelmChart whose version or values changed, with the rendered objects that change. */
export interface ChartDiff {
  readonly key: string;
  /** `HelmChart.helm.cattle.io kube-system/traefik`. */
  readonly name: string;
  readonly chart: string;
  readonly before?: string;
  readonly after?: string;
  /** The namespace the old release installed into (the new one's, for a new chart): where helm puts objects that name none. */
  readonly namespace: string;
  readonly result: DiffResult;
}

/** Rendered objects keyed like dist/ objects; `file` is the chart template they came from. */
function asDistObjects(objects: readonly RenderedChartObject[]): Map<string, DistObject> {
  const map = new Map<string, DistObject>();
  for (const o of objects) {
    let key = objectKey(o.manifest);
    // A chart may render one name twice (a hook and its object); keep both, distinguishably.
    for (let i = 2; map.has(key); i++) key = `${objectKey(o.manifest)}#${i}`;
    map.set(key, { key, file: o.source, phase: undefined, manifest: o.manifest });
  }
  return map;
}

const releaseInput = (r: ChartRelease) => JSON.stringify([r.chart, r.repo, r.version, r.namespace, r.values]);

/**
 * For every HelmChart that is new, removed, or whose chart, version, namespace or values changed
 * between two sets of dist files: both sides rendered with helm and compared per object.
 */
export function diffRenderedCharts(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>, opts: HelmOptions): ChartDiff[] {
  const releases = (files: ReadonlyMap<string, string>) =>
    new Map([...collectObjects(files).values()].filter((o) => isHelmChart(o.manifest)).map((o) => [o.key, { release: chartRelease(o.manifest), manifest: o.manifest }]));
  const before = releases(base);
  const after = releases(head);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ChartDiff[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const a = after.get(key);
    if (b && a && releaseInput(b.release) === releaseInput(a.release)) continue;
    const render = (side?: { release: ChartRelease }) => asDistObjects(side ? renderRelease(side.release, opts) : []);
    const result = diffObjects(render(b), render(a));
    out.push({
      key,
      name: displayName((a ?? b)!.manifest),
      chart: (a ?? b)!.release.chart,
      before: b?.release.version,
      after: a?.release.version,
      namespace: (b ?? a)!.release.namespace,
      result,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks on rendered objects


/** `DaemonSet monitoring/x container node-exporter: no memory limit`, one line per gap. */
export function containerResourceProblems(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const missingIn = (r: Record<string, any> | undefined) =>
    [r?.requests?.cpu === undefined && 'cpu request', r?.requests?.memory === undefined && 'memory request', r?.limits?.memory === undefined && 'memory limit'].filter(Boolean);
  for (const m of objects) {
    // Grafana's Alloy operator turns each Alloy object into a workload of Alloy plus its config
    // reloader, with the resources given here: check them where the chart sets them.
    if (m.kind === 'Alloy' && groupOf(m.apiVersion) === 'collectors.grafana.com') {
      const spec = (m.spec ?? {}) as Record<string, any>;
      for (const [part, config] of [['alloy', spec.alloy], ['configReloader', spec.configReloader?.enabled === false ? undefined : spec.configReloader]] as const) {
        const missing = config === undefined && part === 'configReloader' ? [] : missingIn(config?.resources);
        if (missing.length) problems.push(`${displayName(m)} ${part}: no ${missing.join(', no ')}`);
      }
      continue;
    }
    const pod = podSpecOf(m);
    if (!pod) continue;
    for (const [field, label] of [['initContainers', 'init container'], ['containers', 'container']] as const) {
      for (const c of (pod[field] as Record<string, any>[] | undefined) ?? []) {
        const missing = missingIn(c.resources);
        if (missing.length) problems.push(`${displayName(m)} ${label} ${c.name}: no ${missing.join(', no ')}`);
      }
    }
  }
  return problems;
}
