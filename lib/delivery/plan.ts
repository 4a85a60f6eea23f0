import { crdGroupsOf, webhookDeploymentsOf } from '../constructs/helm-release';
import { UNIVERSAL_AUTH_SECRET } from '../constructs/infisical';
import { groupOf, isBuiltInGroup, PHASES, type Manifest, type Phase } from '../render';
import { APPLYSET_CRD, APPLYSET_FIELD_MANAGER, APPLYSET_GROUP, APPLYSET_KIND, applySetId, applySetName, applySetParent, applySetParentCrd, FIELD_MANAGER } from './applyset';
import { chartInstallStep, chartWorkloadStep } from './chart-installs';
import { finalHealthStep, phaseHealthStep } from './health';
import { collectObjects, type DistObject } from './manifests';
import { jobSteps } from './jobs';
import { APPLIED_DIGEST_ANNOTATION, asApplied } from './live-diff';
import { recoverySteps } from './recovery';
import { presenceStep } from './presence';
import { rolloutStep } from './rollouts';
import { policyStep } from './policy-check';
import { crdNameOf } from './plural';
import { infisicalStores, INFISICAL_IDENTITIES_ENV, universalAuthSecrets } from './secret-zero';
import { DEFAULT_TIMEOUTS, isKind, namespaceOf, uniqueSorted, type Step } from './steps';

export { commandLine, DEFAULT_TIMEOUTS, formatPlan, JOB_POLL_MS, shellQuote, type Step, type StepKind } from './steps';

/*
 * `npm run apply`: the ordered list of kubectl commands that converges the cluster on dist/
 * (lib/delivery/steps.ts: a step and how the plan prints; run.ts runs it; guard.ts judges its
 * prune; applyset.ts names the ApplySets; jobs.ts waits for the apps' one-off Jobs).
 *
 *  setup  the admission policy that guards the deploy identity read back and compared with the
 *         one this dist/ needs (lib/delivery/policy-check.ts: a stale one stops the run, naming the
 *         admin step); the ApplySet parent type (a cluster-scoped CRD), then the five parents, created once
 *         (kubectl cannot create custom-resource parents itself)
 *  check  the inventory: every phase's ApplySet members read back and compared with dist/ before
 *         anything is written (lib/delivery/inventory.ts). The prune guard judges the whole run
 *         here; objects moved between phases are relabelled so no phase deletes and recreates them
 *  01     Namespaces and plain objects, then the Infisical Universal Auth Secret in every namespace
 *         that has a SecretStore, each from its own identity (lib/delivery/secret-zero.ts; from env,
 *         piped on stdin, never on disk or in the output)
 *  02     HelmChart CRs, then: each helm-install-<chart> Job complete, the CRDs later phases use
 *         Established, and the webhook Deployments of the charts that serve those CRDs Available
 *         (their admission webhooks must answer before the first custom resource is applied)
 *  03     issuers, stores, external secrets, certificates of the platform
 *  04     apps, except what rolls out; then, in recover mode, every database and volume it brings
 *         back, read until each is back and reported per app (lib/delivery/recovery.ts); then, where phase 04 has Jobs (migrations, installs that
 *         must run before the new version starts): the database Clusters of those namespaces
 *         Ready, and every Job of phase 04 Complete, polled (`kubectl wait` cannot see a Job fail);
 *         the first Failed one stops the run, named
 *  05     what rolls out: the apps' Deployments, HPAs, PDBs and CronJobs; then `rollout status` of
 *         every app workload (of 04 and 05)
 *
 * Every phase is one server-side apply (field manager `hobby-infra`, `--force-conflicts`: git wins
 * over hand edits) of only what the cluster does not hold as dist/ says (lib/delivery/live-diff.ts,
 * against the inventory's read), each object labelled as a member of the phase's ApplySet as
 * `kubectl apply --applyset` labels it; then the members dist/ dropped are deleted (only what the
 * inventory foresaw and the guard let through), and the parent records what the phase holds, as
 * kubectl keeps it (parents.ts). After it, labels added by hand are removed. The waits of what did
 * not change are skipped (a step's `when`).
 */

export interface PlanOptions {
  /** dist/ files: `{ '04-apps/app-site.yaml': text }`. */
  readonly files: ReadonlyMap<string, string>;
  /** How dist/ is named on the command line. */
  readonly distDir?: string;
  /** `apply` (default), `dry-run` (everything with --dry-run=server, no waits) or `drift` (kubectl diff). */
  readonly mode?: 'apply' | 'dry-run' | 'drift';
  readonly timeouts?: Partial<typeof DEFAULT_TIMEOUTS>;
  /**
   * Wait for the apps' one-off Jobs after phase 04 and their rollouts after phase 05 (default
   * true; the k3d end-to-end test cannot pull app images, so neither would ever finish).
   */
  readonly rollouts?: boolean;
  /**
   * Check health after each phase and at the end (default true): chart installs failing fast, the
   * charts' workloads, Certificates, SecretStores, ExternalSecrets, databases, backups
   * (lib/delivery/health.ts, chart-installs.ts). Off for the k3d end-to-end test, whose cluster
   * cannot get certificates or reach Infisical.
   */
  readonly health?: boolean;
}

const customKindOf = (m: Manifest) => (isBuiltInGroup(m.apiVersion) ? undefined : `${m.kind}.${groupOf(m.apiVersion)}`);

function crdsOf(objects: readonly DistObject[]): string[] {
  return uniqueSorted(objects.filter((o) => customKindOf(o.manifest)).map((o) => crdNameOf(o.manifest.kind, groupOf(o.manifest.apiVersion))));
}

