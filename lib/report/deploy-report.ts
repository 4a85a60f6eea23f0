/*
 * What a deploy did, as files the deploy job passes between its steps: `npm run apply -- --report
 * <file>` writes an ApplyReport, `npm run smoke -- --report <file>` a SmokeReport. The job summary,
 * the GitHub deployment and commit statuses and the failure message are built from these two
 * files only (scripts/deploy-feedback.ts), so each step can fail without losing what the others saw.
 * Nothing here holds a secret value: object names, condition messages, hosts and status codes.
 */

/** A phase as the apply names it (`01-prerequisites` … `05-rollouts`), or `setup` / `check`. */
export type ReportPhase = string;

export interface HealthProblem {
  /** `Certificate traefik/wildcard`, `HelmChart kube-system/traefik`, `Deployment cnpg-system/cloudnative-pg`. */
  readonly object: string;
  /** The last condition or event message, or helm's own last lines for a failing install. */
  readonly message: string;
}

export interface HealthCheck {
  /** What was checked: `HelmChart installs`, `chart workloads`, `webhooks`, `Certificates Ready`, … */
  readonly check: string;
  /** How many objects it covered. */
  readonly objects: number;
  /** Empty when healthy. */
  readonly problems: readonly HealthProblem[];
}

export interface PhaseReport {
  readonly phase: ReportPhase;
  /** Wall time of the phase's steps, apply and waits included. */
  readonly seconds: number;
  /** `Deployment site/site: changed in dist/`: what was sent, with the reason. */
  readonly sent: readonly string[];
  /** `Deployment site/old`: what the prune deleted. */
  readonly pruned: readonly string[];
  readonly health: readonly HealthCheck[];
}

export interface ApplyReport {
  readonly kind: 'apply';
  /** `apply`, `dry-run` or `drift`. */
  readonly mode: string;
  /** The apply's exit code: 0 done, 1 drift, 2 error, 3 the prune guard refused. */
  readonly code: number;
  /** The apply's last line (`done`, or what failed). */
  readonly message: string;
  /** The step that failed, when one did. */
  readonly failed?: { readonly phase: ReportPhase; readonly step: string; readonly objects: readonly string[] };
  readonly phases: readonly PhaseReport[];
  readonly seconds: number;
}

export interface SmokeResult {
  /** The public name, as dist/ routes it. */
  readonly host: string;
  /** `https://notes.example.org/healthz` */
  readonly url: string;
  /** `public` (expects 2xx/3xx), `private` (expects 403 from outside the admin networks), `login` (expects the sign-in's redirect). */
  readonly expect: 'public' | 'private' | 'login';
  readonly ok: boolean;
  /** The last status code, when a response came. */
  readonly status?: number;
  /** Why it is not ok (`certificate has expired`, `502 after 12 tries in 60 s`), or a short note. */
  readonly detail: string;
  readonly attempts: number;
  readonly seconds: number;
}

export interface SmokeReport {
  readonly kind: 'smoke';
  readonly results: readonly SmokeResult[];
  /** 0 every host answered as expected, 1 some did not, 2 bad input. */
  readonly code: number;
}
