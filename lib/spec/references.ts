import type { AppSpec } from './types';
import { processesOf } from './types';
import { databaseNameTaken, takenMessage } from './derived-names';

/*
 * Rules across an app's processes: names that must not collide (with each other and with what the
 * platform derives for the cache and the database), paths, and whether what is declared is used:
 * a database or cache nobody reads, an address of one the app does not have.
 */

/** Longest object names: a Job's pods carry its name (plus `-` and 8 hex) in a 63-character label; the CronJob controller appends 11. */
const JOB_NAME_MAX = 54;
const CRON_JOB_NAME_MAX = 52;

export function appReferenceProblems(app: AppSpec, labelMax: number): string[] {
  const problems: string[] = [];
  const processes = processesOf(app);
  const seen = new Map<string, string>();
  for (const p of processes) {
    const short = p.name.slice(app.name.length + 1);
    const field = p.field || 'file name';
    const max = 'schedule' in p ? CRON_JOB_NAME_MAX : 'retries' in p ? JOB_NAME_MAX : labelMax;
    if (p.name.length > max) {
      problems.push(`${field}: got ${JSON.stringify(p.name)} as its object name (${p.name.length} characters), expected at most ${max} (a shorter name: Kubernetes adds to it)`);
    }
    const other = seen.get(p.name);
    if (other) problems.push(`${field}: got the name ${JSON.stringify(short)}, which ${other} has, expected a name of its own (they share object names)`);
    seen.set(p.name, field);
    if (app.cache && short === 'cache') problems.push(`${field}: got the name "cache", expected another: ${app.name}-cache is the app's cache`);
    if (app.database && (short === 'db' || short.startsWith('db-'))) {
      // The exact collision where there is one (a Service `<db>-rw`, a PDB `<db>`), else the family:
      // a restore or a new generation names the database `<app>-db-...` too.
      const kinds = [...('port' in p && p.port !== undefined ? ['Service'] : []), ...('replicas' in p && (p.autoscaling?.minReplicas ?? p.replicas) >= 2 ? ['PodDisruptionBudget'] : [])];
      const taken = kinds.map((kind) => [kind, databaseNameTaken(app, kind, p.name)] as const).find(([, d]) => d);
      problems.push(
        taken
          ? takenMessage(field, taken[0], p.name, taken[1]!)
          : `${field}: got the name ${JSON.stringify(short)}, expected a name not starting with db: CloudNativePG names the database's objects ${app.name}-db...`,
      );
    }
  }
  if (processes.length === 0) {
    // Nothing would run: an empty namespace, and with hosts an Ingress without paths, which the API server refuses.
    problems.push('components: got no components, jobs or cron jobs, expected at least one process (an app that runs nothing has nothing to route or keep)');
  }

  const web = app.components.filter((c) => c.kind === 'web');
  const paths = new Map<string, string>();
  for (const c of web) {
    const other = paths.get(c.path);
    if (other) problems.push(`components: ${c.name} and ${other} both route ${c.path}, expected one component per path`);
    paths.set(c.path, c.name);
  }
  if (app.hosts.length > 0 && web.length === 0 && processes.length > 0) {
    problems.push('hosts: got hosts for an app with no web component, expected a component with a port that is not internal to route them to (or no hosts)');
  }

  const readers = (key: 'databaseEnv' | 'cacheEnv') => processes.filter((p) => Object.keys(p[key]).length > 0);
  if (!app.database) {
    for (const p of readers('databaseEnv')) problems.push(`${[p.field, 'databaseEnv'].filter(Boolean).join('.')}: got database variables for an app without a database, expected \`database: { size: ... }\` beside them, or no databaseEnv`);
  } else if (readers('databaseEnv').length === 0) {
    problems.push('database: got a database no process reads, expected `databaseEnv` (e.g. `{ DATABASE_URL: \'uri\' }`) on the components or jobs that use it');
  }
  if (!app.cache) {
    for (const p of readers('cacheEnv')) problems.push(`${[p.field, 'cacheEnv'].filter(Boolean).join('.')}: got cache variables for an app without a cache, expected \`cache: {}\` beside them, or no cacheEnv`);
  } else if (readers('cacheEnv').length === 0) {
    problems.push('cache: got a cache no process reads, expected `cacheEnv` (e.g. `{ REDIS_URL: \'url\' }`) on the components or jobs that use it');
  }
  return problems;
}