/** A phase's manifests as the apply sends them (ApplySet member label, digest annotation), for `kubectl diff`. */
export function labelledManifests(objects: readonly DistObject[], phase: Phase): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.map(({ manifest }) => asApplied(manifest, phase)) });
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
  const waitForApps = mode === 'apply' && opts.rollouts !== false;
  const checkHealth = mode === 'apply' && opts.health !== false;
  const charts = (byPhase.get('02-helm-charts') ?? []).filter((o) => isKind(o, 'helm.cattle.io', 'HelmChart'));
  const steps: Step[] = [];
  const waited = new Set<string>();

  const crdWaits = (phase: Phase, crds: string[], why: string, when: Phase[]) => {
    const todo = crds.filter((c) => !waited.has(c));
    if (!todo.length || mode !== 'apply') return;
    todo.forEach((c) => waited.add(c));
    const refs = todo.map((c) => `crd/${c}`);
    steps.push(presenceStep(phase, `CRDs Established (${why})`, refs, 'Established', t.crd, { waitsForCrds: todo, when: { phases: when } }));
  };

  steps.push(policyStep(all));
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
    // CRDs this phase needs and nothing earlier waited for (the HelmChart CRD ships with k3s).
    crdWaits(phase, crdsOf(objects), `used by ${phase}`, [phase]);

    if (mode === 'drift') {
      steps.push({
        phase,
        kind: 'diff',
        title: `live objects differ from ${dist}/${phase}/ (judged from the inventory's read; kubectl diff of those that do)`,
        argv: ['kubectl', 'diff', ...ssa, '-f', '-'],
        stdin: { describe: `the objects of ${dist}/${phase}/ the inventory's read shows differ (as the apply would send them), if any`, render: () => labelledManifests(objects, phase) },
        customKinds,
        dist: new Map(objects.map((o) => [o.key, o])),
      });
      continue;
    }
    steps.push({
      phase,
      kind: 'apply',
      title: `apply what the cluster does not hold as ${dist}/${phase}/ has it`,
      argv: ['kubectl', 'apply', ...ssa, ...dryRun, '-f', '-'],
      stdin: {
        describe: `the objects of ${dist}/${phase}/ that are new, changed in dist/ or changed in the cluster (against the inventory's read), as one List with label applyset.kubernetes.io/part-of=${applySetId(phase)} and annotation ${APPLIED_DIGEST_ANNOTATION}`,
        render: () => labelledManifests(objects, phase),
      },
      customKinds,
      objects,
    });
    steps.push({
      phase,
      kind: 'prune',
      title: `prune ApplySet ${applySetName(phase)}: the members the inventory found dist/ no longer has (the guard judged them)`,
      argv: ['kubectl', 'delete', '--ignore-not-found', '--wait=false', ...dryRun, '-f', '-'],
      stdin: { describe: `the inventory's members of ${applySetName(phase)} that are not in ${dist}/, if any`, render: () => '' },
      customKinds: [],
      objects,
    });

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
      for (const ns of uniqueSorted(charts.map(namespaceOf))) {
        const here = charts.filter((c) => namespaceOf(c) === ns);
        // Only the charts this run sent: an unchanged chart's install ran in an earlier apply.
        steps.push(chartInstallStep(phase, ns, here, t.helmJob));
      }
      const later = PHASES.filter((p) => p > phase).flatMap((p) => byPhase.get(p)!);
      crdWaits(phase, crdsOf(later), 'used by later phases', [phase]);
      // The admission webhooks of the charts that serve those CRDs must answer before phase 03.
      const groups = new Set(later.filter((o) => customKindOf(o.manifest)).map((o) => groupOf(o.manifest.apiVersion)));
      for (const chart of charts.filter((c) => crdGroupsOf(c.manifest).some((g) => groups.has(g)))) {
        const webhooks = webhookDeploymentsOf(chart.manifest);
        if (!webhooks.length) continue;
        const target = ((chart.manifest.spec as Record<string, unknown>)?.targetNamespace as string | undefined) ?? namespaceOf(chart);
        steps.push({
          phase,
          kind: 'wait',
          title: `${chart.manifest.metadata.name} webhook Available (its CRDs' objects come next)`,
          argv: ['kubectl', '-n', target, 'wait', '--for=condition=Available', `--timeout=${t.webhook}`, ...webhooks.map((d) => `deployment/${d}`)],
          customKinds: [],
          when: { phases: [phase] },
        });
      }
      if (checkHealth) steps.push(...[chartWorkloadStep(phase, charts, t, false)].filter((x): x is Step => !!x));
    }
    // Recover mode: every database and volume back (Uptime Kuma's, of phase 03, too) before the Jobs and phase 05.
    if (phase === '04-apps' && waitForApps) steps.push(...recoverySteps([...all.values()], t));
    // The health of what this phase sent (phase 04's before its Jobs run: they need their secrets and databases).
    const health = checkHealth ? phaseHealthStep(phase, objects, t) : undefined;
    if (health) steps.push(health);
    if (phase === '04-apps' && waitForApps) steps.push(...jobSteps(objects, t));
  }

  // The rollouts, once everything of the apps is applied: the workloads of 05 and those that stay in 04 (StatefulSets, DaemonSets), of them those this run sent.
  if (waitForApps) {
    const rollouts = rolloutStep([...byPhase.get('04-apps')!, ...byPhase.get('05-rollouts')!], t.rollout);
    if (rollouts) steps.push(rollouts);
  }
  // At the end, everything applied, changed or not, judged once: what is unhealthy fails the run, named.
  if (checkHealth) steps.push(...[chartWorkloadStep('end', charts, t, true), finalHealthStep([...all.values()], present)].filter((x): x is Step => !!x));
  return steps;
}
