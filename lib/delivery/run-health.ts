import type { HealthCheck } from '../report/deploy-report';
import type { Phase } from '../render';
import { chartRemovalStep, CHART_LABEL, waitForChartJobs, waitForChartWorkloads } from './chart-installs';
import { waitForHealth } from './health';
import type { LiveObject, Member } from './inventory';
import type { JobWait } from './jobs';
import type { Send } from './converge';
import { commandLine, DEFAULT_TIMEOUTS, uniqueSorted, type Step } from './steps';
import type { SpawnResult } from './run';

/*
 * The runner's part of the health checks (lib/delivery/health.ts, chart-installs.ts): the helm
 * Jobs polled with their pods (and helm's own lines when it fails), the charts' workloads, the
 * operators' status of what the run sent, the removal of pruned HelmCharts, and, for every object
 * not healthy, the newest Warning event about it.
 */

export interface HealthContext {
  readonly poll: Omit<JobWait, 'reads' | 'timeout'>;
  readonly env: NodeJS.ProcessEnv;
  readonly read: (argv: readonly string[]) => SpawnResult;
  readonly log: (line: string) => void;
  readonly timeouts: typeof DEFAULT_TIMEOUTS;
}

export interface HealthOutcome {
  readonly checks: HealthCheck[];
  readonly error?: string;
}

/** `HelmChart kube-system/traefik` etc. of checks with problems, one line each. */
const problemLines = (checks: readonly HealthCheck[]) => checks.flatMap((c) => c.problems.map((p) => `  ${p.object}: ${p.message}`));

/** The newest Warning event about each object that is not healthy, added to its message (best effort: a read that fails adds nothing). */
function withEvents(checks: HealthCheck[], ctx: HealthContext): HealthCheck[] {
  if (!checks.some((c) => c.problems.length)) return checks;
  const r = ctx.read(['kubectl', 'get', 'events', '--all-namespaces', '--field-selector', 'type=Warning', '-o', 'json']);
  if (r.status !== 0) return checks;
  type Event = { involvedObject?: { kind?: string; name?: string; namespace?: string }; reason?: string; message?: string; lastTimestamp?: string; eventTime?: string };
  const newest = new Map<string, Event>();
  for (const e of (JSON.parse(r.stdout || '{"items":[]}') as { items?: Event[] }).items ?? []) {
    const o = e.involvedObject ?? {};
    const key = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
    const at = (x: Event) => x.lastTimestamp ?? x.eventTime ?? '';
    if (!newest.has(key) || at(newest.get(key)!) <= at(e)) newest.set(key, e);
  }
  return checks.map((c) => ({
    ...c,
    problems: c.problems.map((p) => {
      const e = newest.get(p.object);
      return e?.message && !p.message.includes(e.message) ? { ...p, message: `${p.message} (last event: ${e.reason ? `${e.reason}: ` : ''}${e.message.trim()})` } : p;
    }),
  }));
}

const failure = (what: string, checks: HealthCheck[]) => {
  const lines = problemLines(checks);
  return lines.length ? `${what}: ${lines.length} not healthy:\n${lines.join('\n')}` : undefined;
};

/** A `health` step: the operators' status of `keys` (what the run sent; at the end, everything), waited for or read once. */
export function runHealthStep(step: Step, keys: ReadonlySet<string>, ctx: HealthContext): HealthOutcome {
  const once = step.phase === 'end';
  const checks = withEvents(waitForHealth({ ...ctx.poll, reads: [step.argv], timeout: '0s', timeouts: ctx.timeouts }, step, keys, once), ctx);
  for (const c of checks) ctx.log(`${c.check}: ${c.problems.length ? `${c.problems.length} of ${c.objects} not healthy` : `all ${c.objects} healthy`}`);
  return { checks, error: failure(once ? 'health of everything applied' : `health after ${step.phase}`, checks) };
}

/** A `workloads` step: the charts' workloads rolled out (waited for after phase 02, read once at the end). */
export function runWorkloadsStep(step: Step, ctx: HealthContext): HealthOutcome {
  const check = waitForChartWorkloads({ ...ctx.poll, reads: [], timeout: step.timeout ?? ctx.timeouts.rollout }, step);
  const checks = withEvents([check], ctx);
  ctx.log(`chart workloads: ${check.problems.length ? `${check.problems.length} of ${check.objects} not rolled out` : `all ${check.objects} rolled out`}`);
  return { checks, error: failure(step.phase === 'end' ? "the charts' workloads" : `the charts' workloads after ${step.phase}`, checks) };
}

const logsOf = (ctx: HealthContext) => (namespace: string, pod: string, previous: boolean) => {
  const argv = ['kubectl', '-n', namespace, 'logs', `pod/${pod}`, '-c', 'helm', '--tail=40', ...(previous ? ['--previous'] : [])];
  const r = ctx.read(argv);
  return r.status === 0 ? (r.stdout ?? '') : `(could not read its logs: ${(r.stderr ?? '').trim()})`;
};

