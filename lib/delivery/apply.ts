import { createHash } from 'node:crypto';
import { crdGroupsOf, webhookDeploymentsOf } from '../constructs/helm-release';
import { UNIVERSAL_AUTH_SECRET } from '../constructs/infisical';
import { infisicalStores, INFISICAL_IDENTITIES_ENV, universalAuthSecrets } from './secret-zero';
import { groupOf, isBuiltInGroup, PHASES, type Manifest, type Phase } from '../render';
import { analyzeInventory, chartsStillServing, kubectlTarget, membersOf, PART_OF_LABEL, resourceRef, type Inventory, type LiveObject, type Member } from './inventory';
import { collectObjects, displayName, type DistObject } from './manifests';
import { crdNameOf } from './plural';

/*
 * `npm run apply`: the ordered list of kubectl commands that converges the cluster on dist/.
 *
 *  setup  the ApplySet parent type (a cluster-scoped CRD, see below), then the four parents,
 *         created once (kubectl cannot create custom-resource parents itself)
 *  check  the inventory: every phase's ApplySet members read back and compared with dist/ before
 *         anything is written (lib/delivery/inventory.ts). The prune guard judges the whole run
 *         here; objects moved between phases are relabelled so no phase deletes and recreates them
 *  01     Namespaces and plain objects, then the Infisical Universal Auth Secret in every namespace
 *         that has a SecretStore, each from its own identity (lib/delivery/secret-zero.ts; from env,
 *         piped on stdin, never on disk or in the output)
 *  02     HelmChart CRs, then: each helm-install-<chart> Job complete, the CRDs phases 03/04 use
 *         Established, and the webhook Deployments of the charts that serve those CRDs Available
 *         (their admission webhooks must answer before the first custom resource is applied)
 *  03     issuers, stores, external secrets, certificates of the platform
 *  04     apps, then `rollout status` of each workload
 *
 * Every phase is one server-side apply (field manager `hobby-infra`, `--force-conflicts`: git wins
 * over hand edits) with `--prune --applyset`, so only objects that an earlier apply of the same
 * phase labelled as members can ever be deleted. Before it, the same command with
 * `--dry-run=server` validates the phase and lists what kubectl would prune; anything the
 * inventory did not foresee stops the run. After it, labels added by hand are removed.
 *
 * ApplySet parents: kubectl's default parent is a Secret, which is namespaced, and a namespaced
 * parent only works with `-n <ns>`, which makes kubectl reject every object of another namespace.
 * Our phases span many namespaces (and cluster-scoped objects), so each phase's parent is a
 * cluster-scoped custom resource `ApplySet.hobby-infra.dev` named `hobby-infra-<phase>`, whose CRD
 * carries the `applyset.kubernetes.io/is-parent-type: "true"` label kubectl requires. The CRD is
 * applied first (outside every ApplySet, so nothing ever prunes it). kubectl refuses to create a
 * custom-resource parent, so the apply creates each one once, with `kubectl create`, carrying the
 * id label and the tooling and contains-group-kinds annotations kubectl checks; from then on only
 * kubectl writes them (re-creating or re-applying them would reset contains-group-kinds, and a
 * reset parent silently stops pruning).
 */

export const FIELD_MANAGER = 'hobby-infra';
/** The field manager kubectl updates ApplySet parents with (`<tooling>-applyset`). */
export const APPLYSET_FIELD_MANAGER = 'kubectl-applyset';
export const APPLYSET_GROUP = 'hobby-infra.dev';
export const APPLYSET_KIND = 'ApplySet';
export const APPLYSET_CRD = `applysets.${APPLYSET_GROUP}`;
export const DEFAULT_MAX_PRUNE = 10;

/** Kinds whose deletion loses data or takes a whole subtree with it: never pruned without the flag. */
export const PROTECTED_RESOURCES = [
  'namespace',
  'persistentvolumeclaim',
  'persistentvolume',
  'helmchart.helm.cattle.io',
  'customresourcedefinition.apiextensions.k8s.io',
  // A database Cluster owns its volumes: deleting it (e.g. after a restore into a new Cluster) deletes the data.
  'cluster.postgresql.cnpg.io',
] as const;

export const applySetName = (phase: Phase) => `hobby-infra-${phase}`;
export const applySetParentRef = (phase: Phase) => `applysets.${APPLYSET_GROUP}/${applySetName(phase)}`;

/**
 * The `applyset.kubernetes.io/part-of` label value kubectl puts on every member of an ApplySet:
 * `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1` (KEP-3659).
 */
export function computeApplySetId(name: string, namespace: string, kind: string, group: string): string {
  return `applyset-${createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url')}-v1`;
}

