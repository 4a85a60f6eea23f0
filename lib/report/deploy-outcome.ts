import type { ApplyReport, SmokeReport } from './deploy-report';

/*
 * What a deploy came to, from the files its steps left: the apply's report (missing when the apply
 * crashed or was cancelled before its end), the smoke check's, and the exit codes the workflow
 * captured. One verdict feeds the job summary, the GitHub deployment and commit statuses and the
 * failure message, so they never disagree; the exit codes win over a report that says otherwise.
 * Pure: texts in, verdict out (the files are read in scripts/deploy-feedback.ts).
 */

/** A report as read from its file: the report, or why there is none. */
export type Loaded<T> = { readonly report: T } | { readonly missing: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `file: field: got X, expected Y` when a report's shape is not what apply/smoke write. */
function shapeProblem(value: unknown, kind: 'apply' | 'smoke', file: string): string | undefined {
  if (!isObject(value)) return `${file}: got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}, expected the ${kind} report (a JSON object)`;
  if (value.kind !== kind) return `${file}: kind: got ${JSON.stringify(value.kind)}, expected "${kind}"`;
  if (typeof value.code !== 'number') return `${file}: code: got ${JSON.stringify(value.code)}, expected the exit code (a number)`;
  const list = kind === 'apply' ? 'phases' : 'results';
  if (!Array.isArray(value[list]) || !(value[list] as unknown[]).every(isObject)) return `${file}: ${list}: got ${JSON.stringify(value[list])?.slice(0, 60)}, expected a list of objects`;
  return undefined;
}

/** Parses a report file's text; `undefined` text means the file does not exist. */
export function loadReport<K extends 'apply' | 'smoke'>(kind: K, file: string, text: string | undefined): Loaded<K extends 'apply' ? ApplyReport : SmokeReport> {
  if (text === undefined) return { missing: `${file}: got no file, expected the report ${kind === 'apply' ? 'apply --report' : 'smoke --report'} writes (the ${kind} crashed, was cancelled or did not run)` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { missing: `${file}: got text that is not JSON (${(error as Error).message}), expected the ${kind} report` };
  }
  const problem = shapeProblem(value, kind, file);
  return problem ? { missing: problem } : { report: value as K extends 'apply' ? ApplyReport : SmokeReport };
}

export interface DeployInputs {
  readonly apply: Loaded<ApplyReport>;
  /** Absent when the workflow did not ask for the smoke check's result. */
  readonly smoke?: Loaded<SmokeReport>;
  /** The exit codes the workflow captured, when it passes them. */
  readonly applyExit?: number;
  readonly smokeExit?: number;
}

export interface DeployVerdict {
  readonly ok: boolean;
  /** One line: `the apply failed in 05-rollouts (wait for rollouts): Deployment site/site`. */
  readonly headline: string;
  /** The failed step, each unhealthy object and each host that did not answer, one line each. */
  readonly problems: readonly string[];
}

const joinNames = (names: readonly string[], max = 5) => (names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', '));

/** Each unhealthy object of the apply's health checks: `02-helm-charts: HelmChart installs: HelmChart kube-system/traefik: <message>`. */
export function healthProblems(report: ApplyReport): string[] {
  return report.phases.flatMap((p) => (p.health ?? []).flatMap((h) => h.problems.map((x) => `${p.phase}: ${h.check}: ${x.object}: ${x.message}`)));
}

/** Each host that did not answer as expected: `notes.example.org (public): 502 after 12 tries in 60 s`. */
export function smokeProblems(report: SmokeReport): string[] {
  return report.results.filter((r) => !r.ok).map((r) => `${r.host} (${r.expect}): ${r.detail}`);
}

/** The deploy's verdict: ok only when the apply applied (exit 0) and the smoke check passed (exit 0). */
export function deployVerdict(inputs: DeployInputs): DeployVerdict {
  const problems: string[] = [];
  let headline: string | undefined;
  const fail = (line: string) => (headline ??= line);
  if ('missing' in inputs.apply) {
    fail(`the apply left no report${inputs.applyExit !== undefined ? ` (exit ${inputs.applyExit})` : ''}`);
    problems.push(inputs.apply.missing);
  } else {
    const apply = inputs.apply.report;
    if (apply.mode !== 'apply') fail(`the report is of a ${apply.mode}, not an apply`);
    if (apply.code !== 0 || (inputs.applyExit !== undefined && inputs.applyExit !== 0)) {
      const code = inputs.applyExit !== undefined && inputs.applyExit !== 0 ? inputs.applyExit : apply.code;
      const what = code === 3 ? 'the prune guard refused' : 'the apply failed';
      fail(apply.failed ? `${what} in ${apply.failed.phase} (${apply.failed.step})${apply.failed.objects.length ? `: ${joinNames(apply.failed.objects)}` : ''}` : `${what} (exit ${code}): ${apply.message}`);
      if (apply.failed) problems.push(`apply: ${apply.message}`);
    }
    problems.push(...healthProblems(apply));
  }
  if (inputs.smoke && headline === undefined) {
    if ('missing' in inputs.smoke) {
      fail(`the smoke check left no report${inputs.smokeExit !== undefined ? ` (exit ${inputs.smokeExit})` : ''}`);
      problems.push(inputs.smoke.missing);
    } else {
      const failed = smokeProblems(inputs.smoke.report);
      if (inputs.smoke.report.code !== 0 || (inputs.smokeExit ?? 0) !== 0) {
        fail(`the smoke check failed: ${failed.length ? `${failed.length} of ${inputs.smoke.report.results.length} hosts did not answer as expected` : `exit ${inputs.smokeExit ?? inputs.smoke.report.code}`}`);
      }
      problems.push(...failed);
    }
  } else if (inputs.smoke && 'report' in inputs.smoke) {
    problems.push(...smokeProblems(inputs.smoke.report));
  }
  // The exit codes decide, as they decide the job's colour: problems of a deploy that exited 0 are warnings.
  const ok = headline === undefined;
  return { ok, headline: headline ?? (problems.length ? `applied, with ${problems.length} warning${problems.length === 1 ? '' : 's'}` : 'applied, every phase healthy'), problems };
}

/** A duration as people read it: `0.3 s`, `42 s`, `3 min 05 s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