/** A `helm` step: the charts' Jobs, failing fast with helm's own lines. `stale`: Job uids from before this run sent the charts. */
export function runHelmStep(step: Step, stale: ReadonlySet<string>, ctx: HealthContext): HealthOutcome {
  const jobs = step.chartJobs!;
  const error = waitForChartJobs({ ...ctx.poll, reads: [step.argv], timeout: step.timeout ?? ctx.timeouts.helmJob, logs: logsOf(ctx), stale }, jobs, step.reads![0]!);
  const problems = error ? [{ object: `HelmChart ${jobs.namespace}/${/HelmChart \S+\/(\S+):/.exec(error)?.[1] ?? jobs.charts.join(',')}`, message: error }] : [];
  return { checks: [{ check: jobs.action === 'install' ? 'HelmChart installs' : 'HelmChart removals', objects: jobs.charts.length, problems }], error };
}

/** helm-install Jobs that were there before phase 02 sent their charts, with each chart's generation then. */
export interface StaleJobs {
  readonly uids: Map<string, Set<string>>;
  readonly generations: Map<string, number | undefined>;
  readonly namespace: Map<string, string>;
}

/**
 * Before phase 02 sends HelmCharts that exist: the uids of their install Jobs now. helm-controller
 * replaces a chart's Job when its spec changes (a Job left Complete by the last install says
 * nothing about this one), and leaves it when only labels or annotations changed; which of the
 * two happened is known after the send (staleAfterSend), from the chart's generation.
 */
export function staleInstallJobs(sends: readonly Send[], live: ReadonlyMap<string, LiveObject>, ctx: HealthContext): StaleJobs {
  const stale: StaleJobs = { uids: new Map(), generations: new Map(), namespace: new Map() };
  const charts = sends.filter((s) => s.object.manifest.kind === 'HelmChart' && live.has(s.object.key));
  for (const ns of uniqueSorted(charts.map((c) => c.object.manifest.metadata.namespace ?? 'default'))) {
    const here = charts.filter((c) => (c.object.manifest.metadata.namespace ?? 'default') === ns);
    for (const c of here) {
      stale.generations.set(c.object.manifest.metadata.name, (live.get(c.object.key)!.metadata as { generation?: number }).generation);
      stale.namespace.set(c.object.manifest.metadata.name, ns);
    }
    const r = ctx.read(['kubectl', '-n', ns, 'get', 'jobs', '-l', `${CHART_LABEL} in (${here.map((c) => c.object.manifest.metadata.name).join(',')})`, '-o', 'json']);
    if (r.status !== 0) continue;
    for (const j of (JSON.parse(r.stdout || '{"items":[]}') as { items?: { metadata: { uid: string; labels?: Record<string, string> } }[] }).items ?? []) {
      const chart = j.metadata.labels?.[CHART_LABEL];
      if (chart) stale.uids.set(chart, new Set([...(stale.uids.get(chart) ?? []), j.metadata.uid]));
    }
  }
  return stale;
}

/** After the send: the Job uids helm-controller will replace, of the charts whose generation rose (their spec changed). */
export function staleAfterSend(stale: StaleJobs, ctx: HealthContext): Set<string> {
  const out = new Set<string>();
  for (const ns of uniqueSorted([...stale.namespace.values()])) {
    const names = [...stale.namespace].filter(([, n]) => n === ns).map(([c]) => c);
    const r = ctx.read(['kubectl', '-n', ns, 'get', ...names.map((n) => `helmchart.helm.cattle.io/${n}`), '-o', 'json']);
    const read = r.status === 0 ? (JSON.parse(r.stdout || '{}') as { items?: LiveObject[] } & LiveObject) : undefined;
    const charts = read ? (read.items ?? [read]) : [];
    for (const name of names) {
      const now = (charts.find((c) => c.metadata?.name === name)?.metadata as { generation?: number } | undefined)?.generation;
      // Unreadable: assume the spec changed (waiting for a Job that is already the right one costs a poll or two).
      if (now === undefined || now !== stale.generations.get(name)) stale.uids.get(name)?.forEach((u) => out.add(u));
    }
  }
  return out;
}

/** After a phase's prune removed HelmCharts: each uninstalled by its helm-delete Job and gone. */
export function waitForRemovedCharts(phase: Phase, pruned: readonly Member[], ctx: HealthContext): HealthOutcome | undefined {
  const charts = pruned.filter((m) => m.phase === phase && m.live.kind === 'HelmChart');
  if (!charts.length) return undefined;
  const checks: HealthCheck[] = [];
  for (const ns of uniqueSorted(charts.map((m) => m.live.metadata.namespace ?? 'default'))) {
    const step = chartRemovalStep(phase, ns, charts.filter((m) => (m.live.metadata.namespace ?? 'default') === ns).map((m) => m.live.metadata.name), ctx.timeouts.helmJob);
    ctx.log(`\n# [${phase}] ${step.title}\n$ ${commandLine(step)}`);
    const outcome = runHelmStep(step, new Set(), ctx);
    checks.push(...outcome.checks);
    if (outcome.error) return { checks, error: outcome.error };
  }
  return { checks };
}
