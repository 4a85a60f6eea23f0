import { createHash } from 'node:crypto';
import { UNIVERSAL_AUTH_SECRET } from '../constructs/infisical';
import { groupOf, isBuiltInGroup, PHASES, type Manifest, type Phase } from '../render';
import { collectObjects, type DistObject } from './manifests';
import { crdNameOf } from './plural';

/*
 * `npm run apply`: the ordered list of kubectl commands that converges the cluster on dist/.
 *
 *  setup  the ApplySet parent type (a cluster-scoped CRD, see below)
 *  01     Namespaces and plain objects, then the Infisical Universal Auth Secret in every namespace
 *         that has a SecretStore (from env, piped on stdin, never on disk or in the output)
 *  02     HelmChart CRs, then: each helm-install-<chart> Job complete, the CRDs phases 03/04 use
 *         Established, and the Deployments of the charts that serve those CRDs Available (their
 *         admission webhooks must answer before the first custom resource is applied)
 *  03     issuers, stores, external secrets, certificates of the platform
 *  04     apps, then `rollout status` of each workload
 *
 * Every phase is one server-side apply (field manager `hobby-infra`, `--force-conflicts`: git wins
 * over hand edits) with `--prune --applyset`, so only objects that an earlier apply of the same
 * phase labelled as members can ever be deleted. Before it, the same command with
 * `--dry-run=server` lists what would be pruned, and the prune guard refuses Namespaces, PVCs,
 * HelmCharts (and CRDs, PVs) or more than `maxPrune` objects unless destruction is allowed.
 *
 * ApplySet parents: kubectl's default parent is a Secret, which is namespaced, and a namespaced
 * parent only works with `-n <ns>`, which makes kubectl reject every object of another namespace.
 * Our phases span many namespaces (and cluster-scoped objects), so each phase's parent is a
 * cluster-scoped custom resource `ApplySet.hobby-infra.dev` named `hobby-infra-<phase>`, whose CRD
 * carries the `applyset.kubernetes.io/is-parent-type: "true"` label kubectl requires. The CRD is
 * applied first (outside every ApplySet, so nothing ever prunes it).
 */

export const FIELD_MANAGER = 'hobby-infra';
export const APPLYSET_GROUP = 'hobby-infra.dev';
export const APPLYSET_KIND = 'ApplySet';
export const APPLYSET_CRD = `applysets.${APPLYSET_GROUP}`;
export const DEFAULT_MAX_PRUNE = 10;
export const INFISICAL_ENV = { clientId: 'INFISICAL_CLIENT_ID', clientSecret: 'INFISICAL_CLIENT_SECRET' } as const;

/** Kinds whose deletion loses data or takes a whole subtree with it: never pruned without the flag. */
export const PROTECTED_RESOURCES = [
  'namespace',
  'persistentvolumeclaim',
  'persistentvolume',
  'helmchart.helm.cattle.io',
  'customresourcedefinition.apiextensions.k8s.io',
] as const;

/** CRD group -> the HelmChart (by name) whose controller and admission webhook serve it. */
export const CRD_PROVIDERS: Readonly<Record<string, string>> = {
  'cert-manager.io': 'cert-manager',
  'acme.cert-manager.io': 'cert-manager',
  'external-secrets.io': 'external-secrets',
  'generators.external-secrets.io': 'external-secrets',
};

export const applySetName = (phase: Phase) => `hobby-infra-${phase}`;
export const applySetParent = (phase: Phase) => `applysets.${APPLYSET_GROUP}/${applySetName(phase)}`;

/**
 * The `applyset.kubernetes.io/part-of` label value kubectl puts on every member of an ApplySet:
 * `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1` (KEP-3659).
 */
export function computeApplySetId(name: string, namespace: string, kind: string, group: string): string {
  return `applyset-${createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url')}-v1`;
}

export const applySetId = (phase: Phase) => computeApplySetId(applySetName(phase), '', APPLYSET_KIND, APPLYSET_GROUP);

