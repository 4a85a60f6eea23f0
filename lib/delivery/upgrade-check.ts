import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { toYaml } from '../yaml';
import { isBuiltInGroup, type Manifest } from '../render';
import type { ControlPlane } from './control-plane';
import { displayName } from './manifests';

/*
 * What a given kube-apiserver version says about a set of objects, before the cluster runs it:
 * each object goes through a server-side dry-run apply (validation, defaulting, admission; nothing
 * is stored), and the API server's Warning headers (deprecated API versions, Pod Security of a
 * workload template, ...) are kept per object, as kubectl prints them. Used by `npm run
 * check-upgrade` against the next Kubernetes minor built by the harness.
 */

export interface ObjectVerdict {
  /** `Deployment site/site`, or `Pod site/site-admission-check (from Deployment site/site)`. */
  readonly object: string;
  /** The API server's refusal, one line; undefined when accepted. */
  readonly refused?: string;
  /** The Warning headers it returned, one line each. */
  readonly warnings: readonly string[];
}

/** kubectl with the control plane's admin kubeconfig: exit status, stdout and stderr (never throws). */
function kubectl(cp: Pick<ControlPlane, 'binDir' | 'env'>, args: readonly string[], input: string) {
  const r = spawnSync(join(cp.binDir, 'kubectl'), args, { env: cp.env, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** kubectl's stderr split into the server's warnings (`Warning: …`) and the error line, if any. */
export function readKubectlStderr(stderr: string): { warnings: string[]; error?: string } {
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const line of stderr.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const warning = /^Warning: (.*)$/.exec(line);
    if (warning) warnings.push(warning[1]!);
    else errors.push(line.replace(/^error: /, '').replace(/^Error from server \([^)]*\): (?:error when [^:]*: )?/, ''));
  }
  return { warnings, error: errors.length ? errors.join(' ') : undefined };
}

/**
 * Applies `manifest` (`namespace`: the one it goes to when it names none) for real (`dryRun` false: the namespaces and CRDs the other objects need) or as
 * a server-side dry run, and returns what the API server said.
 */
export function applyAndListen(cp: Pick<ControlPlane, 'binDir' | 'env'>, manifest: Manifest, opts: { dryRun: boolean; name?: string; namespace?: string }): ObjectVerdict {
  const args = ['apply', '--server-side', '--field-manager=check-upgrade', '--force-conflicts', '-f', '-'];
  if (opts.dryRun) args.splice(1, 0, '--dry-run=server');
  // A chart's namespaced objects leave their namespace to the release (kubectl ignores it for cluster-scoped ones).
  if (opts.namespace) args.push('--namespace', opts.namespace);
  const { status, stderr } = kubectl(cp, args, toYaml(manifest));
  const { warnings, error } = readKubectlStderr(stderr);
  const object = opts.name ?? displayName(manifest);
  if (status === 0) return { object, warnings };
  // kubectl's "no matches for kind" on a Kubernetes API group: the version is not served (removed).
  const unserved = /no matches for kind "[^"]+" in version "([^"]+)"/.exec(error ?? '');
  if (unserved && isBuiltInGroup(unserved[1]!)) return { object, warnings, refused: `${manifest.kind} ${unserved[1]} is not served by this API server (a removed or never-served API version)` };
  return { object, warnings, refused: error ?? `kubectl exited ${status}` };
}

/** Waits until the CRDs applied are served (Established), so custom resources can be checked. */
export function waitForCrds(cp: Pick<ControlPlane, 'binDir' | 'env'>, names: readonly string[]): string | undefined {
  if (!names.length) return undefined;
  const { status, stderr } = kubectl(cp, ['wait', '--for=condition=Established', '--timeout=60s', ...names.map((n) => `crd/${n}`)], '');
  return status === 0 ? undefined : stderr.trim();
}

/** The findings as Markdown, refusals first; `version` is the API server's own gitVersion. */
export function upgradeReport(version: string, verdicts: readonly ObjectVerdict[]): string {
  const refused = verdicts.filter((v) => v.refused);
  const warned = verdicts.filter((v) => !v.refused && v.warnings.length);
  const lines = [`### Upgrade check: kube-apiserver ${version}`, ''];
  if (!refused.length && !warned.length) lines.push(`- ✅ the API server accepts all ${verdicts.length} objects, without a warning`);
  else lines.push(`- ${refused.length ? '❌' : '⚠️'} ${verdicts.length} objects: ${refused.length} refused, ${warned.length} accepted with warnings`);
  for (const v of refused) lines.push(`- ❌ refused: \`${v.object}\`: ${v.refused}`, ...v.warnings.map((w) => `  - ⚠️ ${w}`));
  for (const v of warned) lines.push(`- ⚠️ \`${v.object}\`:`, ...v.warnings.map((w) => `  - ${w}`));
  return `${lines.join('\n')}\n`;
}
