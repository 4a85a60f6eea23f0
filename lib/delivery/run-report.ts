import type { ApplyReport, HealthCheck, PhaseReport } from '../report/deploy-report';

/*
 * What the run did, kept as it goes for `npm run apply -- --report <file>` (lib/report/
 * deploy-report.ts): per phase the time its steps took, what was sent (with the reason) and
 * pruned, and its health checks; at the end the outcome and the step that failed.
 */

interface PhaseRecord {
  seconds: number;
  sent: string[];
  pruned: string[];
  health: HealthCheck[];
}

export class RunRecorder {
  private readonly phases = new Map<string, PhaseRecord>();
  private current: string | undefined;
  private mark: number;
  private readonly started: number;

  constructor(private readonly now: () => number) {
    this.started = this.mark = now();
  }

  private phase(name: string): PhaseRecord {
    if (!this.phases.has(name)) this.phases.set(name, { seconds: 0, sent: [], pruned: [], health: [] });
    return this.phases.get(name)!;
  }

  /** A step of `phase` starts: the time since the last mark goes to the phase before. */
  enter(phase: string): void {
    const t = this.now();
    if (this.current !== undefined) this.phase(this.current).seconds += (t - this.mark) / 1000;
    this.current = phase;
    this.mark = t;
    this.phase(phase);
  }

  sent(phase: string, lines: readonly string[]): void {
    this.phase(phase).sent.push(...lines);
  }

  pruned(phase: string, lines: readonly string[]): void {
    this.phase(phase).pruned.push(...lines);
  }

  health(phase: string, checks: readonly HealthCheck[]): void {
    this.phase(phase).health.push(...checks);
  }

  report(mode: string, code: number, message: string, failed?: ApplyReport['failed']): ApplyReport {
    this.enter('');
    const phases: PhaseReport[] = [...this.phases]
      .filter(([name]) => name !== '')
      .map(([phase, r]) => ({ phase, seconds: Math.round(r.seconds * 10) / 10, sent: r.sent, pruned: r.pruned, health: r.health }));
    return { kind: 'apply', mode, code, message, ...(failed ? { failed } : {}), phases, seconds: Math.round((this.now() - this.started) / 100) / 10 };
  }
}