export function applySetParentCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: APPLYSET_CRD,
      labels: { 'applyset.kubernetes.io/is-parent-type': 'true', 'app.kubernetes.io/managed-by': FIELD_MANAGER },
    },
    spec: {
      group: APPLYSET_GROUP,
      scope: 'Cluster',
      names: { kind: APPLYSET_KIND, listKind: `${APPLYSET_KIND}List`, plural: 'applysets', singular: 'applyset' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Steps

export type StepKind = 'setup' | 'prune-guard' | 'apply' | 'secret' | 'wait' | 'rollout' | 'diff';

export interface Step {
  readonly phase: Phase | 'setup';
  readonly kind: StepKind;
  readonly title: string;
  /** The exact command, starting with `kubectl`. */
  readonly argv: readonly string[];
  /** Extra environment (shown in the plan as a prefix). */
  readonly env?: Readonly<Record<string, string>>;
  /** Content piped on stdin: what the plan shows, and how it is built at run time. */
  readonly stdin?: { readonly describe: string; readonly render: (env: NodeJS.ProcessEnv) => string };
  /** `Kind.group` of the custom-resource objects this step sends to the API server. */
  readonly customKinds: readonly string[];
  /** CRD names this step waits for. */
  readonly waitsForCrds?: readonly string[];
}

export interface PlanOptions {
  /** dist/ files: `{ '04-apps/app-site.yaml': text }`. */
  readonly files: ReadonlyMap<string, string>;
  /** How dist/ is named on the command line. */
  readonly distDir?: string;
  /** `apply` (default), `dry-run` (everything with --dry-run=server, no waits) or `drift` (kubectl diff). */
  readonly mode?: 'apply' | 'dry-run' | 'drift';
  readonly timeouts?: Partial<typeof DEFAULT_TIMEOUTS>;
  /** Wait for app rollouts after phase 04 (default true; the k3d end-to-end test cannot pull app images). */
  readonly rollouts?: boolean;
}

export const DEFAULT_TIMEOUTS = { crd: '5m', helmJob: '15m', webhook: '5m', rollout: '5m' };

const customKindOf = (m: Manifest) => (isBuiltInGroup(m.apiVersion) ? undefined : `${m.kind}.${groupOf(m.apiVersion)}`);
const uniqueSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

function crdsOf(objects: readonly DistObject[]): string[] {
  return uniqueSorted(objects.filter((o) => customKindOf(o.manifest)).map((o) => crdNameOf(o.manifest.kind, groupOf(o.manifest.apiVersion))));
}

/** Namespaces that have a SecretStore, so need the Universal Auth Secret. */
export function secretStoreNamespaces(objects: Iterable<DistObject>): string[] {
  return uniqueSorted(
    [...objects]
      .filter((o) => o.manifest.kind === 'SecretStore' && groupOf(o.manifest.apiVersion) === 'external-secrets.io' && o.manifest.metadata.namespace)
      .map((o) => o.manifest.metadata.namespace!),
  );
}

/** The Universal Auth Secrets as one v1 List, from the environment. Throws when a variable is missing. */
export function universalAuthSecrets(namespaces: readonly string[], env: NodeJS.ProcessEnv): string {
  const clientId = env[INFISICAL_ENV.clientId];
  const clientSecret = env[INFISICAL_ENV.clientSecret];
  const missing = [!clientId && INFISICAL_ENV.clientId, !clientSecret && INFISICAL_ENV.clientSecret].filter(Boolean);
  if (missing.length) throw new Error(`${missing.join(' and ')} must be set to create the ${UNIVERSAL_AUTH_SECRET.name} Secret`);
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: namespaces.map((namespace) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: UNIVERSAL_AUTH_SECRET.name, namespace, labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER } },
      type: 'Opaque',
      stringData: { [UNIVERSAL_AUTH_SECRET.clientIdKey]: clientId, [UNIVERSAL_AUTH_SECRET.clientSecretKey]: clientSecret },
    })),
  });
}

