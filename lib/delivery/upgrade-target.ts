import { KUBERNETES_RELEASES } from '../../config/kubernetes-releases';

/*
 * Which kube-apiserver `npm run check-upgrade -- --to <target>` runs: `next` (the minor after the
 * cluster's), `cluster` (the cluster's own version), a minor (`1.33`, its pinned patch in
 * config/kubernetes-releases.ts) or an exact version (`1.33.13`).
 */

const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');

/** The exact version for `target`, given the cluster's (`1.32.5`); throws `--to: got X, expected Y`. */
export function upgradeTarget(target: string, clusterVersion: string, releases: Readonly<Record<string, string>> = KUBERNETES_RELEASES): string {
  const known = Object.keys(releases).join(', ');
  const expected = `next, cluster, a minor with a pinned patch in config/kubernetes-releases.ts (${known}; the cluster's ${minorOf(clusterVersion)}) or an exact version such as 1.33.13`;
  const t = target.replace(/^v/, '');
  if (t === 'cluster') return clusterVersion;
  const [major, minor] = clusterVersion.split('.').map(Number);
  const wanted = t === 'next' ? `${major}.${minor! + 1}` : t;
  if (/^1\.[0-9]+\.[0-9]+$/.test(wanted)) return wanted;
  if (/^1\.[0-9]+$/.test(wanted)) {
    if (wanted === minorOf(clusterVersion)) return clusterVersion;
    const pinned = releases[wanted];
    if (pinned) return pinned;
    throw new Error(`--to: got ${target}${t === 'next' ? ` (${wanted})` : ''}, which has no pinned patch release, expected ${expected}`);
  }
  throw new Error(`--to: got ${target}, expected ${expected}`);
}