export const applySetId = (phase: Phase) => computeApplySetId(applySetName(phase), '', APPLYSET_KIND, APPLYSET_GROUP);

/**
 * A parent as kubectl expects to find it: the id label, its tooling (kubectl checks the name part
 * only, and rewrites the annotation with its own version on the first apply) and an empty set of
 * group-kinds, which kubectl fills in as it applies.
 */
export function applySetParent(phase: Phase): Record<string, unknown> {
  return {
    apiVersion: `${APPLYSET_GROUP}/v1`,
    kind: APPLYSET_KIND,
    metadata: {
      name: applySetName(phase),
      labels: { 'applyset.kubernetes.io/id': applySetId(phase) },
      annotations: { 'applyset.kubernetes.io/tooling': 'kubectl/v1', 'applyset.kubernetes.io/contains-group-kinds': '' },
    },
  };
}

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

export type StepKind = 'setup' | 'inventory' | 'parents' | 'apply' | 'secret' | 'wait' | 'rollout' | 'diff';

export interface Step {
  readonly phase: Phase | 'setup' | 'check';
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
  /** The objects of dist/ the step compares the cluster with (inventory: all of them; diff: its phase's). */
  readonly dist?: ReadonlyMap<string, DistObject>;
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

export const DEFAULT_TIMEOUTS = { crd: '5m', helmJob: '15m', webhook: '5m', rollout: '5m', namespace: '5m' };

const customKindOf = (m: Manifest) => (isBuiltInGroup(m.apiVersion) ? undefined : `${m.kind}.${groupOf(m.apiVersion)}`);
const uniqueSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

function crdsOf(objects: readonly DistObject[]): string[] {
  return uniqueSorted(objects.filter((o) => customKindOf(o.manifest)).map((o) => crdNameOf(o.manifest.kind, groupOf(o.manifest.apiVersion))));
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
    // One resource per `wait --for=create`: with several, kubectl 1.32 gives up on the first NotFound.
    for (const ref of refs) steps.push({ phase, kind: 'wait', title: `CRD exists (${why})`, argv: ['kubectl', 'wait', '--for=create', `--timeout=${t.crd}`, ref], customKinds: [] });
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
  steps.push({
    phase: 'check',
    kind: 'inventory',
    title: 'inventory: each ApplySet\'s members against dist/ (the prune guard for the whole run, moved objects, hand-added labels)',
    argv: ['kubectl', 'get', `applysets.${APPLYSET_GROUP}`, '-o', 'json'],
    customKinds: [],
    dist: all,
  });
  if (mode !== 'drift') {
    steps.push({
      phase: 'check',
      kind: 'parents',
      title: 'ApplySet parents that do not exist yet, created once, as kubectl\'s own field manager',
      argv: ['kubectl', 'apply', '--server-side', `--field-manager=${APPLYSET_FIELD_MANAGER}`, ...dryRun, '-f', '-'],
      stdin: {
        describe: `the ${APPLYSET_KIND}s of ${PHASES.map(applySetName).join(', ')} that the inventory did not find`,
        render: () => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: PHASES.map(applySetParent) }),
      },
      customKinds: [],
    });
  }

  for (const phase of present) {
    const objects = byPhase.get(phase)!;
    const customKinds = uniqueSorted(objects.map((o) => customKindOf(o.manifest)).filter((k): k is string => !!k));
    const applyArgv = ['kubectl', 'apply', ...ssa, `--applyset=${applySetParentRef(phase)}`, '--prune', '-f', `${dist}/${phase}/`];
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
       dist: new Map(objects.map((o) => [o.key, o])),
      });
    }
    if (mode === 'drift') continue;
    steps.push({ phase, kind: 'apply', title: `apply ${dist}/${phase}/ and prune its ApplySet`, argv: [...applyArgv.slice(0, -2), ...dryRun, ...applyArgv.slice(-2)], env, customKinds });

    if (phase === '01-prerequisites') {
      const stores = infisicalStores(all.values());
      if (stores.length) {
        steps.push({
          phase,
          kind: 'secret',
          title: `Infisical Universal Auth Secret in each namespace with a SecretStore, from its own identity`,
          argv: ['kubectl', 'apply', ...ssa, ...dryRun, '-f', '-'],
          stdin: {
            describe:
              `Secret ${UNIVERSAL_AUTH_SECRET.name} in ${stores.map((s) => s.namespace).join(', ')}: ` +
              `each from its own entry of <redacted $${INFISICAL_IDENTITIES_ENV}>`,
            render: (e) => universalAuthSecrets(stores, e, FIELD_MANAGER),
          },
          customKinds: [],
        });
      }
    }

    if (phase === '02-helm-charts' && mode === 'apply') {
      const charts = objects.filter((o) => o.manifest.kind === 'HelmChart' && groupOf(o.manifest.apiVersion) === 'helm.cattle.io');
      for (const ns of uniqueSorted(charts.map((c) => c.manifest.metadata.namespace ?? 'default'))) {
        const jobs = charts.filter((c) => (c.manifest.metadata.namespace ?? 'default') === ns).map((c) => `job/helm-install-${c.manifest.metadata.name}`);
        for (const job of jobs) steps.push({ phase, kind: 'wait', title: 'helm-install Job exists', argv: ['kubectl', '-n', ns, 'wait', '--for=create', `--timeout=${t.crd}`, job], customKinds: [] });
        steps.push({ phase, kind: 'wait', title: 'helm-install Jobs complete', argv: ['kubectl', '-n', ns, 'wait', '--for=condition=complete', `--timeout=${t.helmJob}`, ...jobs], customKinds: [] });
      }
      const later = PHASES.filter((p) => p > phase).flatMap((p) => byPhase.get(p)!);
      crdWaits(phase, crdsOf(later), 'used by later phases');
      // The admission webhooks of the charts that serve those CRDs must answer before phase 03.
      const groups = new Set(later.filter((o) => customKindOf(o.manifest)).map((o) => groupOf(o.manifest.apiVersion)));
      for (const chart of charts.filter((c) => crdGroupsOf(c.manifest).some((g) => groups.has(g)))) {
        const webhooks = webhookDeploymentsOf(chart.manifest);
        if (!webhooks.length) continue;
        const target = ((chart.manifest.spec as Record<string, unknown>)?.targetNamespace as string | undefined) ?? chart.manifest.metadata.namespace ?? 'default';
        steps.push({
          phase,
          kind: 'wait',
          title: `${chart.manifest.metadata.name} webhook Available (its CRDs' objects come next)`,
          argv: ['kubectl', '-n', target, 'wait', '--for=condition=Available', `--timeout=${t.webhook}`, ...webhooks.map((d) => `deployment/${d}`)],
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
  readonly stderr?: string;
}

/** Runs one command. `capture`: return stdout and stderr (and still show them, unless `quiet`); otherwise both are inherited. */
export type Spawner = (argv: readonly string[], opts: { env: NodeJS.ProcessEnv; input?: string; capture: boolean; quiet?: boolean }) => SpawnResult;

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

const CAPTURED: readonly StepKind[] = ['inventory', 'diff'];
const phaseOfParent = new Map(PHASES.map((p) => [applySetName(p), p]));
const names = (xs: readonly { live: LiveObject }[] | readonly LiveObject[]) =>
  xs.map((x) => displayName(('live' in x ? x.live : x) as Manifest)).join(', ');

/** `Deployment.apps` (a contains-group-kinds entry) -> `deployment.apps`, as kubectl get takes it. */
const resourceOfGroupKind = (gk: string) => {
  const [kind, ...group] = gk.split('.');
  return [kind!.toLowerCase(), ...group].join('.');
};

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

type Checked = { ok: true; inventory: Inventory } | { ok: false; result: Omit<RunResult, 'ran'> };

/** Reads every ApplySet's members (kubectl get) and judges the whole run before anything is written. */
function takeInventory(step: Step, first: SpawnResult, opts: RunOptions): Checked {
  const env = opts.env;
  const parents = JSON.parse(first.stdout || '{"items":[]}') as { items: LiveObject[] };
  const members: Member[] = [];
  for (const parent of parents.items) {
    const phase = phaseOfParent.get(parent.metadata.name);
    const gks = (parent.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds'] ?? '').split(',').filter(Boolean);
    if (!phase || !gks.length) continue;
    const argv = ['kubectl', 'get', gks.map(resourceOfGroupKind).join(','), '--all-namespaces', '-l', `${PART_OF_LABEL}=${applySetId(phase)}`, '-o', 'json'];
    opts.log(`$ ${argv.map(shellQuote).join(' ')}`);
    const r = opts.spawn(argv, { env, capture: true, quiet: true });
    if (r.status !== 0) return { ok: false, result: { code: 2, message: `could not list the members of ApplySet ${parent.metadata.name}: ${(r.stderr ?? '').trim()}` } };
    members.push(...membersOf(phase, JSON.parse(r.stdout || '{}')));
  }
  const inventory = analyzeInventory(step.dist!, members);
  const { pruned, moved, extraLabels, missing } = inventory;
  opts.log(`inventory: ${members.length} object(s) in the cluster's ApplySets, ${step.dist!.size} in dist/`);
  if (pruned.length) opts.log(`  no longer in dist/ (to prune): ${names(pruned)}`);
  if (moved.length) opts.log(`  moved to another phase: ${moved.map((m) => `${names([m.member])} (${m.member.phase} -> ${m.to})`).join(', ')}`);
  if (extraLabels.length) opts.log(`  labels not in dist/: ${extraLabels.map((e) => `${names([e.member])} (${e.keys.join(', ')})`).join('; ')}`);
  if (missing.length && opts.mode === 'drift') opts.log(`  in dist/ but not in the cluster: ${missing.map((o) => displayName(o.manifest)).join(', ')}`);

  // Removing a chart whose CRDs dist/ still uses is never right, whatever the flags say.
  const serving = chartsStillServing(pruned, step.dist!);
  if (serving.length) return { ok: false, result: { code: 3, message: `refused before anything was written: ${serving.join('; ')}` } };
  if (opts.mode !== 'drift') {
    const verdict = checkPrune(pruned.map(({ live }) => ({ resource: resourceRef(live).split('/')[0]!, name: live.metadata.name })), opts);
    opts.log(`prune guard: ${pruned.length} object(s) to prune in this run`);
    if (!verdict.ok) {
      return { ok: false, result: { code: 3, message: `prune guard refused the run before anything was written: ${verdict.reasons.join('; ')}. Re-run with --allow-destructive (or --max-prune N) if this is intended.` } };
    }
  }
  return { ok: true, inventory };
}

const GROUP_KINDS = 'applyset.kubernetes.io/contains-group-kinds';
const NAMESPACES = 'applyset.kubernetes.io/additional-namespaces';

/**
 * Moves an object into another phase's ApplySet without deleting it: first the target parent's
 * group-kinds and namespaces grow to cover it (as kubectl itself widens a parent before it
 * applies), then the object's part-of label changes. Were it the other way round, a run that
 * failed in between would leave an object that no ApplySet could ever prune. Returns an error.
 */
function moveMember(member: Member, to: Phase, parents: Map<string, LiveObject>, opts: RunOptions): string | undefined {
  const parent = parents.get(applySetName(to)) ?? (applySetParent(to) as unknown as LiveObject);
  const annotations = { ...(parent.metadata.annotations ?? {}) };
  const add = (key: string, value: string | undefined) => {
    const set = new Set((annotations[key] ?? '').split(',').filter(Boolean));
    if (value) set.add(value);
    annotations[key] = [...set].sort().join(',');
  };
  const group = groupOf(member.live.apiVersion);
  add(GROUP_KINDS, group ? `${member.live.kind}.${group}` : member.live.kind);
  add(NAMESPACES, member.live.metadata.namespace);
  const widened = { apiVersion: `${APPLYSET_GROUP}/v1`, kind: APPLYSET_KIND, metadata: { name: applySetName(to), labels: { 'applyset.kubernetes.io/id': applySetId(to) }, annotations } };
  const argv = ['kubectl', 'apply', '--server-side', `--field-manager=${APPLYSET_FIELD_MANAGER}`, '--force-conflicts', '-f', '-'];
  opts.log(`$ ${argv.join(' ')}   # ${applySetName(to)} covers ${displayName(member.live as Manifest)}`);
  if (opts.spawn(argv, { env: opts.env, input: JSON.stringify(widened), capture: false }).status !== 0) return `could not widen ApplySet ${applySetName(to)} for ${names([member])}`;
  parents.set(applySetName(to), widened);
  const label = ['kubectl', 'label', '--overwrite', ...kubectlTarget(member.live), `${PART_OF_LABEL}=${applySetId(to)}`];
  opts.log(`$ ${label.map(shellQuote).join(' ')}`);
  if (opts.spawn(label, { env: opts.env, capture: false }).status !== 0) return `could not move ${names([member])} from ApplySet ${applySetName(member.phase)} to ${applySetName(to)}`;
  return undefined;
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
  const drift: string[] = [];
  let inventory: Inventory | undefined;
  /** The ApplySet parents as the cluster has them, by name. */
  const parents = new Map<string, LiveObject>();
  const run = (argv: readonly string[], env: NodeJS.ProcessEnv = opts.env) => {
    opts.log(`$ ${argv.map(shellQuote).join(' ')}`);
    return opts.spawn(argv, { env, capture: false }).status === 0;
  };

  for (const [i, step] of steps.entries()) {
    opts.log(`\n# [${step.phase}] ${step.title}\n$ ${commandLine(step)}`);
    const env = { ...opts.env, ...step.env };
    let input = step.stdin?.render(opts.env);
    if (step.kind === 'parents') {
      // Only the missing ones: re-applying an existing parent would reset what kubectl recorded in it.
      const list = JSON.parse(input!) as { items: LiveObject[] };
      list.items = list.items.filter((p) => !parents.has(p.metadata.name));
      if (list.items.length) {
        input = JSON.stringify(list);
        const created = opts.spawn(step.argv, { env, input, capture: false });
        ran.push(i);
        if (created.status !== 0) return { code: 2, message: `step failed (exit ${created.status}): ${commandLine(step)}`, ran };
        list.items.forEach((p) => parents.set(p.metadata.name, p));
      } else {
        opts.log('all ApplySet parents exist; kubectl keeps them up to date');
      }
      if (opts.mode === 'apply') {
        for (const { member, to } of inventory?.moved ?? []) {
          const moved = moveMember(member, to, parents, { ...opts, env });
          if (moved) return { code: 2, message: moved, ran };
        }
      }
      continue;
    }
    const result = opts.spawn(step.argv, { env, input, capture: CAPTURED.includes(step.kind), quiet: step.kind === 'inventory' });
    ran.push(i);

    if (step.kind === 'inventory') {
      if (result.status !== 0) {
        if (opts.mode === 'apply') return { code: 2, message: `reading the ApplySet parents failed: ${(result.stderr ?? '').trim()}`, ran };
        opts.log(`inventory: no ApplySet parents readable (${(result.stderr ?? '').trim()}); nothing was applied before`);
        if (opts.mode === 'drift') drift.push('nothing was ever applied');
        continue;
      }
      for (const parent of (JSON.parse(result.stdout || '{"items":[]}') as { items: LiveObject[] }).items) parents.set(parent.metadata.name, parent);
      const checked = takeInventory(step, result, opts);
      if (!checked.ok) return { ...checked.result, ran };
      inventory = checked.inventory;
      if (opts.mode === 'drift') {
        if (inventory.pruned.length) drift.push(`not in dist/: ${names(inventory.pruned)}`);
        if (inventory.moved.length) drift.push(`in another phase's ApplySet: ${names(inventory.moved.map((m) => m.member))}`);
        if (inventory.extraLabels.length) drift.push(`labels added by hand: ${inventory.extraLabels.map((e) => `${names([e.member])} (${e.keys.join(', ')})`).join('; ')}`);
        if (inventory.missing.length) drift.push(`missing from the cluster: ${inventory.missing.map((o) => displayName(o.manifest)).join(', ')}`);
      }
      continue;
    }
    if (step.kind === 'diff') {
      if (result.status === 1) drift.push(`differs from dist/${step.phase}: ${parseDiffObjects(result.stdout ?? '', step.dist?.values()).join(', ') || 'see the diff above'}`);
      else if (result.status !== 0) return { code: 2, message: `kubectl diff failed (exit ${result.status})`, ran };
      continue;
    }
    if (result.status !== 0) return { code: 2, message: `step failed (exit ${result.status}): ${commandLine(step)}`, ran };
    if (step.kind === 'apply' && opts.mode === 'apply' && inventory) {
      // A pruned Namespace takes its objects with it. Later phases list their members before they
      // prune, and kubectl stops at the first member that vanished in between: wait until it is gone.
      const namespaces = inventory.pruned.filter((m) => m.phase === step.phase && m.live.kind === 'Namespace' && !groupOf(m.live.apiVersion));
      if (namespaces.length && !run(['kubectl', 'wait', '--for=delete', `--timeout=${DEFAULT_TIMEOUTS.namespace}`, ...namespaces.map((m) => `namespace/${m.live.metadata.name}`)])) {
        return { code: 2, message: `pruned namespaces did not finish deleting: ${names(namespaces)}`, ran };
      }

      // Hand-added labels go once, after the apply of the phase the object is rendered in now.
      const phaseNow = (member: Member) => inventory!.moved.find((m) => m.member === member)?.to ?? member.phase;
      for (const { member, keys } of inventory.extraLabels.filter((e) => phaseNow(e.member) === step.phase)) {
        if (!run(['kubectl', 'label', ...kubectlTarget(member.live), ...keys.map((k) => `${k}-`)])) {
          return { code: 2, message: `could not remove the labels ${keys.join(', ')} from ${names([member])}`, ran };
        }
      }
    }
  }
  if (drift.length) return { code: 1, message: `drift: the cluster differs from dist/:\n  ${drift.join('\n  ')}`, ran };
  return { code: 0, message: opts.mode === 'drift' ? 'no drift' : 'done', ran };
}