/** A phase's manifests with the ApplySet member label, as `kubectl apply` would send them (for `kubectl diff`). */
export function labelledManifests(objects: readonly DistObject[], phase: Phase): string {
  const items = objects.map(({ manifest }) => ({
    ...manifest,
    metadata: { ...manifest.metadata, labels: { ...((manifest.metadata.labels as Record<string, string>) ?? {}), 'applyset.kubernetes.io/part-of': applySetId(phase) } },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const ssa = ['--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts'];

export function buildPlan(opts: PlanOptions): Step[] {
  const dist = (opts.distDir ?? 'dist').replace(/\/$/, '');
  const mode = opts.mode ?? 'apply';
  const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const dryRun = mode === 'apply' ? [] : ['--dry-run=server'];
  const all = collectObjects(opts.files);
  const byPhase = new Map<Phase, DistObject[]>(PHASES.map((p) => [p, [...all.values()].filter((o) => o.phase === p)]));
  const present = PHASES.filter((p) => byPhase.get(p)!.length > 0);
  const steps: Step[] = [];
  const waited = new Set<string>();

  const crdWaits = (phase: Phase, crds: string[], why: string) => {
    const todo = crds.filter((c) => !waited.has(c));
    if (!todo.length || mode !== 'apply') return;
    todo.forEach((c) => waited.add(c));
    const refs = todo.map((c) => `crd/${c}`);
    steps.push({ phase, kind: 'wait', title: `CRDs exist (${why})`, argv: ['kubectl', 'wait', '--for=create', `--timeout=${t.crd}`, ...refs], customKinds: [] });
    steps.push({ phase, kind: 'wait', title: `CRDs Established (${why})`, argv: ['kubectl', 'wait', '--for=condition=Established', `--timeout=${t.crd}`, ...refs], customKinds: [], waitsForCrds: todo });
  };

  // Setup: the ApplySet parent type. In drift mode nothing is written, and the parents exist already.
  if (mode !== 'drift') {
    steps.push({
      phase: 'setup',
      kind: 'setup',
      title: 'ApplySet parent type (cluster-scoped CRD, outside every ApplySet)',
      argv: ['kubectl', 'apply', ...ssa, ...dryRun, '-f', '-'],
      stdin: { describe: `CustomResourceDefinition ${APPLYSET_CRD} (label applyset.kubernetes.io/is-parent-type=true)`, render: () => JSON.stringify(applySetParentCrd()) },
      customKinds: [],
    });
    if (mode === 'apply') {
      steps.push({ phase: 'setup', kind: 'wait', title: 'ApplySet CRD Established', argv: ['kubectl', 'wait', '--for=condition=Established', '--timeout=60s', `crd/${APPLYSET_CRD}`], customKinds: [] });
    }
  }

  for (const phase of present) {
    const objects = byPhase.get(phase)!;
    const customKinds = uniqueSorted(objects.map((o) => customKindOf(o.manifest)).filter((k): k is string => !!k));
    const applyArgv = ['kubectl', 'apply', ...ssa, `--applyset=${applySetParent(phase)}`, '--prune', '-f', `${dist}/${phase}/`];
    const env = { KUBECTL_APPLYSET: 'true' };

    // CRDs this phase needs and nothing earlier waited for (the HelmChart CRD ships with k3s).
    crdWaits(phase, crdsOf(objects), `used by ${phase}`);

    if (mode === 'drift') {
      steps.push({
        phase,
        kind: 'diff',
        title: `live objects differ from ${dist}/${phase}/`,
        argv: ['kubectl', 'diff', ...ssa, '-f', '-'],
        stdin: { describe: `${dist}/${phase}/*.yaml with label applyset.kubernetes.io/part-of=${applySetId(phase)}`, render: () => labelledManifests(objects, phase) },
        customKinds,
      });
    }
    steps.push({ phase, kind: 'prune-guard', title: `server dry run: what the apply would prune (prune guard)`, argv: [...applyArgv.slice(0, -2), '--dry-run=server', ...applyArgv.slice(-2)], env, customKinds });
    if (mode === 'apply') steps.push({ phase, kind: 'apply', title: `apply ${dist}/${phase}/ and prune its ApplySet`, argv: applyArgv, env, customKinds });
    if (mode === 'drift') continue;

    if (phase === '01-prerequisites') {
      const namespaces = secretStoreNamespaces(all.values());
      if (namespaces.length) {
        steps.push({
          phase,
          kind: 'secret',
          title: `Infisical Universal Auth Secret in namespaces with a SecretStore`,
          argv: ['kubectl', 'apply', ...ssa, ...dryRun, '-f', '-'],
          stdin: {
            describe:
              `Secret ${UNIVERSAL_AUTH_SECRET.name} in ${namespaces.join(', ')}: ` +
              `stringData.${UNIVERSAL_AUTH_SECRET.clientIdKey}=<redacted $${INFISICAL_ENV.clientId}>, ` +
              `stringData.${UNIVERSAL_AUTH_SECRET.clientSecretKey}=<redacted $${INFISICAL_ENV.clientSecret}>`,
            render: (e) => universalAuthSecrets(namespaces, e),
          },
          customKinds: [],
        });
      }
    }

    if (phase === '02-helm-charts' && mode === 'apply') {
      const charts = objects.filter((o) => o.manifest.kind === 'HelmChart' && groupOf(o.manifest.apiVersion) === 'helm.cattle.io');
      for (const ns of uniqueSorted(charts.map((c) => c.manifest.metadata.namespace ?? 'default'))) {
        const jobs = charts.filter((c) => (c.manifest.metadata.namespace ?? 'default') === ns).map((c) => `job/helm-install-${c.manifest.metadata.name}`);
        steps.push({ phase, kind: 'wait', title: 'helm-install Jobs exist', argv: ['kubectl', '-n', ns, 'wait', '--for=create', `--timeout=${t.crd}`, ...jobs], customKinds: [] });
        steps.push({ phase, kind: 'wait', title: 'helm-install Jobs complete', argv: ['kubectl', '-n', ns, 'wait', '--for=condition=complete', `--timeout=${t.helmJob}`, ...jobs], customKinds: [] });
      }
      const later = PHASES.filter((p) => p > phase).flatMap((p) => byPhase.get(p)!);
      crdWaits(phase, crdsOf(later), 'used by later phases');
      // The admission webhooks of the charts that serve those CRDs must answer before phase 03.
      const groups = uniqueSorted(later.filter((o) => customKindOf(o.manifest)).map((o) => groupOf(o.manifest.apiVersion)));
      const providers = uniqueSorted(groups.map((g) => CRD_PROVIDERS[g] ?? g.split('.')[0]!));
      for (const chart of charts.filter((c) => providers.includes(c.manifest.metadata.name))) {
        const target = ((chart.manifest.spec as Record<string, unknown>)?.targetNamespace as string | undefined) ?? chart.manifest.metadata.namespace ?? 'default';
        steps.push({
          phase,
          kind: 'wait',
          title: `${chart.manifest.metadata.name} Deployments Available (webhooks for later phases)`,
          argv: ['kubectl', '-n', target, 'wait', '--for=condition=Available', `--timeout=${t.webhook}`, 'deployment', '--all'],
          customKinds: [],
        });
      }
    }

    if (phase === '04-apps' && mode === 'apply' && opts.rollouts !== false) {
      for (const o of objects.filter((x) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(x.manifest.kind) && groupOf(x.manifest.apiVersion) === 'apps')) {
        const ns = o.manifest.metadata.namespace ?? 'default';
        steps.push({
          phase,
          kind: 'rollout',
          title: `rollout of ${ns}/${o.manifest.metadata.name}`,
          argv: ['kubectl', '-n', ns, 'rollout', 'status', `${o.manifest.kind.toLowerCase()}/${o.manifest.metadata.name}`, `--timeout=${t.rollout}`],
          customKinds: [],
        });
      }
    }
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Printing

/** POSIX shell quoting, only where needed. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(step: Step): string {
  const env = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  return `${env}${step.argv.map(shellQuote).join(' ')}`;
}

export function formatPlan(steps: readonly Step[]): string {
  const lines: string[] = [];
  let phase: string | undefined;
  for (const step of steps) {
    if (step.phase !== phase) {
      phase = step.phase;
      lines.push(`${lines.length ? '\n' : ''}# == ${phase} ==`);
    }
    lines.push(`# ${step.title}`);
    if (step.stdin) lines.push(`#   stdin: ${step.stdin.describe}`);
    lines.push(commandLine(step));
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The prune guard

export interface PrunedObject {
  /** `persistentvolumeclaim`, `helmchart.helm.cattle.io`: lowercase kind, then the group. */
  readonly resource: string;
  readonly name: string;
}

/** The `<kind>[.<group>]/<name> pruned [(server dry run)]` lines of kubectl apply's output. */
export function parsePruned(output: string): PrunedObject[] {
  const out: PrunedObject[] = [];
  for (const line of output.split('\n')) {
    const m = /^([a-z0-9][a-z0-9.-]*)\/(\S+) pruned\b/.exec(line.trim());
    if (m) out.push({ resource: m[1]!, name: m[2]! });
  }
  return out;
}

export interface GuardOptions {
  readonly maxPrune?: number;
  readonly allowDestructive?: boolean;
}

export interface GuardVerdict {
  readonly ok: boolean;
  /** Why the prune is refused (empty when ok, or when allowDestructive overrode them). */
  readonly reasons: string[];
  readonly pruned: PrunedObject[];
}

export function checkPrune(pruned: readonly PrunedObject[], opts: GuardOptions = {}): GuardVerdict {
  const max = opts.maxPrune ?? DEFAULT_MAX_PRUNE;
  const reasons: string[] = [];
  const protectedOnes = pruned.filter((p) => (PROTECTED_RESOURCES as readonly string[]).includes(p.resource));
  if (protectedOnes.length) reasons.push(`would delete protected objects: ${protectedOnes.map((p) => `${p.resource}/${p.name}`).join(', ')}`);
  if (pruned.length > max) reasons.push(`would delete ${pruned.length} objects, more than --max-prune ${max}`);
  if (opts.allowDestructive) return { ok: true, reasons: [], pruned: [...pruned] };
  return { ok: reasons.length === 0, reasons, pruned: [...pruned] };
}

// ---------------------------------------------------------------------------------------------
// Running

export interface SpawnResult {
  readonly status: number | null;
  readonly stdout?: string;
}

/** Runs one command. `capture`: return stdout (and still show it); otherwise stdout is inherited. */
export type Spawner = (argv: readonly string[], opts: { env: NodeJS.ProcessEnv; input?: string; capture: boolean }) => SpawnResult;

export interface RunOptions extends GuardOptions {
  readonly mode: 'apply' | 'dry-run' | 'drift';
  readonly env: NodeJS.ProcessEnv;
  readonly spawn: Spawner;
  readonly log: (line: string) => void;
}

export interface RunResult {
  /** 0 done; 1 drift found (drift mode); 2 a command failed; 3 the prune guard refused. */
  readonly code: 0 | 1 | 2 | 3;
  readonly message: string;
  /** Steps actually run, by index in the plan. */
  readonly ran: number[];
}

export function runPlan(steps: readonly Step[], opts: RunOptions): RunResult {
  // Fail before touching anything when secret zero cannot be built.
  for (const step of steps.filter((s) => s.kind === 'secret')) {
    try {
      step.stdin!.render(opts.env);
    } catch (err) {
      return { code: 2, message: (err as Error).message, ran: [] };
    }
  }
  const ran: number[] = [];
  let drift = false;
  for (const [i, step] of steps.entries()) {
    opts.log(`\n# [${step.phase}] ${step.title}\n$ ${commandLine(step)}`);
    const env = { ...opts.env, ...step.env };
    const input = step.stdin?.render(opts.env);
    const capture = step.kind === 'prune-guard';
    const result = opts.spawn(step.argv, { env, input, capture });
    ran.push(i);
    if (step.kind === 'diff') {
      if (result.status === 1) drift = true;
      else if (result.status !== 0) return { code: 2, message: `kubectl diff failed (exit ${result.status})`, ran };
      continue;
    }
    if (result.status !== 0) return { code: 2, message: `step failed (exit ${result.status}): ${commandLine(step)}`, ran };
    if (step.kind === 'prune-guard') {
      const pruned = parsePruned(result.stdout ?? '');
      if (opts.mode === 'drift') {
        if (pruned.length) {
          drift = true;
          opts.log(`drift: ${pruned.length} object(s) in ApplySet ${applySetName(step.phase as Phase)} are no longer in dist/`);
        }
        continue;
      }
      const verdict = checkPrune(pruned, opts);
      opts.log(`prune guard: ${pruned.length} object(s) to prune${pruned.length ? `: ${pruned.map((p) => `${p.resource}/${p.name}`).join(', ')}` : ''}`);
      if (!verdict.ok) {
        return { code: 3, message: `prune guard refused phase ${step.phase}: ${verdict.reasons.join('; ')}. Re-run with --allow-destructive (or --max-prune N) if this is intended.`, ran };
      }
    }
  }
  if (drift) return { code: 1, message: 'drift: the cluster differs from dist/', ran };
  return { code: 0, message: opts.mode === 'drift' ? 'no drift' : 'done', ran };
}
